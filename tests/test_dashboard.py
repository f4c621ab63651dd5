"""The dashboard: what a mentor, a student and the career team see at a glance (the service's data, and the
home view's cards)."""

from __future__ import annotations

import datetime as dt

from bot.core.app import Core
from bot.core.clock import ManualClock
from bot.handlers.home import dashboard_cards
from bot.platforms.console import to_plain
from bot.services.dashboard import load_dashboard
from storage.models import ContactLog, MenteeProfile, MentorProfile, MentorshipRequest, Pair, Report, User


async def test_figures_and_lists_come_straight_from_the_records(core: Core, clock: ManualClock) -> None:
    now = clock.now()
    async with core.sessions() as session, session.begin():
        mentor = User(name="Zhanna Abenova", role="alumnus", created_at=now)
        students = [User(name=f"Student {n}", role="student", created_at=now) for n in range(3)]
        staff = User(name="Sam Career", is_staff=True, created_at=now)
        session.add_all([mentor, staff, *students])
        await session.flush()
        session.add(MentorProfile(user_id=mentor.id, status="approved", capacity=3, active_mentees=2, updated_at=now))
        session.add_all([MenteeProfile(user_id=s.id, updated_at=now) for s in students])
        quiet = Pair(
            mentor_id=mentor.id,
            mentee_id=students[0].id,
            status="active",
            created_at=now,
            started_at=now - dt.timedelta(days=60),
            last_contact_at=now - dt.timedelta(days=40),
        )
        lively = Pair(
            mentor_id=mentor.id,
            mentee_id=students[1].id,
            status="active",
            created_at=now,
            started_at=now - dt.timedelta(days=60),
            last_contact_at=now - dt.timedelta(days=5),
        )
        session.add_all([quiet, lively])
        session.add(MentorshipRequest(mentee_id=students[2].id, mentor_id=mentor.id, message="Hello!", created_at=now))
        session.add(Report(kind="escalation", text="No contact for two months", created_at=now))
        session.add(Report(kind="report", text="Old and done", status="resolved", created_at=now))
        await session.flush()
        session.add(
            ContactLog(
                pair_id=lively.id, author_id=mentor.id, happened_on=dt.date(2026, 1, 7), method="video", created_at=now
            )
        )

    async with core.sessions() as session:
        board = await load_dashboard(session, await session.get(User, mentor.id), now)
        team = await load_dashboard(session, await session.get(User, staff.id), now)
        student = await load_dashboard(session, await session.get(User, students[2].id), now)

    assert board.profile_status == "approved" and [r.person for r in board.incoming] == ["Student 2"]
    last = {p.person: p.last_contact for p in board.pairs}
    assert last == {"Student 0": (now - dt.timedelta(days=40)).date(), "Student 1": dt.date(2026, 1, 7)}
    assert board.figures is None and board.reports == []  # programme figures are for staff only

    assert team.figures is not None
    assert (team.figures.pairs_active, team.figures.pairs_quiet) == (2, 1)
    assert (team.figures.requests_pending, team.figures.reports_open, team.figures.students) == (1, 1, 3)
    assert [r.kind for r in team.reports] == ["escalation"]

    assert [r.person for r in student.outgoing] == ["Zhanna Abenova"]
    text = "\n".join(to_plain(card.text) for card in dashboard_cards(student, core.programme))
    assert "waiting for Zhanna Abenova" in text
