"""The programme's matching mode: where students choose (the career programme) staff don't match; where the
office matches, students read mentor cards but can't press Interested; with both, everything as before."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.core.clock import ManualClock
from bot.core.errors import Refusal
from bot.programme import load_programme
from bot.services import matching, requests
from storage.models import MentorshipRequest, Pair, User
from tests.programme_support import running, variant
from tests.support import Harness
from tests.test_match import add_staff
from tests.test_profiles import fill_mentee_profile
from tests.test_requests import MESSAGE, add_mentor, add_student

CHOOSE = (
    "In this programme students choose their mentor themselves, so there is no matching to do here; "
    "you can help a student choose, for example by pointing them to /mentors."
)


def test_one_policy_per_side() -> None:
    assert not matching.staff_may_match(load_programme("career"))
    assert matching.students_may_ask(load_programme("career"))
    assert matching.staff_may_match(load_programme("university"))
    assert matching.students_may_ask(load_programme("university"))


async def count(harness: Harness, model: type) -> int:
    async with harness.core.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def test_where_students_choose_staff_are_told_so_by_match_and_its_buttons(
    database_url: str, clock: ManualClock
) -> None:
    async with running(database_url, clock, "career") as harness:
        core = harness.core
        mentor = await add_mentor(core, "aigerim", full="Aigerim Sadykova")
        student = await add_student(core, "alex", full="Alex Kim")
        await add_staff(core)
        sam = harness.person("sam")
        assert await sam.say("/match") == CHOOSE
        assert await sam.press_data("match.stu", str(student)) == CHOOSE
        assert await sam.press_data("match.men", f"{student}.{mentor}") == CHOOSE
        assert await sam.press_data("match.ok", f"{student}.{mentor}") == CHOOSE
        assert await count(harness, Pair) == 0
        alex_p = harness.person("alex")
        await alex_p.say("/mentors")  # students choose: Interested is there
        assert "Interested" in [b.label for r in alex_p.last for row in r.buttons for b in row]

        async with core.sessions() as session, session.begin():  # the service says no too
            alex, aigerim = await session.get(User, student), await session.get(User, mentor)
            with pytest.raises(Refusal):
                await requests.match_by_staff(session, alex, aigerim, core.clock.now(), core.programme, by=alex)


async def test_where_the_office_matches_students_read_cards_but_cannot_ask(
    database_url: str, clock: ManualClock, tmp_path: Path
) -> None:
    office_matches = variant(tmp_path, "university", ('matching = "both"', 'matching = "staff_match"'))
    async with running(database_url, clock, office_matches) as harness:
        core = harness.core
        mentor = await add_mentor(core, "aigerim", full="Aigerim Sadykova")
        student = await add_student(core, "alex", full="Alex Kim")
        await add_staff(core)
        alex, sam = harness.person("alex"), harness.person("sam")

        card = await alex.say("/mentors")
        assert "Aigerim Sadykova" in card  # the cards can be read
        assert "the career team matches each student with a mentor, and your profile is with them" in card
        assert "Interested" not in [b.label for r in alex.last for row in r.buttons for b in row]
        refused = await alex.press_data("req.new", str(mentor))
        assert "matches each student with a mentor" in refused
        async with core.sessions() as session, session.begin():
            mentee = await session.get(User, student)
            with pytest.raises(Refusal):
                await requests.send_request(session, mentee, mentor, MESSAGE, core.clock.now(), core.programme)
        assert await count(harness, MentorshipRequest) == 0

        await sam.say("/match")  # the office matches as before
        await sam.press("Alex Kim")
        await sam.press("Aigerim Sadykova")
        await sam.press("Match them")
        assert "are matched" in sam.text
        assert await count(harness, Pair) == 1


async def test_where_the_office_matches_a_new_student_hears_their_profile_is_with_it(
    database_url: str, clock: ManualClock, tmp_path: Path
) -> None:
    office_matches = variant(tmp_path, "university", ('matching = "both"', 'matching = "staff_match"'))
    async with running(database_url, clock, office_matches) as harness:
        alex = harness.person("alex")
        await fill_mentee_profile(alex)
        assert "is with the career team, who will match you with a mentor" in alex.text
        assert "press Interested" not in alex.text


async def test_both_goes_on_as_before(harness: Harness) -> None:
    await add_mentor(harness.core, "aigerim", full="Aigerim Sadykova")
    await add_student(harness.core, "alex", full="Alex Kim")
    await add_staff(harness.core)
    alex = harness.person("alex")
    await alex.say("/mentors")
    assert "Interested" in [b.label for r in alex.last for row in r.buttons for b in row]
    assert "Who is the student?" in await harness.person("sam").say("/match")
