"""Orientation sessions: the career team plans one and the mentors awaiting orientation are invited on their
own clock; they answer Going or Can't make it; those going are reminded the day before; the team records who
attended, several at once, and approves them together."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import func, select

from bot.core.clock import ManualClock
from bot.services import privacy
from storage.models import AuditEntry, MentorProfile, Notice, OrientationAttendance, OrientationSession, User
from tests.lifecycle_support import add_person, add_staff
from tests.programme_support import running, variant
from tests.scheduler.helpers import sweep
from tests.support import Harness, Person

MONDAY = dt.datetime(2026, 1, 12, 10, 0, tzinfo=dt.UTC)
THURSDAY_6PM = dt.datetime(2026, 1, 15, 18, 0, tzinfo=dt.UTC)  # "Thursday 18:00" on the planner's UTC clock


async def _set(harness: Harness, user_id: int, **values: object) -> None:
    async with harness.core.sessions() as session, session.begin():
        user = await session.get(User, user_id)
        assert user is not None
        for key, value in values.items():
            setattr(user, key, value)


async def _new_mentor(harness: Harness, handle: str, name: str) -> int:
    """A mentor whose profile awaits approval, with no orientation yet."""
    return await add_person(harness.core, handle, name, "alumnus", status="awaiting_approval", orientation=False)


async def _people(harness: Harness) -> dict[str, int]:
    """Two mentors awaiting orientation (Almaty, London), and three who are not: approved, orientation done,
    on the waiting list; a student; the career team's Sam (on UTC)."""
    core = harness.core
    ids = {
        "zhanna": await _new_mentor(harness, "zhanna", "Zhanna Abenova"),
        "madina": await _new_mentor(harness, "madina", "Madina Omarova"),
        "olzhas": await add_person(core, "olzhas", "Olzhas Nurpeisov", "alumnus"),
        "aidos": await add_person(core, "aidos", "Aidos Seitkali", "alumnus", status="awaiting_approval"),
        "erlan": await add_person(core, "erlan", "Erlan Bekov", "alumnus", status="waiting", orientation=False),
        "alex": await add_person(core, "alex", "Alex Kim", "student"),
        "sam": await add_staff(core),
    }  # fmt: skip
    await _set(harness, ids["zhanna"], timezone="Asia/Almaty")  # UTC+5
    await _set(harness, ids["madina"], timezone="Europe/London")  # UTC+0 in January
    return ids


async def _plan(sam: Person, when: str = "Thursday 18:00", minutes: str | None = None) -> str:
    await sam.say("/orientation")
    await sam.press("Plan a session")
    assert "When is it?" in sam.text
    await sam.say(when)
    assert "How long is it, in minutes?" in sam.text
    if minutes is None:
        await sam.press("Skip")
    else:
        await sam.say(minutes)
    assert "Where is it?" in sam.text
    await sam.say("Block C, room 3.14 <main hall>")
    assert "What is it" in sam.text
    await sam.press("Skip")
    return sam.text


async def _count(harness: Harness, model: type, *where: object) -> int:
    async with harness.core.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


async def test_a_session_invites_exactly_the_mentors_awaiting_orientation_on_their_clock(
    harness: Harness, clock: ManualClock
) -> None:
    clock.set(MONDAY)
    await _people(harness)
    sam = harness.person("sam")
    assert "No session is planned" in await sam.say("/orientation")
    assert "2 mentors are awaiting orientation" in sam.text
    answer = await _plan(sam)
    assert "Planned: the orientation session on Thursday 15 January, 18:00 (your time), 60 minutes" in answer
    assert "Block C, room 3.14 <main hall>" in answer  # shown as typed
    assert "I've invited the 2 mentors awaiting orientation" in answer
    zhanna, madina = harness.person("zhanna"), harness.person("madina")
    assert "Thursday 15 January, 23:00 (your time), 60 minutes" in zhanna.inbox_text()  # Almaty, UTC+5
    assert "Thursday 15 January, 18:00 (your time), 60 minutes" in madina.inbox_text()
    for mentor in (zhanna, madina):
        text = mentor.inbox_text()
        assert "invites you to an orientation session for new mentors" in text
        assert "Where: Block C, room 3.14 <main hall>" in text
        assert "An introduction to the Alumni Mentorship Programme for new mentors" in text
        labels = [b.label for r in mentor.inbox for row in r.buttons for b in row]
        assert labels == ["Going", "Can't make it"]
    for name in ("olzhas", "aidos", "erlan", "alex"):
        assert harness.person(name).inbox == [], name
    assert await _count(harness, OrientationAttendance) == 2
    # The sweep invites nobody twice.
    await sweep(harness)
    assert len(zhanna.inbox) == 1 and len(madina.inbox) == 1
    assert await _count(harness, OrientationAttendance) == 2


