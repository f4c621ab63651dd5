"""The career team approves or rejects new mentors (orientation first) and reads the numbers; nobody else can."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from bot.core.errors import Refusal
from bot.services import staff
from storage.models import MentorProfile, Report, User
from tests.lifecycle_support import START, add_person, add_staff, zhanna_and_alex
from tests.support import Harness
from tests.test_profiles import fill_mentor_profile


async def test_new_mentor_is_approved_after_orientation(harness: Harness) -> None:
    zhanna, sam = harness.person("zhanna"), harness.person("sam")
    await fill_mentor_profile(zhanna)
    await sam.say("/start")
    await sam.press("See mentors waiting", among=harness.transport.staff_chat)
    assert "1 mentor profile is waiting for approval" in sam.text
    assert "Zhanna Abenova" in sam.text and "Orientation: not recorded yet" in sam.text
    assert "zhanna@example.com" in sam.text  # staff see contact details
    await sam.press("Approve")
    assert "Did Zhanna Abenova attend the orientation?" in sam.text
    await sam.press("Not yet")
    assert "stays waiting" in sam.text
    await sam.say("/pending")
    await sam.press("Approve")
    await sam.press("Yes — approve")
    assert "Approved: Zhanna Abenova" in sam.text
    assert "has approved your mentor profile. Students can see it now" in zhanna.inbox_text()
    async with harness.core.sessions() as session:
        profile = await session.get(MentorProfile, (await _zhanna_id(harness)))
        assert (profile.status, profile.orientation_done, profile.approved_at) == ("approved", True, START)
    assert "already been decided" in await sam.press_data("staff.orient", str(profile.user_id))
    assert "Nobody is waiting" in await sam.say("/pending")


async def _zhanna_id(harness: Harness) -> int:
    async with harness.core.sessions() as session:
        return int(await session.scalar(select(User.id).where(User.name == "Zhanna Abenova")))


async def test_rejection_sends_the_reason_to_the_mentor(harness: Harness) -> None:
    zhanna, sam = harness.person("zhanna"), harness.person("sam")
    await fill_mentor_profile(zhanna)
    await sam.say("/pending")
    await sam.press("Reject")
    assert "The mentor receives your words as written" in sam.text
    await sam.say("Please add your <current> role")
    assert "Not approved: Zhanna Abenova" in sam.text
    assert "Their reason:\n\nPlease add your <current> role" in zhanna.inbox_text()
    async with harness.core.sessions() as session:
        profile = await session.get(MentorProfile, await _zhanna_id(harness))
        assert (profile.status, profile.status_reason) == ("rejected", "Please add your <current> role")


async def test_orientation_already_recorded_approves_at_once(core) -> None:  # type: ignore[no-untyped-def]
    mentor = await add_person(core, "zhanna", "Zhanna Abenova", "alumnus", status="awaiting_approval")
    sam = await add_staff(core)
    async with core.sessions() as session, session.begin():
        by = await session.get(User, sam)
        await staff.approve(session, mentor, now=START, programme=core.programme, by=by)
        assert (await session.get(MentorProfile, mentor)).status == "approved"


async def test_approval_without_orientation_is_refused(core) -> None:  # type: ignore[no-untyped-def]
    mentor = await add_person(
        core, "zhanna", "Zhanna Abenova", "alumnus", status="awaiting_approval", orientation=False
    )
    sam = await add_staff(core)
    async with core.sessions() as session, session.begin():
        by = await session.get(User, sam)
        with pytest.raises(Refusal, match="orientation"):
            await staff.approve(session, mentor, now=START, programme=core.programme, by=by)
        with pytest.raises(Refusal, match="write the reason"):
            await staff.reject(session, mentor, reason="  ", now=START, programme=core.programme, by=by)


async def test_staff_commands_are_refused_to_everyone_else(harness: Harness) -> None:
    mentor = await add_person(
        harness.core, "zhanna", "Zhanna Abenova", "alumnus", status="awaiting_approval", orientation=False
    )
    await add_person(harness.core, "alex", "Alex Kim", "student")
    for name in ("zhanna", "alex", "guest"):
        person = harness.person(name)
        assert "for the career team only" in await person.say("/pending")
        assert "for the career team only" in await person.say("/stats")
        assert "for the career team only" in await person.press_data("staff.orient", str(mentor))
        assert "for the career team only" in await person.press_data("staff.no", str(mentor))
    async with harness.core.sessions() as session:
        profile = await session.get(MentorProfile, mentor)
        assert (profile.status, profile.orientation_done) == ("awaiting_approval", False)
    assert harness.person("zhanna").inbox == []


async def test_stats_counts_the_programme(harness: Harness, clock) -> None:  # type: ignore[no-untyped-def]
    clock.set(dt.datetime(2026, 1, 20, 10, tzinfo=dt.UTC))
    await zhanna_and_alex(harness.core)
    await add_person(harness.core, "madina", "Madina Omarova", "alumnus", status="awaiting_approval")
    alex = harness.person("alex")
    await alex.say("/log met yesterday on zoom")
    await alex.say("/log phone call 30 December")  # last month: not counted
    await alex.say("/report Just checking this works")
    await alex.press("Something else")
    sam = harness.person("sam")
    figures = await sam.say("/stats")
    assert "Mentors: 1 approved (0 paused), 1 awaiting approval, 0 not approved" in figures
    assert "Students: 1" in figures
    assert "Mentorships: 1 active, 0 agreeing terms, 0 ended" in figures
    assert "Contacts logged this month: 1" in figures
    assert "Open reports: 1" in figures
    async with harness.core.sessions() as session:
        assert await session.get(Report, 1) is not None


async def test_a_paused_mentor_approved_hears_how_to_be_seen(harness: Harness) -> None:
    """The approval reaches the mentor in words that fit their profile: a paused one is told to /resume."""
    mentor = await add_person(harness.core, "zhanna", "Zhanna Abenova", "alumnus", status="awaiting_approval")
    async with harness.core.sessions() as session, session.begin():
        (await session.get(MentorProfile, mentor)).active = False
    sam = harness.person("sam")
    await sam.say("/pending")
    await sam.press("Approve")
    assert "Approved: Zhanna Abenova" in sam.text
    zhanna = harness.person("zhanna")
    assert (
        "Good news, Zhanna: the career team has approved your mentor profile. Students can see it now once you "
        "send /resume (it is paused at the moment)." in zhanna.inbox_text()
    )
    assert [b.action for r in zhanna.inbox for row in r.buttons for b in row] == ["profile.show"]
