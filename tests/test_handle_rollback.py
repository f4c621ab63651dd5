"""`Core.handle` promises that a refusal or a failure changes nothing: whatever the event wrote before it was
refused or failed (rows added or changed, messages queued for others) is rolled back with it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import func, select

from bot.core.clock import ManualClock
from bot.core.events import Event
from storage.models import Outbox, Report, User
from tests.rollback_support import NEW_CONTACT, REFUSAL, Seen, write_then_stop_core
from tests.support import Harness
from tests.test_match import add_staff
from tests.test_requests import add_mentor, add_student, mentor_load

SORRY = "Sorry, something went wrong on our side and nothing was changed. Please try again in a moment."


@pytest.fixture
def seen() -> Seen:
    return Seen()


@pytest.fixture
async def stopping(database_url: str, clock: ManualClock, seen: Seen) -> AsyncIterator[Harness]:
    """A harness over a core whose only commands write, then refuse (/writeandrefuse) or fail (/writeandfail)."""
    core = await write_then_stop_core(database_url, clock, seen)
    harness = Harness(core)
    await add_student(core, "alex")
    await add_student(core, "bea")
    yield harness
    await core.close()


async def what_is_kept(harness: Harness) -> tuple[int, int, str]:
    """Reports, outbox rows, and Alex's contact details, as committed."""
    async with harness.core.sessions() as session:
        reports = int(await session.scalar(select(func.count()).select_from(Report)) or 0)
        outbox = int(await session.scalar(select(func.count()).select_from(Outbox)) or 0)
        contact = await session.scalar(select(User.contact_details).where(User.name == "Alex Student"))
    return reports, outbox, str(contact)


@pytest.mark.parametrize(("command", "answer"), [("/writeandrefuse", REFUSAL), ("/writeandfail", SORRY)])
async def test_what_an_event_wrote_before_it_was_refused_or_failed_is_not_kept(
    stopping: Harness, seen: Seen, command: str, answer: str
) -> None:
    alex, bea = stopping.person("alex"), stopping.person("bea")

    assert await alex.say(command) == answer

    # Inside the event's transaction the writes were there ...
    assert (seen.reports, seen.outbox, seen.contact) == ([1], [1], [NEW_CONTACT])
    # ... and after it none of them is: no report, no message for Bea, Alex's contact details as before.
    assert await what_is_kept(stopping) == (0, 0, "alex@students.example.org")
    await stopping.core.delivery.flush()
    assert bea.inbox == []


async def test_an_update_that_failed_is_handled_again_when_the_platform_redelivers_it(
    stopping: Harness, seen: Seen
) -> None:
    # Its "already handled" mark is rolled back with the rest, so the redelivery is not dropped in silence.
    alex = stopping.person("alex")
    event = Event.command_from_text(alex.actor, "/writeandfail", update_key="update-7")
    assert [reply.text for reply in await stopping.core.handle(event)] == [SORRY]
    assert [reply.text for reply in await stopping.core.handle(event)] == [SORRY]
    assert len(seen.reports) == 2  # the command ran both times
    assert await what_is_kept(stopping) == (0, 0, "alex@students.example.org")


async def test_matching_the_same_pair_twice_is_refused_and_gives_the_place_back(harness: Harness) -> None:
    """A real refusal after a write: the second "Match them" claims one of the mentor's places (an UPDATE of
    her profile) before `create_pair` finds the two already matched and refuses."""
    core = harness.core
    mentor = await add_mentor(core, "aigerim", capacity=2)
    student = await add_student(core, "alex")
    await add_student(core, "bea")
    await add_staff(core)
    sam = harness.person("sam")
    await sam.say("/match")
    assert "are matched" in await sam.press_data("match.ok", f"{student}.{mentor}")

    again = await sam.press_data("match.ok", f"{student}.{mentor}")  # the same button, pressed again

    assert "already matched" in again
    assert await mentor_load(core, mentor) == 1
    # So Aigerim still has a free place, and another student finds her.
    assert "Aigerim Mentor" in await harness.person("bea").say("/mentors")