async def test_a_mentor_who_joins_later_is_invited_once_and_told_of_the_next_session(
    harness: Harness, clock: ManualClock
) -> None:
    from tests.test_profiles import fill_mentor_profile

    clock.set(MONDAY)
    await add_staff(harness.core)
    sam = harness.person("sam")
    assert "Nobody is awaiting orientation at the moment." in await _plan(sam, minutes="90")
    newcomer = harness.person("dana")
    await fill_mentor_profile(newcomer)
    assert "after you attend an orientation session. The next one is on Thursday 15 January, 18:00" in newcomer.text
    assert newcomer.inbox == []
    await sweep(harness)
    assert "Thursday 15 January, 18:00 (your time), 90 minutes" in newcomer.inbox_text()
    await sweep(harness)
    assert len(newcomer.inbox) == 1
    assert await _count(harness, Notice, Notice.kind == "orientation_invite") == 1


async def test_answers_are_recorded_and_counted_for_the_team(harness: Harness, clock: ManualClock) -> None:
    clock.set(MONDAY)
    ids = await _people(harness)
    sam, zhanna, madina = harness.person("sam"), harness.person("zhanna"), harness.person("madina")
    await _plan(sam)
    going = await zhanna.press("Going", among=zhanna.inbox)
    assert "you're on the list. I'll remind you the day before." in going
    assert "Thursday 15 January, 23:00 (your time), 60 minutes\nWhere: Block C, room 3.14 <main hall>" in going
    assert "We'll invite you to the next session" in await madina.press("Can't make it", among=madina.inbox)
    overview = await sam.say("/orientation")
    assert "Thursday 15 January, 18:00, 60 min, Block C, room 3.14 <main hall>" in overview
    assert "2 mentors invited: 1 going, 1 can't make it, 0 not answered yet" in overview
    # A change of mind changes the answer.
    await madina.press("I can come after all")
    assert "2 mentors invited: 2 going, 0 can't make it" in await sam.say("/orientation")
    async with harness.core.sessions() as session:
        answers = {a.mentor_id: a.answer for a in await session.scalars(select(OrientationAttendance))}
    assert answers == {ids["zhanna"]: "going", ids["madina"]: "going"}


async def test_nobody_answers_for_someone_else_and_only_the_team_plans(harness: Harness, clock: ManualClock) -> None:
    clock.set(MONDAY)
    ids = await _people(harness)
    sam, zhanna, madina = harness.person("sam"), harness.person("zhanna"), harness.person("madina")
    await _plan(sam)
    async with harness.core.sessions() as session:
        theirs = await session.scalar(
            select(OrientationAttendance.id).where(OrientationAttendance.mentor_id == ids["zhanna"])
        )
        session_id = await session.scalar(select(OrientationSession.id))
    assert "couldn't find that invitation among yours" in await madina.press_data("ori.no", str(theirs))
    assert "couldn't find that invitation among yours" in await madina.press_data("ori.go", "99999")
    assert "couldn't find that invitation among yours" in await madina.press_data("ori.go", "'; drop table")
    olzhas = harness.person("olzhas")
    assert "couldn't find that invitation among yours" in await olzhas.press_data("ori.go", str(theirs))
    for name in ("zhanna", "alex", "guest"):
        person = harness.person(name)
        assert "for the career team only" in await person.say("/orientation")
        assert "for the career team only" in await person.press_data("ori.plan", "")
        assert "for the career team only" in await person.press_data("ori.save", str(session_id))
        assert "for the career team only" in await person.press_data("ori.tick", str(theirs))
        assert "for the career team only" in await person.press_data("ori.appr", str(session_id))
    assert "something mentors do" in await harness.person("alex").press_data("ori.go", str(theirs))
    async with harness.core.sessions() as session:
        row = await session.get(OrientationAttendance, theirs)
        assert row is not None and (row.answer, row.attended) == (None, False)
        assert (await session.get(MentorProfile, ids["zhanna"])).orientation_done is False
    assert len(zhanna.inbox) == 1


