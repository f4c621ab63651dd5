"""kill -9 in the middle of a burst, then a restart: nothing people sent is lost, nothing is done twice.

A hundred updates arrive at once: 40 students each log a contact in one line, their 40 mentors ask for
/help, and 20 newcomers send /start. The bot process is killed with SIGKILL while it is answering, at
several points, and started again on the same database. Afterwards every update has had its effect once
(40 contacts logged, 20 newcomers known) and every person has had their answer.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from bot.app import create_core
from bot.config import load_settings
from bot.core.app import Core
from storage.models import ContactLog, Identity, InboxUpdate, Outbox, User
from tests.lifecycle_support import add_pair, add_person
from tests.reliability.bot_process import BotProcess, until
from tests.telegram.fake_api import FakeTelegram

pytestmark = pytest.mark.slow

PAIRS = 40
NEWCOMERS = 20


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    server = FakeTelegram()
    await server.start()
    yield server
    await server.stop()


async def seed(database_url: str) -> tuple[list[int], list[int]]:
    """Forty matched pairs, known to Telegram: mentee chats 20001…, mentor chats 30001…"""
    core: Core = await create_core(load_settings(database_url=database_url, _env_file=None), migrate=False)
    mentees, mentors = [], []
    try:
        for n in range(1, PAIRS + 1):
            mentor = await add_person(core, f"m{n}", f"Mentor {n}", "alumnus")
            mentee = await add_person(core, f"s{n}", f"Student {n}", "student")
            await add_pair(core, mentor, mentee)
            for user_id, chat in ((mentor, 30000 + n), (mentee, 20000 + n)):
                async with core.sessions() as session, session.begin():
                    await session.execute(
                        update(Identity)
                        .where(Identity.user_id == user_id)
                        .values(platform="telegram", external_id=str(chat), chat_id=str(chat))
                    )
            mentees.append(20000 + n)
            mentors.append(30000 + n)
    finally:
        await core.close()
    return mentees, mentors


async def until_nothing_pending(database_url: str, seconds: float = 60.0) -> None:
    """Until no answer waits in the outbox (one that failed for a moment is retried after a pause)."""
    core = await create_core(load_settings(database_url=database_url, _env_file=None), migrate=False)
    pending = select(func.count()).select_from(Outbox).where(Outbox.status == "pending", Outbox.chat_id.is_not(None))
    try:
        left = 1
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        while left:
            async with core.sessions() as session:
                left = int(await session.scalar(pending) or 0)
            assert loop.time() < deadline, f"{left} answers still waiting in the outbox"
            await asyncio.sleep(0.2)
    finally:
        await core.close()


def person(chat: int, first: str) -> dict[str, object]:
    return {"id": chat, "is_bot": False, "first_name": first}


@pytest.mark.parametrize("kill_after", [5, 35, 70])
async def test_kill_9_mid_burst_loses_nothing_and_doubles_nothing(
    fake: FakeTelegram, database_url: str, tmp_path: Path, kill_after: int
) -> None:
    mentees, mentors = await seed(database_url)
    newcomers = [40001 + n for n in range(NEWCOMERS)]
    sent: Counter[int] = Counter()  # updates per chat
    for mentee, mentor in zip(mentees, mentors, strict=True):
        fake.push(fake.message_update(person(mentee, "Student"), "/log met today on zoom, talked about my CV"))
        fake.push(fake.message_update(person(mentor, "Mentor"), "/help"))
        sent.update([mentee, mentor])
    for chat in newcomers:
        fake.push(fake.message_update(person(chat, "Newcomer"), "/start"))
        sent[chat] += 1

    bot = BotProcess(fake, database_url, tmp_path)
    await bot.start()
    try:
        await until(lambda: len(fake.delivered()) >= kill_after, f"{kill_after} answers before the crash")
        await bot.kill()
        answered_before = len(fake.delivered())
        assert answered_before < sum(sent.values()), "the crash came too late to test anything"
        await bot.start()

        expected = {chat: "Logged:" for chat in mentees} | {chat: "What you can do" for chat in mentors}
        expected |= {chat: "Hello" for chat in newcomers}

        def everyone_answered() -> bool:
            return all(any(words in c.text for c in fake.delivered(chat)) for chat, words in expected.items())

        await until(everyone_answered, "every person's answer after the restart")
        await until_nothing_pending(database_url)
        await bot.stop()
    finally:
        await bot.kill() if bot.process and bot.process.returncode is None else None

    assert "Traceback" not in bot.logs()
    core = await create_core(load_settings(database_url=database_url, _env_file=None), migrate=False)
    try:
        async with core.sessions() as session:
            logs = await session.scalar(select(func.count()).select_from(ContactLog))
            users = await session.scalar(select(func.count()).select_from(User))
            unfinished = await session.scalar(
                select(func.count()).select_from(InboxUpdate).where(InboxUpdate.status != "handled")
            )
            unsent = [
                (row.status, row.last_error, row.reply.get("text", "")[:60])
                for row in await session.scalars(
                    select(Outbox).where(Outbox.status != "sent", Outbox.chat_id.is_not(None))
                )
            ]
    finally:
        await core.close()
    assert logs == PAIRS  # each /log once: none lost, none doubled
    assert users == 2 * PAIRS + NEWCOMERS
    assert unfinished == 0 and unsent == []
    # The one window the protocol leaves: an answer Telegram accepted just before the kill, not yet marked
    # sent, is sent again after the restart. At most one per update being handled at the moment of the kill
    # (ChatOrderedUpdates handles up to 16 chats side by side).
    doubled = sum(
        count - 1
        for chat, words in expected.items()
        for count in Counter(c.text for c in fake.delivered(chat) if words in c.text).values()
        if count > 1
    )
    assert doubled <= 16, f"{doubled} answers sent twice"
