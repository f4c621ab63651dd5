"""Rules of the match and its ending that mutation testing (docs/mutation.md) found untested: contact details
stay hidden from a mentor's other students, a mentor takes a second mentee, two people whose mentorship
ended can be matched again, and only the student is invited to thank."""

from __future__ import annotations

from sqlalchemy import select

from bot.core.app import Core
from storage.models import Pair
from tests.lifecycle_support import add_pair, add_person
from tests.support import Harness
from tests.test_capacity_places import end_as
from tests.test_match import add_staff
from tests.test_requests import accept, add_mentor, add_student, mentor_load, send


async def pairs_of(core: Core, mentor: int) -> list[tuple[int, str]]:
    async with core.sessions() as session:
        rows = await session.execute(select(Pair.mentee_id, Pair.status).where(Pair.mentor_id == mentor))
        return sorted((mentee, status) for mentee, status in rows.all())


async def test_a_mentor_with_a_mentee_does_not_see_the_contact_of_another_student_who_asks(harness: Harness) -> None:
    core = harness.core
    mentor = await add_mentor(core, "aigerim")
    await accept(core, mentor, await send(core, await add_student(core, "alex"), mentor))
    await send(core, await add_student(core, "bea"), mentor)
    received = harness.person("aigerim").inbox_text()
    assert "Bea would like you as their mentor" in received
    assert "bea@students.example.org" not in received


async def test_a_mentor_takes_a_second_mentee_while_the_first_mentorship_goes_on(core: Core) -> None:
    mentor = await add_mentor(core, "aigerim", capacity=2)
    alex, bea = await add_student(core, "alex"), await add_student(core, "bea")
    await accept(core, mentor, await send(core, alex, mentor))
    await accept(core, mentor, await send(core, bea, mentor))
    assert await pairs_of(core, mentor) == sorted([(alex, "agreeing"), (bea, "agreeing")])
    assert await mentor_load(core, mentor) == 2


async def test_two_people_whose_mentorship_ended_can_be_matched_again(harness: Harness) -> None:
    core = harness.core
    mentor = await add_person(core, "zhanna", "Zhanna Abenova", "alumnus")
    student = await add_person(core, "alex", "Alex Kim", "student")
    assert "has ended" in await end_as(harness.person("alex"), await add_pair(core, mentor, student))
    await add_staff(core)
    sam = harness.person("sam")
    await sam.say("/match")
    assert "are matched" in await sam.press_data("match.ok", f"{student}.{mentor}")
    assert await pairs_of(core, mentor) == [(student, "agreeing"), (student, "ended")]


async def test_when_the_student_ends_it_only_the_student_is_invited_to_thank(harness: Harness) -> None:
    core = harness.core
    mentor = await add_person(core, "zhanna", "Zhanna Abenova", "alumnus")
    student = await add_person(core, "alex", "Alex Kim", "student")
    ended = await end_as(harness.person("alex"), await add_pair(core, mentor, student))
    assert "thank-you note" in ended
    zhanna = harness.person("zhanna")
    assert "Alex Kim has ended your mentorship" in zhanna.inbox_text()
    assert "thank-you note" not in zhanna.inbox_text()
    assert [b.label for r in zhanna.inbox for row in r.buttons for b in row] == []
