"""Staff /suggest: a mentor for every student without one, by the best total fit within each mentor's free
places; the list is reviewed (drop a line, swap two mentors) and only confirming matches anyone, as /match
does, skipping what no longer holds."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import delete, select, update

from bot.app import create_core
from bot.config import load_settings
from bot.core.app import Core
from bot.core.clock import ManualClock
from bot.core.policy import YES
from bot.services import cohort
from bot.services.matching import score_mentor
from storage.models import MenteeProfile, MentorProfile, Notice, Pair, User
from tests.support import Harness, Person
from tests.test_capacity_race import add_second_staff
from tests.test_match import add_staff
from tests.test_requests import accept, add_mentor, add_student, count, mentor_load, send


async def staff(harness: Harness, name: str = "sam") -> Person:
    await add_staff(harness.core, name)
    person = harness.person(name)
    await person.say("/help")  # the first message makes Sam staff (STAFF_IDS)
    return person


def listed(text: str) -> list[tuple[str, str, int]]:
    """The numbered lines of a list as (student, mentor, score), in order."""
    found = re.findall(r"^(\d+)\. (.+?) → (.+?) \((-?\d+)\)", text, flags=re.MULTILINE)
    assert [int(n) for n, *_rest in found] == list(range(1, len(found) + 1)), text
    return [(student, mentor, int(score)) for _n, student, mentor, score in found]


async def open_pairs(core: Core) -> set[tuple[str, str]]:
    async with core.sessions() as session:
        rows = await session.execute(select(Pair.mentee_id, Pair.mentor_id).where(Pair.status != "ended"))
        names = dict((await session.execute(select(User.id, User.name))).all())
    return {(names[mentee], names[mentor]) for mentee, mentor in rows.all()}


async def scores(core: Core, students: list[int], mentors: list[int]) -> dict[tuple[int, int], tuple[int, str]]:
    """score_mentor, the fit browsing shows, for every student and mentor."""
    async with core.sessions() as session:
        return {
            (student, mentor): score_mentor(
                await session.get(MentorProfile, mentor), await session.get(MenteeProfile, student), core.programme
            )
            for student in students
            for mentor in mentors
        }


async def two_who_need_the_same_mentor(core: Core) -> tuple[int, int, int, int]:
    """Aigerim suits both students best; Mira suits Alex nearly as well and Bea not at all (no shared
    language). Alex comes first."""
    aigerim = await add_mentor(core, "aigerim", full="Aigerim Sadykova", capacity=1, languages=("English", "Kazakh"))
    mira = await add_mentor(
        core, "mira", full="Mira Stone", capacity=1, industry="Finance", programme_of_study="BA Economics"
    )
    alex = await add_student(
        core, "alex", full="Alex Kim", industries=("Software and IT", "Finance"), programme_of_study="BSc Physics"
    )
    bea = await add_student(core, "bea", full="Bea Lund", areas=("jobs",), languages=("Kazakh",))
    return aigerim, mira, alex, bea


# --- the assignment ----------------------------------------------------------------------------------


async def test_the_list_reaches_the_optimal_total_where_greedy_does_not(harness: Harness) -> None:
    core = harness.core
    aigerim, mira, alex, bea = await two_who_need_the_same_mentor(core)
    fit = await scores(core, [alex, bea], [aigerim, mira])
    assert (fit[alex, aigerim][0], fit[alex, mira][0], fit[bea, aigerim][0], fit[bea, mira][0]) == (10, 9, 7, -1)

    # Greedy: each student in turn takes their best remaining mentor (a pair with no common ground is none).
    taken: set[int] = set()
    greedy = 0
    for student in (alex, bea):
        options = [(fit[student, m][0], m) for m in (aigerim, mira) if m not in taken and fit[student, m][0] > 0]
        if options:
            score, mentor = max(options)
            taken.add(mentor)
            greedy += score
    assert greedy == 10  # Alex took Aigerim; Bea, who only has common ground with Aigerim, got nobody

    sam = await staff(harness)
    text = await sam.say("/suggest")
    assert listed(text) == [("Alex Kim", "Mira Stone", 9), ("Bea Lund", "Aigerim Sadykova", 7)]
    assert "2 pairs · 0 students left without a mentor · total fit 16" in text
    assert greedy < 16
    # Each line gives browsing's one-line reason for the fit.
    assert f"1. Alex Kim → Mira Stone (9): {fit[alex, mira][1]}" in text
    assert f"2. Bea Lund → Aigerim Sadykova (7): {fit[bea, aigerim][1]}" in text
    assert "Nobody is told anything until you confirm" in text
    assert await count(core, Pair) == 0
    assert harness.person("alex").inbox == [] and harness.person("aigerim").inbox == []


def test_assign_expands_places_and_leaves_no_common_ground_out() -> None:
    # Two students want the one mentor with two places; the third only fits a mentor with none free.
    assert cohort.assign([[5, 1], [4, None], [0, 3]], [2, 0]) == [(0, 0), (1, 0)]
    # No common ground (zero or less) is never forced, even with places to spare.
    assert cohort.assign([[0, -2], [2, -1]], [1, 1]) == [(1, 0)]
    assert cohort.assign([[3]], [0]) == [] and cohort.assign([], [1]) == []


async def test_capacities_are_kept_and_the_students_beyond_them_listed(harness: Harness) -> None:
    core = harness.core
    mentors = [await add_mentor(core, name, capacity=2) for name in ("aigerim", "timur")]
    busy = await add_mentor(core, "dana", capacity=2)
    await accept(core, busy, await send(core, await add_student(core, "zoe"), busy))  # one of Dana's two taken
    students = [await add_student(core, name) for name in ("alex", "bea", "chen", "dev", "eli", "fay")]
    sam = await staff(harness)

    text = await sam.say("/suggest")
    lines = listed(text)
    per_mentor = {name: sum(1 for _s, mentor, _score in lines if mentor == name) for name in {m for _s, m, _x in lines}}
    assert len(lines) == 5 and per_mentor == {"Aigerim Mentor": 2, "Timur Mentor": 2, "Dana Mentor": 1}
    assert "5 pairs · 1 student left without a mentor" in text
    suggested = {student for student, _m, _s in lines}
    (left,) = {"Alex Student", "Bea Student", "Chen Student", "Dev Student", "Eli Student", "Fay Student"} - suggested
    assert f"Left without a mentor, as the free places ran out: {left}." in text
    assert "Zoe Student" not in text  # she has a mentor

    await sam.press("Confirm 5 matches")
    assert "Done: 5 students are matched with their mentors" in sam.text
    assert [await mentor_load(core, m) for m in (*mentors, busy)] == [2, 2, 2]
    assert await count(core, Pair) == 6
    assert len(students) - 1 == len(suggested)


async def test_no_common_ground_is_said_not_forced(harness: Harness) -> None:
    core = harness.core
    await add_mentor(core, "aigerim", languages=("English",))
    await add_student(core, "alex", full="Alex Kim")
    # No area, industry or programme in common, and no shared language.
    await add_student(core, "bea", full="Bea <b>Lund", areas=("education",), industries=(), languages=("German",))
    sam = await staff(harness)
    text = await sam.say("/suggest")
    assert [student for student, _m, _s in listed(text)] == ["Alex Kim"]
    assert "Not matched, as no mentor with a free place has common ground with them: Bea <b>Lund." in text
    assert "Bea &lt;b&gt;Lund." in sam.last[0].text  # a name is shown as typed, never read as markup
    assert "1 pair · 1 student left without a mentor" in text


async def test_nobody_is_suggested_a_mentor_who_said_no(harness: Harness) -> None:
    core = harness.core
    aigerim = await add_mentor(core, "aigerim", full="Aigerim Sadykova")
    await add_mentor(core, "mira", full="Mira Stone", industry="Finance")
    alex = await add_student(core, "alex", full="Alex Kim")
    async with core.sessions() as session, session.begin():
        from bot.services import requests

        mentor = await session.get(User, aigerim)
        request = await requests.send_request(
            session, await session.get(User, alex), aigerim, "x" * 60, core.clock.now(), core.programme
        )
        await requests.decline_request(session, mentor, request.id, "Not my field", core.clock.now(), core.programme)
    sam = await staff(harness)
    assert [mentor for _s, mentor, _x in listed(await sam.say("/suggest"))] == ["Mira Stone"]


async def test_every_student_has_a_mentor(harness: Harness) -> None:
    sam = await staff(harness)
    assert "Every student with a profile has a mentor right now" in await sam.say("/suggest")
    assert sam.last[0].buttons == [] and await count(harness.core, Notice) == 0


async def test_without_free_places_the_students_are_listed(harness: Harness) -> None:
    await add_mentor(harness.core, "aigerim", active=False)
    await add_student(harness.core, "alex", full="Alex Kim")
    sam = await staff(harness)
    text = await sam.say("/suggest")
    assert "I have no match to suggest right now." in text
    assert "Not matched, as no mentor with a free place has common ground with them: Alex Kim." in text
    assert [b.label for row in sam.last[0].buttons for b in row] == ["Cancel"]


# --- reviewing -----------------------------------------------------------------------------------------


async def three_pairs(harness: Harness) -> Person:
    core = harness.core
    await add_mentor(core, "aigerim", full="Aigerim Sadykova", capacity=1)
    await add_mentor(core, "mira", full="Mira Stone", capacity=1, industry="Finance")
    await add_mentor(core, "timur", full="Timur Bek", capacity=1, industry="Energy")
    await add_student(core, "alex", full="Alex Kim", industries=("Software and IT",))
    await add_student(core, "bea", full="Bea Lund", industries=("Finance",))
    await add_student(core, "chen", full="Chen Wu", industries=("Energy",))
    return await staff(harness)


async def test_drop_and_swap_change_the_list(harness: Harness) -> None:
    sam = await three_pairs(harness)
    first = await sam.say("/suggest")
    assert listed(first) == [
        ("Alex Kim", "Aigerim Sadykova", 9),
        ("Bea Lund", "Mira Stone", 9),
        ("Chen Wu", "Timur Bek", 9),
    ]
    shown = sam.last

    text = await sam.press("Drop 2")
    assert sam.last[0].edit
    assert "Line 2 is off the list: Bea Lund stays without a mentor for now." in text
    assert listed(text) == [("Alex Kim", "Aigerim Sadykova", 9), ("Chen Wu", "Timur Bek", 9)]
    assert "Taken off the list by you: Bea Lund." in text
    assert "2 pairs · 1 student left without a mentor · total fit 18" in text

    text = await sam.say("/suggest swap 1 2")
    assert "Lines 1 and 2 have swapped mentors." in text
    assert listed(text) == [("Alex Kim", "Timur Bek", 6), ("Chen Wu", "Aigerim Sadykova", 6)]
    assert "total fit 12" in text

    # Someone who leaves the programme meanwhile is gone from the list, and its numbers follow what is shown.
    async with harness.core.sessions() as session, session.begin():
        await session.execute(delete(User).where(User.name == "Alex Kim"))
    text = await sam.say("/suggest drop 1")
    assert "Line 1 is off the list: Chen Wu stays without a mentor for now." in text
    assert listed(text) == [] and "Taken off the list by you: Bea Lund, Chen Wu." in text
    assert "Alex Kim" not in text

    # A button from an older copy of the list drops nothing: it shows the list as it stands.
    text = await sam.press("Drop 1", among=shown)
    assert "That list has changed since" in text and "Taken off the list by you: Bea Lund, Chen Wu." in text
    text = await sam.press("Confirm", among=shown)
    assert "That list has changed since" in text
    assert await count(harness.core, Pair) == 0


async def test_bad_review_commands_are_explained_and_change_nothing(harness: Harness) -> None:
    sam = await three_pairs(harness)
    assert "There is no list waiting for you. /suggest makes one." in await sam.say("/suggest drop 1")
    await sam.say("/suggest")
    assert "There is no line 9: the list has lines 1 to 3" in await sam.say("/suggest drop 9")
    assert "Swapping needs two different lines" in await sam.say("/suggest swap 2 2")
    assert "I didn't understand 'swap 2'" in await sam.say("/suggest swap 2")
    assert "I didn't understand 'drop <b>x'" in await sam.say("/suggest drop <b>x")
    # A forged or stale button names no current list: the list is shown again, nothing is matched.
    assert "That list has changed since" in await sam.press_data("sug.ok", "")
    assert "That list has changed since" in await sam.press_data("sug.drop", "1")
    text = await sam.say("/suggest drop 0")
    assert "There is no line 0" in text
    # The list is as it was.
    await sam.say("/suggest swap 1 1")
    async with harness.core.sessions() as session:
        notice = await session.scalar(select(Notice).where(Notice.kind == cohort.SUGGESTION))
    assert len(notice.data["lines"]) == 3 and notice.data["dropped"] == []


async def test_cancel_forgets_the_list(harness: Harness) -> None:
    sam = await three_pairs(harness)
    await sam.say("/suggest")
    assert "Cancelled. Nothing was changed" in await sam.press("Cancel")
    assert await count(harness.core, Notice) == 0 and await count(harness.core, Pair) == 0
    assert "There is no list waiting for you" in await sam.say("/suggest confirm")


# --- confirming ----------------------------------------------------------------------------------------


async def test_confirm_matches_exactly_the_listed_pairs_and_tells_both_sides(harness: Harness) -> None:
    core = harness.core
    sam = await three_pairs(harness)
    await sam.say("/suggest")
    await sam.say("/suggest swap 1 3")
    text = await sam.press("Drop 2")
    kept = {(student, mentor) for student, mentor, _s in listed(text)}
    assert kept == {("Alex Kim", "Timur Bek"), ("Chen Wu", "Aigerim Sadykova")}

    text = await sam.press("Confirm 2 matches")
    assert "Done: 2 students are matched with their mentors" in text
    assert "• Alex Kim → Timur Bek" in text and "• Chen Wu → Aigerim Sadykova" in text
    assert await open_pairs(core) == kept
    async with core.sessions() as session:
        assert {p.matched_by for p in await session.scalars(select(Pair))} == {"staff"}
    for student, mentor in (("alex", "timur"), ("chen", "aigerim")):
        student_told, mentor_told = harness.person(student).inbox_text(), harness.person(mentor).inbox_text()
        assert "The career team has matched you" in student_told and f"{mentor}@alumni.example.org" in student_told
        assert "The career team has matched you" in mentor_told and f"{student}@students.example.org" in mentor_told
        labels = [b.label for r in harness.person(student).inbox for row in r.buttons for b in row]
        assert "Fill in the agreement" in labels
    assert harness.person("bea").inbox == [] and harness.person("mira").inbox == []
    assert await count(core, Notice) == 0
    # Pressing again does nothing more.
    assert "There is no list waiting for you" in await sam.press_data("sug.ok", "anything")
    assert await count(core, Pair) == 2


async def test_lines_that_stopped_holding_are_skipped_with_the_reason(harness: Harness) -> None:
    core = harness.core
    sam = await three_pairs(harness)
    await sam.say("/suggest")
    async with core.sessions() as session:
        bea = await session.scalar(select(User).where(User.name == "Bea Lund"))
        timur = await session.scalar(select(User).where(User.name == "Timur Bek"))
    # Meanwhile Bea found a mentor herself, and Timur paused his profile.
    other = await add_mentor(core, "olga", full="Olga Mentor")
    await accept(core, other, await send(core, bea.id, other))
    async with core.sessions() as session, session.begin():
        await session.execute(update(MentorProfile).where(MentorProfile.user_id == timur.id).values(active=False))

    text = await sam.press("Confirm 3 matches")
    assert "Done: 1 student is matched with their mentor" in text and "• Alex Kim → Aigerim Sadykova" in text
    assert "Skipped, as these no longer hold:" in text
    assert "• Bea Lund → Mira Stone: Bea Lund has a mentor already." in text
    assert "• Chen Wu → Timur Bek: Timur Bek has paused their profile and isn't taking new mentees." in text
    assert await open_pairs(core) == {("Alex Kim", "Aigerim Sadykova"), ("Bea Lund", "Olga Mentor")}
    assert harness.person("mira").inbox == [] and harness.person("timur").inbox == []


async def test_a_place_taken_at_the_last_moment_is_skipped_and_never_exceeded(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Aigerim's capacity drops to one after the list gave her two students; the friendly check is out of
    # the way, so the claim /match uses alone keeps her capacity, and the other line still goes through.
    core = harness.core
    aigerim = await add_mentor(core, "aigerim", full="Aigerim Sadykova", capacity=2)
    await add_mentor(core, "mira", full="Mira Stone", capacity=1, industry="Finance")
    for name in ("alex", "bea"):
        await add_student(core, name, full=f"{name.title()} Kim")
    await add_student(core, "chen", full="Chen Wu", industries=("Finance",))
    sam = await staff(harness)
    text = await sam.say("/suggest")
    assert sorted(mentor for _s, mentor, _x in listed(text)) == ["Aigerim Sadykova", "Aigerim Sadykova", "Mira Stone"]
    async with core.sessions() as session, session.begin():
        await session.execute(update(MentorProfile).where(MentorProfile.user_id == aigerim).values(capacity=1))
    monkeypatch.setattr(cohort, "has_free_place", lambda profile, mentor: YES)

    text = await sam.press("Confirm 3 matches")
    assert "Done: 2 students are matched" in text
    assert "• Chen Wu → Mira Stone" in text
    assert "Aigerim has no free place for another mentee right now" in text
    assert await mentor_load(core, aigerim) == 1
    assert await count(core, Pair) == 2


async def test_two_lists_racing_for_the_last_place_make_one_pair(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    core = harness.core
    aigerim = await add_mentor(core, "aigerim", full="Aigerim Sadykova", capacity=1)
    await add_student(core, "bea", full="Bea Lund")
    await add_second_staff(core, "sara")
    sara = harness.person("sara")
    assert listed(await sara.say("/suggest")) == [("Bea Lund", "Aigerim Sadykova", 9)]
    await add_student(core, "alex", full="Alex Kim", programme_of_study="BSc Physics")  # one point more
    sam = await staff(harness)
    assert listed(await sam.say("/suggest")) == [("Alex Kim", "Aigerim Sadykova", 10)]
    # Both confirmations pass every check before the claim, as two that read at once on PostgreSQL do.
    monkeypatch.setattr(cohort, "has_free_place", lambda profile, mentor: YES)

    answers = await asyncio.gather(sam.press("Confirm 1 match"), sara.press("Confirm 1 match"))

    assert sorted("Done: 1 student is matched" in answer for answer in answers) == [False, True], answers
    assert any("No match was made" in answer and "no free place" in answer for answer in answers), answers
    assert await mentor_load(core, aigerim) == 1
    assert len(await open_pairs(core)) == 1
    told = [name for name in ("alex", "bea") if "has matched you" in harness.person(name).inbox_text()]
    assert len(told) == 1, told


# --- who may ---------------------------------------------------------------------------------------------


async def test_only_staff_may_suggest(harness: Harness) -> None:
    core = harness.core
    await add_mentor(core, "aigerim")
    await add_student(core, "alex")
    for name in ("alex", "aigerim"):
        person = harness.person(name)
        assert await person.say("/suggest") == "That command is for the career team only."
        assert "for the career team only" in await person.press_data("sug.ok", "x")
        assert "for the career team only" in await person.press_data("sug.drop", "1.x")
    assert await count(core, Notice) == 0 and await count(core, Pair) == 0


@pytest.fixture
async def career_core(tmp_path: Path, database_url: str) -> AsyncIterator[Core]:
    settings = load_settings(database_url=database_url, staff_ids="console:sam", programme="career", _env_file=None)
    app = await create_core(settings, ManualClock(), migrate=False)
    yield app
    await app.close()


async def test_where_students_choose_their_mentor_nothing_is_suggested(career_core: Core) -> None:
    harness = Harness(career_core)
    assert career_core.programme.matching == "mentee_chooses"
    await add_mentor(career_core, "aigerim")
    await add_student(career_core, "alex")
    sam = await staff(harness)
    text = await sam.say("/suggest")
    assert text.startswith("In this programme students choose their mentor themselves, so there is no matching to do")
    assert await count(career_core, Notice) == 0
