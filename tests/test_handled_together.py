"""Updates that arrive side by side: each is answered once and in its own words, whether the bot handles
them one by one or (on SQLite, which takes one writer at a time) together in one transaction; a refusal
among them is answered as a refusal and takes nothing of the others back."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import event, func, select

from bot.core.events import Event, Origin
from bot.core.intake import Recorded
from storage.models import InboxUpdate, Outbox, User
from tests.conftest import PG_URL
from tests.support import Harness


def _from(harness: Harness, name: str, text: str, key: str) -> Event:
    person = harness.person(name)
    origin = Origin("console", person.name, "private")
    return Event.command_from_text(person.actor, text, update_key=key, recorded=True, origin=origin)


async def _record(harness: Harness, events: list[Event]) -> None:
    keys = list(dict.fromkeys(e.update_key for e in events if e.update_key))
    await harness.core.inbox.record("console", [Recorded(key, {"n": n}) for n, key in enumerate(keys)])


async def test_updates_side_by_side_are_each_answered_once_and_a_refusal_takes_nothing_back(
    harness: Harness,
) -> None:
    helps = [_from(harness, f"newcomer{n}", "/help", f"help-{n}") for n in range(5)]
    refused = _from(harness, "typo", "/nosuchcommand", "typo-1")
    again = helps[0]  # the same update handed over twice (a platform's retry)
    events = [*helps[:3], refused, again, *helps[3:]]
    await _record(harness, events)

    answered = await asyncio.gather(*(harness.core.answer(e) for e in events))

    assert answered[4] == []  # the second copy: already answered
    replies = zip(events, answered, strict=True)
    texts = {e.actor.external_id: [a.reply["text"] for a in answers] for e, answers in replies if answers}
    for n in range(5):
        assert len(texts[f"newcomer{n}"]) == 1 and "/help" in texts[f"newcomer{n}"][0]
    assert texts["typo"] == [texts["typo"][0]] and "I don't know /nosuchcommand" in texts["typo"][0]
    async with harness.core.sessions() as session:
        statuses = list(await session.scalars(select(InboxUpdate.status)))
        written = await session.scalar(select(func.count()).select_from(Outbox))
        names = set(await session.scalars(select(User.name).where(User.name.like("Newcomer%"))))
    assert statuses == ["handled"] * 6 and written == 6
    assert names == {f"Newcomer{n}" for n in range(5)}  # each newcomer kept, though a refusal came beside them


async def test_the_same_person_twice_side_by_side_is_one_person(harness: Harness) -> None:
    """Two updates of one person from two chats, handled in one transaction, find the same person."""
    person = harness.person("kim")
    first = Event.command_from_text(
        person.actor, "/help", update_key="kim-1", recorded=True, origin=Origin("console", "kim", "private")
    )
    second = Event.command_from_text(
        person.actor, "/help", update_key="kim-2", recorded=True, origin=Origin("console", "kim-2", "private")
    )
    await _record(harness, [first, second])

    answered = await asyncio.gather(harness.core.answer(first), harness.core.answer(second))

    assert [len(answers) for answers in answered] == [1, 1]
    assert [answers[0].chat_id for answers in answered] == ["kim", "kim-2"]  # each in the chat it came from
    async with harness.core.sessions() as session:
        kims = await session.scalar(select(func.count()).select_from(User).where(User.name == "Kim"))
    assert kims == 1


@pytest.mark.skipif(bool(PG_URL), reason="PostgreSQL runs writers side by side: each update has its own")
async def test_on_sqlite_updates_waiting_together_share_a_transaction(harness: Harness) -> None:
    """What makes a busy bot on SQLite keep up: the updates waiting for the write lock take it once."""
    events = [_from(harness, f"crowd{n}", "/help", f"crowd-{n}") for n in range(10)]
    await _record(harness, events)
    begun: list[Any] = []
    engine = harness.core.engine.sync_engine
    listener = lambda conn: begun.append(conn)  # noqa: E731
    event.listen(engine, "begin", listener)
    try:
        answered = await asyncio.gather(*(harness.core.answer(e) for e in events))
    finally:
        event.remove(engine, "begin", listener)

    assert [len(answers) for answers in answered] == [1] * 10
    assert len(begun) <= 2  # one transaction for those that waited (and, at most, one for the first alone)
