"""A person's dashboard: their profile status, requests waiting, mentorships with the last contact, and for
the career team the programme's figures and open reports. Read straight from the models, so any platform
can show it (Slack shows it on the App Home tab)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from bot.core.markup import esc, fmt, shorten
from bot.core.replies import Button, Reply
from bot.i18n import _, ngettext
from bot.programme import Programme
from bot.views import STATUS_LABELS
from storage.models import (
    ContactLog,
    Identity,
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


async def user_for_identity(session: AsyncSession, platform: str, external_id: str) -> User | None:
    return await session.scalar(
        select(User).join(Identity).where(Identity.platform == platform, Identity.external_id == external_id)
    )


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
    active = list(
        await session.execute(
            select(Pair.last_contact_at, Pair.started_at, Pair.created_at, Pair.contact_interval_days).where(
                Pair.status == "active"
            )
        )
    )
    quiet = sum(
        1 for last, started, created, days in active if (last or started or created) < now - dt.timedelta(days=days)
    )
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


# --- as messages: the same cards on every platform ------------------------------------------------


def _day(moment: dt.datetime | dt.date) -> str:
    return moment.strftime("%d %b %Y")


def dashboard_cards(board: Dashboard, programme: Programme) -> list[Reply]:
    """The dashboard as a short list of cards (text and buttons), most urgent first."""
    cards = [_profile_card(board, programme)]
    if board.incoming:
        cards.append(Reply(_("<b>Students waiting for your answer</b>")))
        cards += [_incoming_card(line) for line in board.incoming]
    if board.outgoing:
        cards.append(_outgoing_card(board.outgoing))
    if board.pairs:
        cards.append(Reply(_("<b>Your mentorships</b>")))
        cards += [_pair_card(line) for line in board.pairs]
    if board.figures is not None:
        cards.append(_figures_card(board.figures, programme))
        cards += [_report_card(line) for line in board.reports]
    return cards


def _profile_card(board: Dashboard, programme: Programme) -> Reply:
    if board.role is None and not board.is_staff:
        return Reply(
            fmt(_("<b>Welcome to the {title}!</b>"), title=programme.title)
            + "\n"
            + _(
                "Alumni volunteer as mentors; students choose a mentor and meet them about once a month. Which are you?"
            ),
            buttons=[
                [
                    Button(_("I'm a student"), "start.role", "student"),
                    Button(_("I'm an alumnus / alumna"), "start.role", "alumnus"),
                ]
            ],
        )
    hello = fmt(_("<b>Hello, {name}!</b>"), name=board.name.split()[0] if board.name.strip() else _("friend"))
    if board.profile_status == "none":
        if board.is_staff and board.role is None:
            return Reply(hello + "\n" + _("You're on the career team. The programme's figures are below."))
        return Reply(
            hello + "\n" + _("Your profile isn't finished yet."),
            buttons=[[Button(_("Finish my profile"), "profile.show")]],
        )
    if board.profile_status == "student":
        return Reply(
            hello + "\n" + _("Your student profile is ready: mentors see it when you approach them."),
            buttons=[[Button(_("Browse mentors"), "browse.open"), Button(_("My profile"), "profile.show")]],
        )
    status = _(STATUS_LABELS.get(board.profile_status, board.profile_status))
    line = fmt(_("Your mentor profile: {status}."), status=status)
    if board.paused:
        line += " " + _("It is paused, so students don't see it.")
    return Reply(hello + "\n" + line, buttons=[[Button(_("My profile"), "profile.show")]])


def _incoming_card(line: RequestLine) -> Reply:
    text = fmt(_("<b>{name}</b> would like you as their mentor (since {day})."), name=line.person, day=_day(line.since))
    if line.message:
        text += "\n" + f"<i>{esc(shorten(line.message, 280))}</i>"
    return Reply(
        text,
        buttons=[
            [
                Button(_("Accept"), "req.acc", str(line.request_id), style="primary"),
                Button(_("Decline"), "req.dec", str(line.request_id)),
            ]
        ],
    )


def _outgoing_card(lines: list[RequestLine]) -> Reply:
    names = ", ".join(line.person for line in lines)
    return Reply(
        fmt(_("<b>Your requests</b>: waiting for {names}. We'll tell you as soon as they answer."), names=names)
    )


def _pair_card(line: PairLine) -> Reply:
    if line.status != "active":
        return Reply(
            fmt(_("<b>{name}</b>: you're agreeing how you'll work together."), name=line.person),
            buttons=[[Button(_("The agreement"), "agr.start", str(line.pair_id))]],
        )
    last = (
        fmt(_("last contact {day}"), day=_day(line.last_contact)) if line.last_contact else _("no contact logged yet")
    )
    return Reply(
        fmt(_("<b>{name}</b>: since {since}; {last}."), name=line.person, since=_day(line.since), last=last),
        buttons=[
            [
                Button(_("Log a contact"), "log.new", str(line.pair_id), style="primary"),
                Button(_("Goals"), "goal.list", str(line.pair_id)),
            ]
        ],
    )


def _figures_card(figures: Figures, programme: Programme) -> Reply:
    lines = [
        fmt(_("<b>{title}: the figures</b>"), title=programme.title),
        fmt(
            _("Mentors: {approved} approved, {waiting} waiting for approval. Students: {students}."),
            approved=figures.mentors_approved,
            waiting=figures.mentors_waiting,
            students=figures.students,
        ),
        fmt(
            _("Requests waiting for an answer: {requests}. Active mentorships: {active}, of which {quiet} quiet."),
            requests=figures.requests_pending,
            active=figures.pairs_active,
            quiet=figures.pairs_quiet,
        ),
        fmt(
            ngettext("{n} open report.", "{n} open reports.", figures.reports_open),
            n=figures.reports_open,
        ),
    ]
    return Reply("\n".join(lines))


def _report_card(line: ReportLine) -> Reply:
    who = line.reporter or _("someone")
    text = fmt(_("<b>{kind}</b> from {who}, {day}"), kind=line.kind.capitalize(), who=who, day=_day(line.since))
    if line.text:
        text += "\n" + esc(shorten(line.text, 280))
    if line.status != "open":
        return Reply(text + "\n" + _("Someone on the team is on it."))
    return Reply(text, buttons=[[Button(_("I'll take it"), "rep.take", str(line.report_id))]])
