"""A broadcast to 500 students over the fake Bot API with Telegram's flood limits: more than 30 messages a
second overall, or more than one a second in a chat, gets 429 with retry_after. None is lost, none is sent
twice, what the fake accepted stayed within the limits, a refused message waited its retry_after, a notice
queued meanwhile did not wait behind the whole broadcast, and the one progress message ends with
"500 reached".

Time runs `SCALE` times faster than Telegram's: the fake's limits, the bot's pacing and the broadcast's own
spacing are all multiplied by it, so the run takes seconds; retry_after stays in whole seconds, as Telegram
sends it.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import select

from bot.app import create_core
from bot.config import load_settings
from bot.core.app import Core
from bot.core.clock import SystemClock
from bot.core.context import queue_message
from bot.core.replies import Reply
from bot.platforms.telegram import TelegramPlatform
from bot.services import broadcast
from storage.models import Identity, Outbox, User
from tests.telegram.conftest import STAFF_CHAT, STAFF_MEMBER, TelegramWorld
from tests.telegram.fake_api import TOKEN, WRITES, Call, FakeTelegram, Refused

SCALE = 2
OVERALL = 30 * SCALE  # messages a second, all chats together
PER_CHAT = 1 * SCALE  # messages a second in one chat
PEOPLE = 500
FIRST_CHAT = 200_000
MESSAGE = "The spring networking evening is on 14 March at 18:00 <Main Hall>."


class FloodingTelegram(FakeTelegram):
    """The fake Bot API with Telegram's flood limits over a sliding second, once `limits_on`."""

    def __init__(self) -> None:
        super().__init__()
        self.limits_on = False
        self.arrived: list[tuple[float, Call]] = []  # every write while the limits are on, as it came
        self.waits: dict[int, float] = {}  # id(call) -> the retry_after it was refused with
        self._overall: list[float] = []
        self._chats: dict[int | None, list[float]] = {}

    async def _inject_fault(self, call: Call) -> None:
        if not self.limits_on or call.method not in WRITES:
            await super()._inject_fault(call)
            return
        now = time.monotonic()
        self.arrived.append((now, call))
        try:
            await super()._inject_fault(call)
            self._flood_check(call, now)
        except Refused as refused:
            if refused.status == 429 and refused.parameters:
                self.waits[id(call)] = float(refused.parameters["retry_after"])
            raise

    def _flood_check(self, call: Call, now: float) -> None:
        self._overall = [t for t in self._overall if t > now - 1]
        chat = [t for t in self._chats.get(call.chat_id, []) if t > now - 1]
        if len(self._overall) >= OVERALL or len(chat) >= PER_CHAT:
            self.flooded += 1
            self._chats[call.chat_id] = chat
            raise Refused(429, "Too Many Requests: retry after 1", {"retry_after": 1})
        self._overall.append(now)
        self._chats[call.chat_id] = [*chat, now]