async def test_a_past_or_unreadable_time_is_refused_kindly(harness: Harness, clock: ManualClock) -> None:
    clock.set(MONDAY)
    await _people(harness)
    sam = harness.person("sam")
    await sam.say("/orientation")
    await sam.press("Plan a session")
    assert "That time has already passed" in await sam.say("yesterday 18:00")
    assert "When is it?" in sam.text  # asked again, nothing saved
    assert "I couldn't read a day and time in 'blursday'" in await sam.say("blursday")
    assert "Try 'Thursday 15:00'" in sam.text
    assert await _count(harness, OrientationSession) == 0
    assert harness.person("zhanna").inbox == []


async def test_the_reminder_comes_the_day_before_once(harness: Harness, clock: ManualClock) -> None:
    clock.set(MONDAY)
    await _people(harness)
    sam, zhanna, madina = harness.person("sam"), harness.person("zhanna"), harness.person("madina")
    await _plan(sam)
    await zhanna.press("Going", among=zhanna.inbox)
    await madina.press("Can't make it", among=madina.inbox)
    clock.set(dt.datetime(2026, 1, 13, 12, tzinfo=dt.UTC))  # Tuesday: too early
    await sweep(harness)
    assert len(zhanna.inbox) == 1
    clock.set(dt.datetime(2026, 1, 14, 3, 0, tzinfo=dt.UTC))  # Wednesday 08:00 in Almaty: before daytime
    await sweep(harness)
    assert len(zhanna.inbox) == 1
    clock.set(dt.datetime(2026, 1, 14, 5, 0, tzinfo=dt.UTC))  # Wednesday 10:00 in Almaty
    await sweep(harness)
    assert "A reminder, Zhanna: your orientation session is tomorrow." in zhanna.inbox_text()
    assert "Thursday 15 January, 23:00 (your time)" in zhanna.inbox_text().rpartition("A reminder")[2]
    clock.set(dt.datetime(2026, 1, 14, 9, 0, tzinfo=dt.UTC))
    await sweep(harness)
    assert len(zhanna.inbox) == 2  # once
    assert len(madina.inbox) == 1  # not going: no reminder


async def test_attendance_for_several_at_once_then_approved_together(harness: Harness, clock: ManualClock) -> None:
    clock.set(MONDAY)
    ids = await _people(harness)
    third = await _new_mentor(harness, "dana", "Dana Sarsen")
    sam = harness.person("sam")
    await _plan(sam)
    async with harness.core.sessions() as session:
        session_id = await session.scalar(select(OrientationSession.id))
    assert "hasn't started yet" in await sam.press_data("ori.sheet", str(session_id))
    clock.set(dt.datetime(2026, 1, 15, 19, 30, tzinfo=dt.UTC))
    overview = await sam.say("/orientation")
    assert "Attendance to record:" in overview
    sheet = await sam.press("Record attendance")
    assert "Who came to the orientation on Thursday 15 January, 18:00?" in sheet
    await sam.press("Zhanna Abenova")
    assert sam.last[0].edit  # the same list, edited
    await sam.press("Madina Omarova")
    await sam.press("Dana Sarsen")
    await sam.press("✓ Dana Sarsen")  # untick: Dana did not come
    labels = [b.label for r in sam.last for row in r.buttons for b in row]
    assert "✓ Zhanna Abenova" in labels and "✓ Madina Omarova" in labels and "Dana Sarsen" in labels
    saved = await sam.press("Save attendance")
    assert "Attendance saved for Thursday 15 January, 18:00: 2 mentors attended" in saved
    assert "2 attended and can be approved now: Madina Omarova, Zhanna Abenova." in saved
    async with harness.core.sessions() as session:
        done = {p.user_id: p.orientation_done for p in await session.scalars(select(MentorProfile))}
        audited = list(await session.scalars(select(AuditEntry.subject_id).where(AuditEntry.action == "orientation")))
        assert (await session.get(OrientationSession, session_id)).status == "held"
    assert done[ids["zhanna"]] and done[ids["madina"]] and not done[third]
    assert sorted(audited) == sorted([ids["zhanna"], ids["madina"]])
    zhanna = harness.person("zhanna")
    assert "Thank you for coming to the orientation, Zhanna: the career team has recorded it." in zhanna.inbox_text()
    assert "Next, they approve your profile" in zhanna.inbox_text()
    assert harness.person("dana").inbox_text().count("recorded") == 0
    # Saving twice records nobody twice.
    assert "nobody new was marked" in await sam.press_data("ori.save", str(session_id))
    assert await _count(harness, AuditEntry, AuditEntry.action == "orientation") == 2
    approved = await sam.press_data("ori.appr", str(session_id))
    assert "Approved: Madina Omarova, Zhanna Abenova." in approved
    assert "has approved your mentor profile. Students can see it now" in zhanna.inbox_text()
    async with harness.core.sessions() as session:
        statuses = {p.user_id: p.status for p in await session.scalars(select(MentorProfile))}
    assert statuses[ids["zhanna"]] == statuses[ids["madina"]] == "approved"
    assert statuses[third] == "awaiting_approval"
    assert await _count(harness, AuditEntry, AuditEntry.action == "approve") == 2
    assert "decided on already" in await sam.press_data("ori.appr", str(session_id))
    # /pending shows Dana only, still asked whether she attended.
    pending = await sam.say("/pending")
    assert "Dana Sarsen" in pending and "Zhanna Abenova" not in pending
    assert "Did Dana Sarsen attend the orientation?" in await sam.press_data("staff.ok", str(third))


