"""An update a platform recorded in the inbox is handled once: its inbox row, taken from pending to handled
in the transaction that handles it, is what says so, whoever handles it and however often it comes round."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select

from bot.app import create_core
from bot.config import load_settings
from bot.core.app import Core
from bot.core.clock import ManualClock
from bot.core.events import Event, Origin
from bot.core.intake import Recorded
from storage.models import InboxUpdate, Outbox, ProcessedUpdate
from tests.support import Harness


def _help_from(harness: Harness, key: str, name: str = "alex") -> Event:
    person = harness.person(name)
    origin = Origin("console", person.name, "private")
    return Event.command_from_text(person.actor, "/help", update_key=key, recorded=True, origin=origin)


async def _rows(core: Core, key: str) -> tuple[str, int, int]:
    """The inbox row's status, the answers written, and the keys kept in processed_updates."""
    async with core.sessions() as session:
        status = await session.scalar(select(InboxUpdate.status).where(InboxUpdate.update_key == key))
        answers = await session.scalar(select(func.count()).select_from(Outbox))
        processed = await session.scalar(select(func.count()).select_from(ProcessedUpdate))
    return str(status), int(answers or 0), int(processed or 0)


async def test_a_recorded_update_is_answered_once_however_often_it_is_handled(harness: Harness) -> None:
    core = harness.core
    assert await core.inbox.record("console", [Recorded("u-1", {"text": "/help"})]) == ["u-1"]
    event = _help_from(harness, "u-1")

    first = await core.answer(event)
    assert len(first) == 1 and "/help" in first[0].reply["text"]
    assert await _rows(core, "u-1") == ("handled", 1, 0)  # the inbox row alone says it was handled

    # Taken up again (a restart's take-over, or another process that claimed it): nothing more is said or kept.
    assert await core.answer(event) == []
    assert await _rows(core, "u-1") == ("handled", 1, 0)


async def test_a_refused_recorded_update_is_answered_and_marked_handled(harness: Harness) -> None:
    core = harness.core
    await core.inbox.record("console", [Recorded("u-2", {"text": "/nosuchcommand"})])
    alex = harness.person("alex")
    event = Event.command_from_text(
        alex.actor, "/nosuchcommand", update_key="u-2", recorded=True, origin=Origin("console", alex.name, "private")
    )

    (answer,) = await core.answer(event)
    assert "I don't know /nosuchcommand" in answer.reply["text"]
    assert await _rows(core, "u-2") == ("handled", 1, 0)
    assert await core.answer(event) == []


async def test_two_processes_handling_one_recorded_update_at_once_answer_it_once(
    harness: Harness, database_url: str, clock: ManualClock
) -> None:
    settings = load_settings(database_url=database_url, staff_ids="console:sam", _env_file=None)
    other = await create_core(settings, clock, migrate=False)
    try:
        keys = [f"burst-{n}" for n in range(20)]
        await harness.core.inbox.record("console", [Recorded(key, {"text": "/help"}) for key in keys])
        events = [_help_from(harness, key, f"person{n}") for n, key in enumerate(keys)]  # each their own chat
        answered = await asyncio.gather(
            *(core.answer(event) for event in events for core in (harness.core, other))
        )
        assert sorted(len(answers) for answers in answered) == [0] * 20 + [1] * 20
        async with other.sessions() as session:
            statuses = set(await session.scalars(select(InboxUpdate.status)))
            written = await session.scalar(select(func.count()).select_from(Outbox))
        assert (statuses, written) == ({"handled"}, 20)
    finally:
        await other.close()