@pytest.fixture
async def flood_world(database_url: str, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[TelegramWorld]:
    monkeypatch.setattr(broadcast, "PER_SECOND", broadcast.PER_SECOND * SCALE)
    monkeypatch.setattr(broadcast, "PROGRESS_EVERY", broadcast.PROGRESS_EVERY / SCALE)
    fake = FloodingTelegram()
    await fake.start()
    settings = load_settings(
        database_url=database_url,
        staff_ids=f"telegram:{STAFF_MEMBER}",
        telegram_bot_token=TOKEN,
        telegram_api_base_url=fake.base_url,
        telegram_staff_chat_id=STAFF_CHAT,
        telegram_webhook_listen="127.0.0.1",
        _env_file=None,
    )
    core = await create_core(settings, SystemClock(), migrate=False)  # retry_after is real seconds here
    platform = TelegramPlatform(
        core,
        poll_timeout=1.0,
        request_timeout=1.5,
        overall_per_second=OVERALL,
        per_chat_per_second=PER_CHAT,
        chat_burst=1,
        group_per_minute=20 * SCALE,
        connect_retry=0.05,
    )
    world = TelegramWorld(fake, core, SystemClock(), platform)  # type: ignore[arg-type]
    await world.start()
    delivery = asyncio.create_task(core.delivery.run_forever(idle_seconds=0.1))
    yield world
    core.delivery.stop()
    with contextlib.suppress(Exception):
        await asyncio.wait_for(delivery, timeout=10)
    await world.stop()
    await core.close()
    await fake.stop()


async def students(core: Core, count: int) -> None:
    now = core.clock.now()
    async with core.sessions() as session, session.begin():
        users = [User(name=f"Student {i}", role="student", created_at=now) for i in range(count)]
        session.add_all(users)
        await session.flush()
        chats = (str(FIRST_CHAT + i) for i in range(count))
        session.add_all(
            Identity(user_id=u.id, platform="telegram", external_id=c, chat_id=c, created_at=now)
            for u, c in zip(users, chats, strict=True)
        )


async def someone_else(core: Core) -> int:
    now = core.clock.now()
    async with core.sessions() as session, session.begin():
        dana = User(name="Dana Mentor", role="alumnus", created_at=now)
        session.add(dana)
        await session.flush()
        chat = "300001"
        session.add(Identity(user_id=dana.id, platform="telegram", external_id=chat, chat_id=chat, created_at=now))
        return dana.id


def broadcast_calls(fake: FakeTelegram) -> list[Call]:
    """The broadcast as the students received it (not its preview in Sam's chat)."""
    return [
        c
        for c in fake.delivered()
        if c.method == "sendMessage" and (c.chat_id or 0) >= FIRST_CHAT and "spring networking evening" in c.text
    ]


async def until(condition: Any, seconds: float = 90.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "gave up waiting"
        await asyncio.sleep(0.05)


def most_in_a_second(stamps: list[float]) -> int:
    stamps = sorted(stamps)
    most, start = 0, 0
    for end, stamp in enumerate(stamps):
        while stamps[start] <= stamp - 1:
            start += 1
        most = max(most, end - start + 1)
    return most


async def test_a_broadcast_to_500_stays_within_the_flood_limits_and_loses_nobody(flood_world: TelegramWorld) -> None:
    world, fake = flood_world, flood_world.fake
    assert isinstance(fake, FloodingTelegram)
    await students(world.core, PEOPLE)
    dana = await someone_else(world.core)
    sam = world.person(STAFF_MEMBER, "Sam", "Career")

    await sam.say("/broadcast")
    await sam.press("All students")
    assert f"It will reach {PEOPLE} people." in await sam.say(MESSAGE)
    preview = fake.chat_messages(sam.chat_id)[-1]
    for chat in (FIRST_CHAT + 7, FIRST_CHAT + 250, FIRST_CHAT + 499):  # Telegram says "wait" to a few of them
        fake.fail("sendMessage", "429", retry_after=2, chat_id=chat)
    fake.limits_on = True
    assert f"Sending your message to all students… 0 of {PEOPLE}" in await sam.press("Confirm and send")

    # A notice for someone else, queued while the broadcast is under way, does not wait behind all of it.
    await until(lambda: len(broadcast_calls(fake)) >= 100)
    async with world.core.sessions() as session, session.begin():
        queue_message(session, world.core.clock.now(), Reply("Alex would like you as a mentor."), user_id=dana)
    world.core.delivery.kick()

    def progress_text() -> str:
        return str(fake.messages[(sam.chat_id, preview["message_id"])]["_html"])

    await until(lambda: "is through" in progress_text())
    # None lost, none sent twice: every student's chat accepted the message exactly once.
    sent = broadcast_calls(fake)
    per_chat = {FIRST_CHAT + i: 0 for i in range(PEOPLE)}
    for call in sent:
        per_chat[int(call.params["chat_id"])] += 1
    assert set(per_chat.values()) == {1}
    assert MESSAGE in sent[0].text  # escaped on the way, so it reads as typed
    async with world.core.sessions() as session:
        statuses = list(await session.scalars(select(Outbox.status).where(Outbox.user_id.is_not(None))))
    assert statuses.count("sent") == PEOPLE + 1 and "pending" not in statuses

    # What the fake accepted stayed within the limits, overall and in every chat.
    accepted = [(t, c) for t, c in fake.arrived if c.ok]
    assert most_in_a_second([t for t, _c in accepted]) <= OVERALL
    chats: dict[int | None, list[float]] = {}
    for stamp, call in accepted:
        chats.setdefault(call.chat_id, []).append(stamp)
    assert max(most_in_a_second(stamps) for stamps in chats.values()) <= PER_CHAT
    # A message refused with 429 was not tried again before its retry_after.
    refused = [(t, c) for t, c in fake.arrived if c.status == 429]
    assert len(refused) >= 3
    for stamp, call in refused:
        later = [t for t, c in fake.arrived if t > stamp and c.chat_id == call.chat_id and c.method == call.method]
        assert later, f"nothing was sent again to chat {call.chat_id}"
        assert min(later) >= stamp + fake.waits[id(call)]

    # Dana's notice went out among the broadcast, not after it.
    delivered = fake.delivered()
    dana_at = next(i for i, c in enumerate(delivered) if c.chat_id == 300001)
    assert dana_at < delivered.index(sent[-1])

    # One progress message, edited in place now and then (not once per message), ending with the result.
    edits = [c for c in fake.delivered(sam.chat_id) if c.method == "editMessageText"]
    assert all(int(c.params["message_id"]) == preview["message_id"] for c in edits)
    assert 2 <= len(edits) < 30
    assert not [c for c in fake.delivered(sam.chat_id) if c.method == "sendMessage" and "Sending" in c.text]
    assert f"{PEOPLE} reached" in edits[-1].text
    assert "could not be reached" not in edits[-1].text
