"""A mentor who declined a student is not offered to them, nor can be asked by them, for the programme's
`reask_after_days` (90 in the bundled programme), counted from the moment she answered.

Where the edge lies: `bot.services.matching.mentors_who_said_no` keeps an answer while
`answered_at >= now - reask_after_days`, so the window includes the instant exactly 90 days after the
answer, and the student may ask again from the next instant on (a microsecond later, the resolution of
both databases' timestamps)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from bot.core.clock import ManualClock
from storage.models import MentorshipRequest
from tests.lifecycle_support import add_pair
from tests.support import Harness
from tests.test_requests import MESSAGE, add_mentor, add_student, send

DECLINED_AT = dt.datetime(2026, 1, 12, 10, 0, tzinfo=dt.UTC)
WINDOW = dt.timedelta(days=90)  # reask_after_days in bot/programmes/university.toml
TICK = dt.timedelta(microseconds=1)


async def declined_by_aigerim(harness: Harness, clock: ManualClock) -> tuple[int, int]:
    """Alex asks Aigerim; she presses Decline (no reason) at DECLINED_AT."""
    clock.set(DECLINED_AT)
    mentor = await add_mentor(harness.core, "aigerim")
    student = await add_student(harness.core, "alex")
    request = await send(harness.core, student, mentor)
    aigerim = harness.person("aigerim")
    await aigerim.press_data("req.dec", str(request))
    await aigerim.press("Skip")
    assert "Thank you for answering Alex" in aigerim.text
    return mentor, student


async def pending_requests(harness: Harness, mentor: int) -> int:
    async with harness.core.sessions() as session:
        rows = await session.scalars(
            select(MentorshipRequest).where(
                MentorshipRequest.mentor_id == mentor, MentorshipRequest.status == "pending"
            )
        )
        return len(list(rows))


@pytest.mark.parametrize(
    "later",
    [dt.timedelta(days=89), WINDOW - TICK, WINDOW],
    ids=["89 days", "a microsecond before 90 days", "exactly 90 days"],
)
async def test_within_the_window_the_mentor_who_declined_is_neither_offered_nor_asked(
    harness: Harness, clock: ManualClock, later: dt.timedelta
) -> None:
    mentor, _student = await declined_by_aigerim(harness, clock)
    clock.set(DECLINED_AT + later)
    alex = harness.person("alex")

    assert "Aigerim" not in await alex.say("/mentors")
    reply = await alex.press_data("req.new", str(mentor))  # an old card's Interested button
    assert "Aigerim can't take you on at the moment (they said so on 12 January)" in reply
    assert "You're writing to" not in reply
    assert await pending_requests(harness, mentor) == 0


@pytest.mark.parametrize("later", [WINDOW + TICK, dt.timedelta(days=91)], ids=["just after 90 days", "91 days"])
async def test_after_the_window_the_student_may_ask_again(
    harness: Harness, clock: ManualClock, later: dt.timedelta
) -> None:
    mentor, _student = await declined_by_aigerim(harness, clock)
    clock.set(DECLINED_AT + later)
    alex = harness.person("alex")

    assert "Aigerim Mentor" in await alex.say("/mentors")
    assert "You're writing to Aigerim Mentor" in await alex.press("Interested")
    assert "Sent!" in await alex.say(MESSAGE)
    assert await pending_requests(harness, mentor) == 1


async def test_after_a_poor_fit_the_mentors_suggested_leave_out_one_who_just_declined(
    harness: Harness, clock: ManualClock
) -> None:
    # The bot's clock stands well before the wall clock (as in the terminal demo after a restart, or any
    # test), so a decline of yesterday in bot time is more than 90 days ago by the wall clock.
    assert dt.datetime.now(dt.UTC) - DECLINED_AT > WINDOW + dt.timedelta(days=1)
    _mentor, student = await declined_by_aigerim(harness, clock)
    clock.advance(dt.timedelta(days=1))
    zhanna = await add_mentor(harness.core, "zhanna", full="Zhanna Abenova")
    await add_pair(harness.core, zhanna, student)
    alex = harness.person("alex")
    await alex.say("/log met yesterday on zoom")
    await alex.press("Not really", among=alex.inbox)
    ended = await alex.press("Yes, end it")
    assert "has ended" in ended

    # What /mentors says (it passes the bot's clock) and what the ending suggests must agree.
    assert "Aigerim" not in await alex.say("/mentors")
    assert "Aigerim" not in ended
