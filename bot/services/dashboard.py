"""A person's dashboard: their profile status, requests waiting, mentorships with the last contact, and for
the career team the programme's figures and open reports. Read straight from the models and returned as
data; bot.handlers.home says how it reads (the cards of Slack's App Home tab)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from bot.services.nudges import is_overdue
from storage.models import (
    ContactLog,
    MenteeProfile,
    MentorProfile,
    MentorshipRequest,
    Pair,
    Report,
    User,
)

LIST_LIMIT = 10  # a dashboard is a glance, not an archive: the ten most recent of each list


@dataclass(frozen=True)
class RequestLine:
    request_id: int
    person: str  # the other side: the student (for a mentor) or the mentor (for a student)
    message: str
    since: dt.datetime


@dataclass(frozen=True)
class PairLine:
    pair_id: int
    person: str
    status: str  # agreeing | active
    i_am_mentor: bool
    since: dt.datetime
    last_contact: dt.date | None


@dataclass(frozen=True)
class Figures:
    mentors_approved: int
    mentors_waiting: int
    students: int
    requests_pending: int
    pairs_active: int
    pairs_quiet: int  # active, and no contact within their agreed interval
    reports_open: int


@dataclass(frozen=True)
class ReportLine:
    report_id: int
    kind: str
    text: str
    reporter: str
    status: str
    since: dt.datetime


@dataclass
class Dashboard:
    name: str
    role: str | None
    is_staff: bool
    profile_status: str  # none | student | awaiting_approval | approved | rejected
    paused: bool = False
    incoming: list[RequestLine] = field(default_factory=list)
    outgoing: list[RequestLine] = field(default_factory=list)
    pairs: list[PairLine] = field(default_factory=list)
    figures: Figures | None = None
    reports: list[ReportLine] = field(default_factory=list)


async def load_dashboard(session: AsyncSession, user: User, now: dt.datetime) -> Dashboard:
    board = Dashboard(name=user.name, role=user.role, is_staff=user.is_staff, profile_status="none")
    if user.role == "alumnus":
        profile = await session.get(MentorProfile, user.id)
        if profile is not None:
            board.profile_status = profile.status
            board.paused = not profile.active
    elif user.role == "student" and await session.get(MenteeProfile, user.id) is not None:
        board.profile_status = "student"
    board.incoming = await _requests(session, MentorshipRequest.mentor_id, MentorshipRequest.mentee_id, user.id)
    board.outgoing = await _requests(session, MentorshipRequest.mentee_id, MentorshipRequest.mentor_id, user.id)
    board.pairs = await _pairs(session, user.id)
    if user.is_staff:
        board.figures = await _figures(session, now)
        board.reports = await _reports(session)
    return board


async def _requests(session: AsyncSession, mine, theirs, user_id: int) -> list[RequestLine]:  # type: ignore[no-untyped-def]
    other = aliased(User)
    rows = await session.execute(
        select(MentorshipRequest, other.name)
        .join(other, other.id == theirs)
        .where(mine == user_id, MentorshipRequest.status == "pending")
        .order_by(MentorshipRequest.created_at.desc())
        .limit(LIST_LIMIT)
    )
    return [RequestLine(r.id, name, r.message, r.created_at) for r, name in rows]


async def _pairs(session: AsyncSession, user_id: int) -> list[PairLine]:
    pairs = list(
        await session.scalars(
            select(Pair)
            .where((Pair.mentor_id == user_id) | (Pair.mentee_id == user_id), Pair.status != "ended")
            .order_by(Pair.created_at.desc())
            .limit(LIST_LIMIT)
        )
    )
    if not pairs:
        return []
    ids = [p.id for p in pairs]
    last = dict(
        (
            await session.execute(
                select(ContactLog.pair_id, func.max(ContactLog.happened_on))
                .where(ContactLog.pair_id.in_(ids))
                .group_by(ContactLog.pair_id)
            )
        ).all()
    )
    others = {p.mentee_id if p.mentor_id == user_id else p.mentor_id for p in pairs}
    names = dict((await session.execute(select(User.id, User.name).where(User.id.in_(others)))).all())
    lines = []
    for pair in pairs:
        mentor = pair.mentor_id == user_id
        logged = last.get(pair.id) or (pair.last_contact_at.date() if pair.last_contact_at else None)
        other_id = pair.mentee_id if mentor else pair.mentor_id
        since = pair.started_at or pair.created_at
        lines.append(PairLine(pair.id, names.get(other_id, ""), pair.status, mentor, since, logged))
    return lines


async def _count(session: AsyncSession, query) -> int:  # type: ignore[no-untyped-def]
    return int(await session.scalar(query) or 0)


async def _figures(session: AsyncSession, now: dt.datetime) -> Figures:
    count = func.count()
    mentors = select(count).select_from(MentorProfile)
    active = list(await session.scalars(select(Pair).where(Pair.status == "active")))
    quiet = sum(1 for pair in active if is_overdue(pair, now))  # the programme's one contact rule
    return Figures(
        mentors_approved=await _count(session, mentors.where(MentorProfile.status == "approved")),
        mentors_waiting=await _count(session, mentors.where(MentorProfile.status == "awaiting_approval")),
        students=await _count(session, select(count).select_from(MenteeProfile)),
        requests_pending=await _count(
            session, select(count).select_from(MentorshipRequest).where(MentorshipRequest.status == "pending")
        ),
        pairs_active=len(active),
        pairs_quiet=quiet,
        reports_open=await _count(session, select(count).select_from(Report).where(Report.status != "resolved")),
    )


async def _reports(session: AsyncSession) -> list[ReportLine]:
    rows = await session.execute(
        select(Report, User.name)
        .outerjoin(User, User.id == Report.reporter_id)
        .where(Report.status != "resolved")
        .order_by(Report.created_at)
        .limit(LIST_LIMIT)
    )
    return [ReportLine(r.id, r.kind, r.text, name or "", r.status, r.created_at) for r, name in rows]
