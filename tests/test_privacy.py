"""Help by role, what is shown to whom, and forgetting a person: export first, mentorships ended properly."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from storage.models import ContactLog, Identity, MentorProfile, MentorshipRequest, Pair, Report, User
from tests.lifecycle_support import add_person, zhanna_and_alex
from tests.support import Harness


async def test_help_groups_commands_by_role(harness: Harness) -> None:
    await zhanna_and_alex(harness.core)
    student = await harness.person("alex").say("/help")
    assert "Your mentorship" in student and "/log" in student and "/goals" in student and "/end" in student
    assert "Getting around" in student and "/privacy" in student
    assert "For the career team" not in student and "/pending" not in student
    assert "/pause" not in student  # a mentor's command
    assert student.index("Your mentorship") < student.index("Getting around")

    mentor = await harness.person("zhanna").say("/help")
    assert "For mentors" in mentor and "/pause" in mentor

    staff = await harness.person("sam").say("/help")
    assert "For the career team" in staff and "/pending" in staff and "/stats" in staff
    assert "/log" not in staff


async def test_privacy_says_who_sees_what(harness: Harness) -> None:
    text = await harness.person("guest").say("/privacy")
    assert "only the person you're matched with, and only once you've both agreed" in text
    assert "Notes you mark private: only you" in text
    assert "The career team: sees who is matched with whom" in text


async def test_forget_ends_the_mentorship_exports_and_deletes(harness: Harness, clock) -> None:  # type: ignore[no-untyped-def]
    ids = await zhanna_and_alex(harness.core)
    alex, zhanna = harness.person("alex"), harness.person("zhanna")
    await zhanna.say("/log met yesterday on zoom")
    await zhanna.say("/log")
    await zhanna.say("today")
    await zhanna.press("Phone")
    await zhanna.say("Mentor's private worry")
    await zhanna.press("Yes")
    await alex.say("/log coffee today, CV tips")
    await alex.say("/report All fine, just testing")
    await alex.press("Something else")

    warning = await alex.say("/forget")
    assert "Your mentorship with Zhanna Abenova will be ended first" in warning
    assert "can't be undone" in warning
    assert alex.last[0].buttons[0][0].label == "Keep my data"
    await alex.press("Delete my data")
    reply = alex.last[0]
    assert "Your data is deleted" in alex.text
    assert reply.attachment is not None and reply.attachment.mime == "application/json"
    data = json.loads(reply.attachment.content)
    assert data["you"]["name"] == "Alex Kim"
    assert data["student_profile"]["programme_of_study"] == "BSc Computer Science"
    (mentorship,) = data["mentorships"]
    assert mentorship["with"] == "Zhanna Abenova" and mentorship["status"] == "ended"
    assert "CV tips" in [c["notes"] for c in mentorship["contacts"]]
    assert "Mentor's private worry" not in reply.attachment.content.decode()  # someone else's private note

    assert "Alex Kim has ended your mentorship (they left the programme)" in zhanna.inbox_text()
    assert "Mentorship ended: Zhanna Abenova (mentor) and Alex Kim (student)" in harness.staff_text()
    async with harness.core.sessions() as session:
        assert await session.get(User, ids.mentee) is None
        assert await session.scalar(select(Identity).where(Identity.external_id == "alex")) is None
        assert await session.get(Pair, ids.pair) is None
        assert await session.scalar(select(func.count(ContactLog.id))) == 0
        assert (await session.get(MentorProfile, ids.mentor)).active_mentees == 0
        report = await session.scalar(select(Report))
        assert report.reporter_id is None and report.text == "All fine, just testing"

    # Coming back is a fresh start.
    assert "Which are you?" in await alex.say("/start")


async def test_keep_my_data_changes_nothing(harness: Harness) -> None:
    ids = await zhanna_and_alex(harness.core)
    zhanna = harness.person("zhanna")
    await zhanna.say("/privacy")
    await zhanna.press("Delete my data")  # the button on /privacy only asks
    assert "Are you sure?" in zhanna.text
    await zhanna.press("Keep my data")
    assert "nothing was deleted" in zhanna.text
    async with harness.core.sessions() as session:
        assert (await session.get(Pair, ids.pair)).status == "active"
        assert await session.get(User, ids.mentor) is not None


async def test_a_mentor_forgetting_frees_the_students(harness: Harness) -> None:
    ids = await zhanna_and_alex(harness.core)
    await add_person(harness.core, "madina", "Madina Omarova", "alumnus")
    zhanna, alex = harness.person("zhanna"), harness.person("alex")
    await zhanna.say("/forget")
    await zhanna.press("Delete my data")
    assert "Zhanna Abenova has ended your mentorship (they left the programme)" in alex.inbox_text()
    assert "Madina Omarova" in alex.inbox_text()  # other mentors at once
    assert "thank-you" not in alex.inbox_text()
    async with harness.core.sessions() as session:
        assert await session.get(MentorProfile, ids.mentor) is None
        assert await session.get(User, ids.mentee) is not None


async def test_nobody_is_left_waiting_for_someone_who_forgets(harness: Harness) -> None:
    from bot.demo import load_demo

    async with harness.core.sessions() as session, session.begin():
        await load_demo(session, harness.core.clock.now(), harness.core.programme)
    alex, dana, aigerim = harness.person("alex"), harness.person("dana"), harness.person("aigerim")

    async def ask(student, mentor_name: str) -> None:  # type: ignore[no-untyped-def]
        await student.say("/mentors")
        for _ in range(12):
            if student.text.split("\n\n", 1)[-1].startswith(mentor_name):
                break
            await student.press("Next")
        await student.press("Interested")
        await student.say("I'd love your advice on my first job search.")

    await ask(alex, "Aigerim Sadykova")
    await ask(dana, "Aigerim Sadykova")
    await ask(alex, "Timur Akhmetov")  # someone who stays in the programme
    async with harness.core.sessions() as session:
        asked = {r.mentor_id for r in await session.scalars(select(MentorshipRequest))}
        first = await session.scalar(select(Identity.user_id).where(Identity.external_id == "aigerim"))
    assert first in asked

    await aigerim.say("/forget")
    await aigerim.press("Delete my data")
    for student in (alex, dana):
        assert "Aigerim has left the programme, so your request to them is closed." in student.inbox_text()
    async with harness.core.sessions() as session:
        waiting = list(await session.scalars(select(MentorshipRequest).where(MentorshipRequest.status == "pending")))
    assert [r.mentee_id for r in waiting] != [] and all(r.mentor_id != first for r in waiting)

    # A student who forgets withdraws their own requests, and the mentor hears why.
    other_mentor = waiting[0].mentor_id
    await alex.say("/forget")
    await alex.press("Delete my data")
    async with harness.core.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(MentorshipRequest)) == 0
        name = await session.scalar(select(Identity.external_id).where(Identity.user_id == other_mentor))
    assert "Alex has left the programme, so their request to you is closed." in harness.person(name).inbox_text()
