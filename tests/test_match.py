"""Staff /match: pick a student and a mentor; both are told, with contact details, and confirm the agreement."""

from __future__ import annotations

from sqlalchemy import select

from bot.core.app import Core
from storage.models import Identity, MentorProfile, MentorshipRequest, Pair, User
from tests.support import Harness
from tests.test_requests import accept, add_mentor, add_student, count, mentor_load, send, statuses


async def add_staff(core: Core, name: str = "sam") -> None:
    """STAFF_IDS names console:sam in the test settings; the first message makes Sam staff."""
    async with core.sessions() as session, session.begin():
        user = User(name="Sam Career-Office", created_at=core.clock.now())
        session.add(user)
        session.add(
            Identity(user=user, platform="console", external_id=name, chat_id=name, created_at=core.clock.now())
        )


async def test_staff_match_notifies_both_with_contact_details(harness: Harness) -> None:
    core = harness.core
    mentor = await add_mentor(core, "aigerim", full="Aigerim Sadykova")
    student = await add_student(core, "alex", full="Alex Kim")
    await add_staff(core)
    sam = harness.person("sam")

    listing = await sam.say("/match")
    assert "Who is the student?" in listing
    await sam.press("Alex Kim")
    assert "Best fits with a free place" in sam.text and "Aigerim Sadykova" in sam.text
    await sam.press("Aigerim Sadykova")
    assert "Match Alex Kim with Aigerim Sadykova?" in sam.text
    await sam.press("Match them")
    assert "are matched" in sam.text

    alex_told = harness.person("alex").inbox_text()
    aigerim_told = harness.person("aigerim").inbox_text()
    assert "has matched you" in alex_told and "aigerim@alumni.example.org" in alex_told
    assert "has matched you" in aigerim_told and "alex@students.example.org" in aigerim_told
    async with core.sessions() as session:
        pair = await session.scalar(select(Pair))
    assert (pair.mentor_id, pair.mentee_id, pair.matched_by, pair.status) == (mentor, student, "staff", "agreeing")
    assert await mentor_load(core, mentor) == 1

    # Both then confirm the agreement from the match message.
    alex, aigerim = harness.person("alex"), harness.person("aigerim")
    await alex.press("Fill in the agreement", among=alex.inbox)
    await alex.say("Decide on a master's abroad by spring.")
    await alex.press("Video")
    await alex.press("Every 2 weeks")
    await alex.press("Yes")
    await aigerim.press("I agree", among=aigerim.inbox)
    assert "confirmed by you both" in aigerim.text
    async with core.sessions() as session:
        pair = await session.get(Pair, pair.id)
    assert pair.status == "active" and pair.contact_interval_days == 14


async def test_staff_match_withdraws_the_students_waiting_requests(harness: Harness) -> None:
    core = harness.core
    mentor = await add_mentor(core, "aigerim", full="Aigerim Sadykova")
    other = await add_mentor(core, "timur")
    student = await add_student(core, "alex")
    waiting = await send(core, student, other)
    await add_staff(core)
    sam = harness.person("sam")
    await sam.say("/match")
    await sam.press_data("match.men", f"{student}.{mentor}")
    assert "waiting request will be withdrawn" in sam.text
    await sam.press("Match them")
    assert (await statuses(core))[waiting] == "withdrawn"
    assert "Alex has found a mentor" in harness.person("timur").inbox_text()


async def test_match_search_by_name_and_matched_students_left_out(harness: Harness) -> None:
    core = harness.core
    mentor = await add_mentor(core, "aigerim")
    await add_student(core, "alex", full="Alex Kim")
    matched = await add_student(core, "bea", full="Bea Matched")
    await accept(core, mentor, await send(core, matched, mentor))
    await add_staff(core)
    sam = harness.person("sam")
    await sam.say("/match")
    labels = [b.label for r in sam.last for row in r.buttons for b in row]
    assert labels == ["Alex Kim"]
    assert "No student without a mentor is called 'zed'" in await sam.say("/match zed")
    await sam.say("/match kim")
    assert [b.label for r in sam.last for row in r.buttons for b in row] == ["Alex Kim"]


async def test_staff_cannot_overfill_a_mentor(harness: Harness) -> None:
    core = harness.core
    mentor = await add_mentor(core, "aigerim", capacity=1)
    await accept(core, mentor, await send(core, await add_student(core, "bea"), mentor))
    student = await add_student(core, "alex")
    await add_staff(core)
    sam = harness.person("sam")
    await sam.say("/match")
    reply = await sam.press_data("match.ok", f"{student}.{mentor}")
    assert "no free place" in reply
    assert await count(core, Pair) == 1 and await mentor_load(core, mentor) == 1


async def test_match_refuses_forged_ids_and_unapproved_mentors(harness: Harness) -> None:
    core = harness.core
    waiting = await add_mentor(core, "wait", status="awaiting_approval")
    mentor = await add_mentor(core, "aigerim")
    student = await add_student(core, "alex")
    await add_staff(core)
    sam = harness.person("sam")
    await sam.say("/match")
    assert "isn't approved yet" in await sam.press_data("match.ok", f"{student}.{waiting}")
    assert "couldn't find that student" in await sam.press_data("match.ok", f"{mentor}.{mentor}")
    assert "couldn't find that mentor" in await sam.press_data("match.ok", f"{student}.{student}")
    assert "couldn't find that student" in await sam.press_data("match.stu", "x")
    assert await count(core, Pair) == 0


async def test_match_is_for_staff_only(harness: Harness) -> None:
    core = harness.core
    mentor = await add_mentor(core, "aigerim")
    student = await add_student(core, "alex")
    for name in ("alex", "aigerim"):
        person = harness.person(name)
        assert "for the career team only" in await person.say("/match")
        assert "for the career team only" in await person.press_data("match.ok", f"{student}.{mentor}")
    assert await count(core, Pair) == 0
    async with core.sessions() as session:
        assert (await session.get(MentorProfile, mentor)).active_mentees == 0
        assert await session.scalar(select(MentorshipRequest)) is None


async def test_a_student_who_found_a_mentor_since_the_list_was_opened_needs_an_explicit_second(
    harness: Harness,
) -> None:
    core = harness.core
    await add_mentor(core, "aigerim", full="Aigerim Sadykova")
    timur = await add_mentor(core, "timur", full="Timur Bekov")
    student = await add_student(core, "alex", full="Alex Kim")
    await add_staff(core)
    sam = harness.person("sam")
    await sam.say("/match")
    await sam.press("Alex Kim")
    await sam.press("Aigerim Sadykova")
    confirm = sam.last
    await accept(core, timur, await send(core, student, timur))  # meanwhile Alex asked Timur, who accepted
    asked = await sam.press("Match them", among=confirm)
    assert "Alex Kim already has a mentor, Timur Bekov. Matching them with Aigerim Sadykova too gives them two" in asked
    assert await count(core, Pair) == 1  # nothing yet
    await sam.press("Yes, add a second mentor")
    assert "are matched" in sam.text
    assert await count(core, Pair) == 2