async def test_each_mentors_data_copy_has_their_invitations_and_attendance(
    harness: Harness, clock: ManualClock
) -> None:
    clock.set(MONDAY)
    ids = await _people(harness)
    await _plan(harness.person("sam"))
    zhanna = harness.person("zhanna")
    await zhanna.press("Going", among=zhanna.inbox)
    async with harness.core.sessions() as session:
        user = await session.get(User, ids["zhanna"])
        assert user is not None
        copy = await privacy.export(session, user, MONDAY)
        staff = await session.get(User, ids["sam"])
        assert staff is not None
        staff_copy = await privacy.export(session, staff, MONDAY)
    invitations = copy["orientation"]["invitations"]
    assert [(i["answer"], i["attended"], i["session"]["place"]) for i in invitations] == [
        ("going", False, "Block C, room 3.14 <main hall>")
    ]
    assert [s["place"] for s in staff_copy["orientation"]["sessions_planned"]] == ["Block C, room 3.14 <main hall>"]


async def test_a_programme_without_orientation_says_it_is_not_needed(
    database_url: str, clock: ManualClock, tmp_path: Path
) -> None:
    clock.set(MONDAY)
    async with running(database_url, clock, "career") as harness:
        await add_staff(harness.core)
        sam = harness.person("sam")
        assert "Orientation isn't needed in this programme" in await sam.say("/orientation")
        assert "Orientation isn't needed in this programme" in await sam.press_data("ori.plan", "")
        assert await _count(harness, OrientationSession) == 0


async def test_where_attending_approves_saving_the_attendance_is_the_approval(
    database_url: str, clock: ManualClock, tmp_path: Path
) -> None:
    programme = variant(
        tmp_path,
        "university",
        ("orientation_required = true\n", "orientation_required = true\norientation_approves = true\n"),
    )
    async with running(database_url, clock, programme) as harness:
        clock.set(MONDAY)
        ids = await _people(harness)
        sam = harness.person("sam")
        await _plan(sam)
        clock.set(dt.datetime(2026, 1, 15, 19, 30, tzinfo=dt.UTC))
        await sam.say("/orientation")
        await sam.press("Record attendance")
        await sam.press("Zhanna Abenova")
        saved = await sam.press("Save attendance")
        assert "In this programme attending approves a mentor: 1 is approved and has been told." in saved
        assert "can be approved now" not in saved
        assert "has approved your mentor profile. Students can see it now" in harness.person("zhanna").inbox_text()
        async with harness.core.sessions() as session:
            statuses = {p.user_id: p.status for p in await session.scalars(select(MentorProfile))}
        assert statuses[ids["zhanna"]] == "approved" and statuses[ids["madina"]] == "awaiting_approval"
        assert await _count(harness, AuditEntry, AuditEntry.action == "approve") == 1
