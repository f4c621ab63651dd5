"""Recruitment windows (the career programme recruits mentors in March and August): an alumnus who signs up in
May is welcomed onto the waiting list and invited in August; one who signs up in March goes straight on."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import select

from bot.core.clock import ManualClock
from bot.programme import load_programme
from bot.services import profiles
from storage.models import MentorProfile
from tests.programme_support import running, variant
from tests.scheduler.helpers import sweep
from tests.support import Harness
from tests.test_profiles import fill_mentor_profile

UTC = dt.UTC


async def status(harness: Harness) -> str:
    async with harness.core.sessions() as session:
        profile = await session.scalar(select(MentorProfile))
        assert profile is not None
        return profile.status


def test_the_next_recruitment_month_comes_after_this_one() -> None:
    career = load_programme("career")
    may = dt.datetime(2026, 5, 12, tzinfo=UTC)
    assert not profiles.recruiting_now(may, career)
    assert profiles.next_recruitment(may, career) == dt.date(2026, 8, 1)
    assert profiles.next_recruitment(dt.datetime(2026, 9, 1, tzinfo=UTC), career) == dt.date(2027, 3, 1)
    assert profiles.recruiting_now(dt.datetime(2026, 8, 31, tzinfo=UTC), career)
    assert profiles.next_recruitment(may, load_programme("university")) is None


async def test_an_alumnus_joining_in_may_waits_and_is_invited_in_august(database_url: str, clock: ManualClock) -> None:
    clock.set(dt.datetime(2026, 5, 12, 10, 0, tzinfo=UTC))
    async with running(database_url, clock, "career") as harness:
        zhanna, sam = harness.person("zhanna"), harness.person("sam")
        await fill_mentor_profile(zhanna)
        assert "Welcome, Zhanna" in zhanna.text
        assert "takes on new mentors in August" in zhanna.text
        assert "you're on the waiting list" in zhanna.text
        assert await status(harness) == "waiting"
        assert "New mentor on the waiting list: Zhanna Abenova" in harness.staff_text()
        assert "invited when recruitment opens in August" in harness.staff_text()

        shown = await zhanna.say("/profile")
        assert "On the waiting list until the next recruitment" in shown and "not yet visible" in shown

        listed = await sam.say("/pending")
        assert "Nobody is waiting for approval." in listed
        assert "1 mentor is on the waiting list for the next recruitment" in listed
        assert "On the waiting list since 12 May 2026" in listed

        for month in (6, 7):  # no invitation outside the recruitment months
            clock.set(dt.datetime(2026, month, 1, 10, 0, tzinfo=UTC))
            await sweep(harness)
        assert zhanna.inbox == []

        clock.set(dt.datetime(2026, 8, 1, 2, 0, tzinfo=UTC))  # night: the invitation waits for the morning
        await sweep(harness)
        assert zhanna.inbox == []
        clock.set(dt.datetime(2026, 8, 1, 9, 0, tzinfo=UTC))
        await sweep(harness)
        assert "Recruitment of new mentors is open this August" in zhanna.inbox_text()
        clock.advance(dt.timedelta(days=1))
        await sweep(harness)
        assert len(zhanna.inbox) == 1  # once per window

        staff_before = len(harness.transport.staff_chat)
        said = await zhanna.press("Yes, count me in", among=zhanna.inbox)
        assert "Students can see your profile now" in said  # the career programme needs no orientation
        assert await status(harness) == "approved"
        assert len(harness.transport.staff_chat) == staff_before + 1
        assert "Zhanna Abenova (Product manager at Kaspi.kz) has joined from the waiting list" in harness.staff_text()
        assert "no longer on the waiting list" in await zhanna.press("Yes, count me in", among=zhanna.inbox)


async def test_not_this_time_keeps_them_on_the_list_for_the_next_window(database_url: str, clock: ManualClock) -> None:
    clock.set(dt.datetime(2026, 5, 12, 10, 0, tzinfo=UTC))
    async with running(database_url, clock, "career") as harness:
        zhanna = harness.person("zhanna")
        await fill_mentor_profile(zhanna)
        clock.set(dt.datetime(2026, 8, 3, 10, 0, tzinfo=UTC))
        await sweep(harness)
        staff_before = len(harness.transport.staff_chat)
        said = await zhanna.press("Not this time", among=zhanna.inbox)
        assert "You stay on the waiting list, and we'll ask you again in March" in said
        assert await status(harness) == "waiting"
        assert len(harness.transport.staff_chat) == staff_before  # quietly

        clock.set(dt.datetime(2026, 8, 20, 10, 0, tzinfo=UTC))
        await sweep(harness)
        assert len(zhanna.inbox) == 1
        clock.set(dt.datetime(2027, 3, 1, 10, 0, tzinfo=UTC))
        await sweep(harness)
        assert len(zhanna.inbox) == 2
        assert "open this March" in zhanna.inbox_text()


async def test_an_alumnus_joining_in_march_goes_straight_on(database_url: str, clock: ManualClock) -> None:
    clock.set(dt.datetime(2026, 3, 10, 10, 0, tzinfo=UTC))
    async with running(database_url, clock, "career") as harness:
        zhanna = harness.person("zhanna")
        await fill_mentor_profile(zhanna)
        assert "students can see it now" in zhanna.text
        assert "waiting list" not in zhanna.text
        assert await status(harness) == "approved"
        clock.set(dt.datetime(2026, 8, 1, 10, 0, tzinfo=UTC))
        await sweep(harness)
        assert "Recruitment of new mentors" not in zhanna.inbox_text()


async def test_staff_may_approve_someone_on_the_waiting_list_early(database_url: str, clock: ManualClock) -> None:
    clock.set(dt.datetime(2026, 5, 12, 10, 0, tzinfo=UTC))
    async with running(database_url, clock, "career") as harness:
        zhanna, sam = harness.person("zhanna"), harness.person("sam")
        await fill_mentor_profile(zhanna)
        await sam.say("/pending")
        assert "Approved: Zhanna Abenova" in await sam.press("Approve")
        assert await status(harness) == "approved"
        assert "has approved your mentor profile" in zhanna.inbox_text()
        clock.set(dt.datetime(2026, 8, 1, 10, 0, tzinfo=UTC))
        await sweep(harness)
        assert "Recruitment of new mentors" not in zhanna.inbox_text()


async def test_with_no_recruitment_months_nothing_changes(harness: Harness, clock: ManualClock) -> None:
    clock.set(dt.datetime(2026, 5, 12, 10, 0, tzinfo=UTC))
    zhanna = harness.person("zhanna")
    await fill_mentor_profile(zhanna)  # the university programme: approval after the orientation, any month
    assert "after you attend the orientation session" in zhanna.text
    assert await status(harness) == "awaiting_approval"


async def test_where_orientation_is_required_yes_goes_to_the_career_teams_approval(
    database_url: str, clock: ManualClock, tmp_path: Path
) -> None:
    windows = variant(tmp_path, "university", ("recruitment_months = []", "recruitment_months = [9]"))
    clock.set(dt.datetime(2026, 5, 12, 10, 0, tzinfo=UTC))
    async with running(database_url, clock, windows) as harness:
        zhanna = harness.person("zhanna")
        await fill_mentor_profile(zhanna)
        assert "takes on new mentors in September" in zhanna.text
        clock.set(dt.datetime(2026, 9, 1, 10, 0, tzinfo=UTC))
        await sweep(harness)
        said = await zhanna.press("Yes, count me in", among=zhanna.inbox)
        assert "they'll approve it after you attend the orientation session" in said
        assert await status(harness) == "awaiting_approval"
        assert "has joined from the waiting list for this recruitment and is waiting for approval" in (
            harness.staff_text()
        )
        assert "1 mentor profile is waiting for approval" in await harness.person("sam").say("/pending")
