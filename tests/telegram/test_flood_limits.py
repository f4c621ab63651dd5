"""Telegram's flood limits, with the fake Bot API enforcing them (30 messages a second overall; in a
private chat a burst of 3, then 1 a second; 429 with retry_after over a limit): notices to many chats and a
series to one chat, and many people writing at once, all arrive, complete and in order, with hardly a 429.
The limits are Telegram's own, in real seconds, so each test takes a few seconds."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

import pytest

from bot.app import create_core
from bot.config import load_settings
from bot.core.app import Core
from bot.core.clock import SystemClock
from bot.core.context import queue_message
from bot.core.replies import Reply
from bot.platforms.telegram import TelegramPlatform
from storage.models import Identity, User
from tests.telegram.fake_api import TOKEN, FakeTelegram, FloodLimits

FIRST_CHAT = 400_000
MANY = 60
SERIES = 6


@dataclass
class Limited:
    fake: FakeTelegram
    core: Core


@pytest.fixture
async def limited(database_url: str) -> AsyncIterator[Limited]:
    fake = FakeTelegram(FloodLimits())
    await fake.start()
    settings = load_settings(
        database_url=database_url, telegram_bot_token=TOKEN, telegram_api_base_url=fake.base_url, _env_file=None
    )
    core = await create_core(settings, SystemClock(), migrate=False)  # retry_after is real seconds here
    platform = TelegramPlatform(core, listen="127.0.0.1", poll_timeout=1.0, request_timeout=5.0, connect_retry=0.05)
    core.delivery.add_transport(platform)
    running = asyncio.create_task(platform.run())
    delivering = asyncio.create_task(core.delivery.run_forever(idle_seconds=0.2))
    await asyncio.wait_for(platform.ready.wait(), 10)
    yield Limited(fake, core)
    core.delivery.stop()
    running.cancel()
    await asyncio.gather(running, return_exceptions=True)
    with contextlib.suppress(Exception):
        await asyncio.wait_for(delivering, timeout=10)
    await core.close()
    await fake.stop()


async def until(condition: Callable[[], bool], seconds: float = 60.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "gave up waiting"
        await asyncio.sleep(0.05)


def texts(fake: FakeTelegram, chat_id: int) -> list[str]:
    return [c.text for c in fake.delivered(chat_id) if c.method == "sendMessage"]


async def test_notices_to_many_chats_and_a_series_to_one_arrive_complete_and_in_order(limited: Limited) -> None:
    fake, core = limited.fake, limited.core
    now = core.clock.now()
    async with core.sessions() as session, session.begin():
        users = [User(name=f"Student {n}", role="student", created_at=now) for n in range(MANY)]
        session.add_all(users)
        await session.flush()
        session.add_all(
            Identity(user_id=u.id, platform="telegram", external_id=str(c), chat_id=str(c), created_at=now)
            for u, c in zip(users, range(FIRST_CHAT, FIRST_CHAT + MANY), strict=True)
        )
        for user in users:
            queue_message(session, now, Reply("The spring evening is on 14 March."), user_id=user.id)
        for n in range(SERIES):
            queue_message(session, now, Reply(f"Step {n + 1} of {SERIES}."), user_id=users[0].id)
    core.delivery.kick()

    await until(lambda: len(fake.delivered()) >= MANY + SERIES)
    assert texts(fake, FIRST_CHAT) == ["The spring evening is on 14 March."] + [
        f"Step {n + 1} of {SERIES}." for n in range(SERIES)
    ]
    for chat in range(FIRST_CHAT + 1, FIRST_CHAT + MANY):
        assert texts(fake, chat) == ["The spring evening is on 14 March."]
    assert fake.flooded <= 2


async def test_many_people_writing_at_once_are_all_answered_and_a_quick_one_in_order(limited: Limited) -> None:
    fake = limited.fake
    quick = {"id": FIRST_CHAT - 1, "is_bot": False, "first_name": "Quick"}
    commands = ["/help", "/start", "/help", "/start", "/help"]
    for text in commands:
        fake.push(fake.message_update(quick, text))
    for n in range(MANY):
        fake.push(fake.message_update({"id": FIRST_CHAT + n, "is_bot": False, "first_name": f"P{n}"}, "/help"))

    await until(lambda: all(texts(fake, FIRST_CHAT + n) for n in range(MANY)))
    await until(lambda: len(texts(fake, quick["id"])) >= len(commands))
    answers = texts(fake, quick["id"])
    assert [a.startswith("What you can do") for a in answers] == [c == "/help" for c in commands]
    assert all(a.startswith("Hello, Quick!") for a, c in zip(answers, commands, strict=True) if c == "/start")
    assert fake.flooded <= 2
