"""Telegram timing against the fake Bot API on 127.0.0.1: outbox pacing (about 30 messages a second
overall, about 1 a second per chat after a short burst) and the time from an update to its answer.

    .venv/bin/python -m bench.telegram
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from pathlib import Path

from bot.app import create_core
from bot.config import load_settings
from bot.core.app import Core
from bot.core.clock import SystemClock
from bot.core.context import queue_message
from bot.core.replies import Reply
from bot.platforms.telegram import TelegramPlatform
from storage.models import Identity, User
from tests.telegram.fake_api import TOKEN, FakeTelegram

MANY_CHATS = 90
ONE_CHAT = 6
ROUND_TRIPS = 40


async def _people(core: Core, count: int) -> list[int]:
    now = core.clock.now()
    ids = []
    async with core.sessions() as session, session.begin():
        for n in range(count):
            user = User(name=f"Person {n}", created_at=now)
            external = str(10_000 + n)
            session.add_all(
                [user, Identity(user=user, platform="telegram", external_id=external, chat_id=external, created_at=now)]
            )
            await session.flush()
            ids.append(user.id)
    return ids


async def _queue(core: Core, user_ids: list[int]) -> None:
    async with core.sessions() as session, session.begin():
        for user_id in user_ids:
            queue_message(session, core.clock.now(), Reply("A reminder from the programme."), user_id=user_id)


async def _timed_flush(core: Core, expected: int) -> float:
    started = time.perf_counter()
    delivered = 0
    while delivered < expected:
        delivered += await core.delivery.flush()
    return time.perf_counter() - started


async def _round_trips(fake: FakeTelegram, platform: TelegramPlatform) -> list[float]:
    user = {"id": 55_555, "is_bot": False, "first_name": "Bench"}
    latencies = []
    for _ in range(ROUND_TRIPS):
        before = len(fake.calls)
        started = time.perf_counter()
        fake.push(fake.message_update(user, "/help"))
        for _poll in range(10_000):  # the answer shows up in the fake's log; look every millisecond
            if any(c.ok and c.method == "sendMessage" for c in fake.calls[before:]):
                break
            await asyncio.sleep(0.001)
        latencies.append(time.perf_counter() - started)
        await asyncio.sleep(1.1)  # stay under one message a second in this chat, so pacing isn't measured
    return latencies


async def _quick_answers(fake: FakeTelegram, count: int) -> float:
    """A person tapping fast: their answers are not held back by per-chat pacing (only the outbox is)."""
    user = {"id": 66_666, "is_bot": False, "first_name": "Quick"}
    before = len(fake.calls)
    started = time.perf_counter()
    for _ in range(count):
        fake.push(fake.message_update(user, "/help"))
    for _poll in range(30_000):
        if sum(c.ok and c.method == "sendMessage" for c in fake.calls[before:]) >= count:
            break
        await asyncio.sleep(0.001)
    return time.perf_counter() - started


async def _many_people_at_once(fake: FakeTelegram, count: int) -> float:
    """Many people writing in the same moment: handled side by side, answers within the overall limit."""
    before = len(fake.calls)
    started = time.perf_counter()
    for n in range(count):
        fake.push(fake.message_update({"id": 70_000 + n, "is_bot": False, "first_name": f"P{n}"}, "/help"))
    for _poll in range(60_000):
        if sum(c.ok and c.method == "sendMessage" for c in fake.calls[before:]) >= count:
            break
        await asyncio.sleep(0.001)
    return time.perf_counter() - started


async def main() -> None:
    fake = FakeTelegram()
    await fake.start()
    with tempfile.TemporaryDirectory() as folder:
        settings = load_settings(
            database_url=f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}",
            telegram_bot_token=TOKEN,
            telegram_api_base_url=fake.base_url,
            _env_file=None,
        )
        core = await create_core(settings, SystemClock())
        platform = TelegramPlatform(core, listen="127.0.0.1", poll_timeout=1.0)
        core.delivery.add_transport(platform)
        runner = asyncio.create_task(platform.run())
        await platform.ready.wait()
        try:
            many = await _people(core, MANY_CHATS)
            await _queue(core, many)
            spread = await _timed_flush(core, MANY_CHATS)
            steady = (MANY_CHATS - 30) / spread  # the limiter's bucket lets the first 30 go at once
            print(f"{MANY_CHATS} messages to {MANY_CHATS} chats: {spread:.2f} s (then {steady:.1f} msg/s)")

            one = many[:1] * ONE_CHAT
            await _queue(core, one)
            single = await _timed_flush(core, ONE_CHAT)
            rate = (ONE_CHAT - 3) / single  # three go at once, then about one a second
            print(f"{ONE_CHAT} messages to one chat: {single:.2f} s (after a burst of 3: {rate:.2f} msg/s)")

            quick = await _quick_answers(fake, ONE_CHAT)
            print(f"{ONE_CHAT} answers to one person tapping fast: {quick:.2f} s (answers are not paced per chat)")

            crowd = await _many_people_at_once(fake, 60)
            print(f"60 people writing at once: all answered in {crowd:.2f} s (answers count toward 30/s too)")

            latencies = await _round_trips(fake, platform)
            p95 = statistics.quantiles(latencies, n=20)[-1]
            print(
                f"update to answer (getUpdates, /help, {ROUND_TRIPS} runs): median "
                f"{statistics.median(latencies) * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms"
            )
        finally:
            runner.cancel()
            await asyncio.gather(runner, return_exceptions=True)
            await core.close()
            await fake.stop()


if __name__ == "__main__":
    asyncio.run(main())
