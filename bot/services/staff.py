"""The career team's basics: approving or rejecting new mentors, and the programme's numbers (/stats draws
them with bot.services.charts).

The mentor hears the decision as an outcome (`MentorApproved`, `MentorRejected`), worded by bot.handlers.staff.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.context import queue_message
from bot.core.errors import Refusal
from bot.core.markup import fmt
from bot.core.outcomes import Outcome
from bot.core.payloads import id_in
from bot.i18n import _
from bot.programme import Programme
from bot.services import audit, reports_export
from bot.services.cases import OFFICE_REQUEST
from bot.services.profiles import WAITING
from bot.services.recognition import Period, current_period
from storage.models import ContactLog, MenteeProfile, MentorProfile, MentorshipRequest, Pair, Report, User

MAX_REASON = 1000


@dataclass(frozen=True)
class MentorApproved(Outcome):
    """Told to the mentor: students can see their profile now (or once they resume it, if it is paused)."""

    mentor: User
    profile: MentorProfile


@dataclass(frozen=True)
class MentorRejected(Outcome):
    """Told to the mentor: their profile isn't approved, with the career team's reason as written."""

    mentor: User
    reason: str


async def pending_mentors(session: AsyncSession) -> list[tuple[User, MentorProfile]]:
    """Mentors waiting for approval, longest waiting first."""
    rows = await session.execute(
        select(User, MentorProfile)
        .join(MentorProfile, MentorProfile.user_id == User.id)
        .where(MentorProfile.status == "awaiting_approval")
        .order_by(MentorProfile.updated_at, User.id)
    )
    return [(row[0], row[1]) for row in rows]


async def waiting_list(session: AsyncSession) -> list[tuple[User, MentorProfile]]:
    """Mentors who signed up outside the recruitment months, waiting to be invited (staff may approve them
    early), longest waiting first."""
    rows = await session.execute(
        select(User, MentorProfile)
        .join(MentorProfile, MentorProfile.user_id == User.id)
        .where(MentorProfile.status == WAITING)
        .order_by(MentorProfile.updated_at, User.id)
    )
    return [(row[0], row[1]) for row in rows]


async def waiting_profile(session: AsyncSession, mentor_id: str | int) -> tuple[User, MentorProfile]:
    """The mentor named by a button payload, only while their profile still awaits a decision (on the waiting
    list too: staff may take someone on before the next recruitment month)."""
    not_found = _("I couldn't find that mentor profile. /pending shows who is waiting.")
    wanted = id_in(mentor_id, not_found)
    profile = await session.get(MentorProfile, wanted)
    user = await session.get(User, wanted) if profile is not None else None
    if profile is None or user is None:
        raise Refusal(not_found)
    if profile.status not in ("awaiting_approval", WAITING):
        raise Refusal(
            fmt(_("{name}'s profile has already been decided on. /pending shows who is waiting."), name=user.name)
        )
    return user, profile


def needs_orientation(profile: MentorProfile, programme: Programme) -> bool:
    return programme.orientation_required and not profile.orientation_done


async def approve(
    session: AsyncSession,
    mentor_id: str | int,
    *,
    now: dt.datetime,
    programme: Programme,
    by: User,
    orientation_attended: bool = False,
) -> User:
    """Approve a waiting mentor (recording the orientation when staff say they attended); tell them."""
    user, profile = await waiting_profile(session, mentor_id)
    if orientation_attended and not profile.orientation_done:
        profile.orientation_done = True
        await audit.record(session, by, "orientation", now, subject=user)
    if needs_orientation(profile, programme):
        raise Refusal(fmt(_("{name} hasn't attended the orientation yet, which approval needs."), name=user.name))
    profile.status = "approved"
    profile.approved_at = now
    profile.status_reason = ""
    profile.updated_at = now
    queue_message(session, now, MentorApproved(user, profile), user_id=user.id)
    await audit.record(session, by, "approve", now, subject=user)
    return user


async def reject(
    session: AsyncSession, mentor_id: str | int, *, reason: str, now: dt.datetime, programme: Programme, by: User
) -> User:
    """Decline a waiting mentor with a reason they receive as written."""
    reason = reason.strip()
    if not reason:
        raise Refusal(_("Please write the reason; the mentor receives it as you write it."))
    if len(reason) > MAX_REASON:
        raise Refusal(fmt(_("That's a bit long: please keep it under {n} characters."), n=MAX_REASON))
    user, profile = await waiting_profile(session, mentor_id)
    profile.status = "rejected"
    profile.status_reason = reason
    profile.updated_at = now
    queue_message(session, now, MentorRejected(user, reason), user_id=user.id)
    await audit.record(session, by, "reject", now, subject=user, detail=reason)
    return user


# Mentors by state, in the order /stats lists them; "approved" counts only those taking students (not paused).
MENTOR_STATES = ("approved", "paused", "awaiting_approval", "waiting", "rejected")
# Students by where they are: in a running mentorship, agreeing its terms, or still looking for a mentor.
STUDENT_STATES = ("in_mentorship", "agreeing", "looking")
ANSWER_WITHIN = dt.timedelta(days=7)  # "requests answered within a week"


@dataclass(frozen=True)
class RatingAverage:
    """One rating question of the end-of-cycle survey, for one side: its average once enough answered."""

    role: str  # mentee | mentor
    prompt: str  # the programme's words (translate with _() when showing)
    average: float | None  # None while fewer than reports_export.MIN_ANSWERS rated it
    answers: int


@dataclass(frozen=True)
class Stats:
    mentors_by_status: dict[str, int]
    mentors_paused: int
    students: int
    pairs_by_status: dict[str, int]
    contacts_this_month: int
    open_reports: int  # problems people reported and the cases the bot filed
    open_requests: int = 0  # requests to the office (an individual interview ...), counted apart
    students_by_state: dict[str, int] = field(default_factory=dict)  # keys of STUDENT_STATES
    quiet_pairs: int = 0  # active mentorships with no contact logged since the first of this month
    requests_due: int = 0  # requests of the cycle a mentor could have answered within a week by now
    requests_answered_in_week: int = 0
    contacts_by_month: list[tuple[dt.date, int]] = field(default_factory=list)  # each month of the cycle so far
    survey_averages: list[RatingAverage] = field(default_factory=list)
    survey_answers: dict[str, int] = field(default_factory=dict)  # end-of-cycle answers this cycle, per side
    period: Period | None = None  # the cycle the monthly, request and survey figures cover

    @property
    def active_pairs(self) -> int:
        return self.pairs_by_status.get("active", 0)

    @property
    def mentors_by_state(self) -> dict[str, int]:
        """Every mentor once, in MENTOR_STATES order: the approved who take students, the paused, the rest."""
        counts = {state: self.mentors_by_status.get(state, 0) for state in MENTOR_STATES}
        counts["approved"] = max(0, counts["approved"] - self.mentors_paused)
        counts["paused"] = self.mentors_paused
        return counts

    @property
    def answered_in_week_share(self) -> int | None:
        """Percent of the cycle's requests answered within a week; None when none could have been yet."""
        if not self.requests_due:
            return None
        return round(100 * self.requests_answered_in_week / self.requests_due)


async def stats(session: AsyncSession, now: dt.datetime, zone: ZoneInfo, programme: Programme) -> Stats:
    by_status = {
        row[0]: row[1]
        for row in await session.execute(select(MentorProfile.status, func.count()).group_by(MentorProfile.status))
    }
    paused = await session.scalar(  # shown as "(n paused)" among the approved, so only theirs are counted
        select(func.count())
        .select_from(MentorProfile)
        .where(MentorProfile.active.is_(False), MentorProfile.status == "approved")
    )
    students = await session.scalar(select(func.count()).select_from(MenteeProfile))
    pairs = {row[0]: row[1] for row in await session.execute(select(Pair.status, func.count()).group_by(Pair.status))}
    first_of_month = now.astimezone(zone).date().replace(day=1)
    contacts = await session.scalar(
        select(func.count()).select_from(ContactLog).where(ContactLog.happened_on >= first_of_month)
    )
    open_by_kind = select(func.count()).select_from(Report).where(Report.status != "resolved")
    reports = await session.scalar(open_by_kind.where(Report.kind != OFFICE_REQUEST))
    office_requests = await session.scalar(open_by_kind.where(Report.kind == OFFICE_REQUEST))
    period = current_period(now, programme)
    due, in_week = await _requests_answered(session, now, period)
    sides = await reports_export.survey_summary(session, programme, period)
    return Stats(
        mentors_by_status={k: int(v) for k, v in by_status.items()},
        mentors_paused=int(paused or 0),
        students=int(students or 0),
        pairs_by_status={k: int(v) for k, v in pairs.items()},
        contacts_this_month=int(contacts or 0),
        open_reports=int(reports or 0),
        open_requests=int(office_requests or 0),
        students_by_state=await _students_by_state(session, int(students or 0)),
        quiet_pairs=await _quiet_pairs(session, first_of_month),
        requests_due=due,
        requests_answered_in_week=in_week,
        contacts_by_month=await _contacts_by_month(session, period, now.astimezone(zone).date()),
        survey_averages=[
            RatingAverage(side.role, summary.question.prompt, summary.average, summary.answered)
            for side in sides
            for summary in side.questions
            if summary.question.kind == "rating"
        ],
        survey_answers={side.role: side.responses for side in sides},
        period=period,
    )


async def _students_by_state(session: AsyncSession, students: int) -> dict[str, int]:
    def has(status: str) -> Any:
        return select(Pair.id).where(Pair.mentee_id == MenteeProfile.user_id, Pair.status == status).exists()

    in_mentorship = await session.scalar(select(func.count()).select_from(MenteeProfile).where(has("active")))
    agreeing = await session.scalar(
        select(func.count()).select_from(MenteeProfile).where(~has("active"), has("agreeing"))
    )
    counts = {"in_mentorship": int(in_mentorship or 0), "agreeing": int(agreeing or 0)}
    counts["looking"] = max(0, students - sum(counts.values()))
    return counts


async def _quiet_pairs(session: AsyncSession, first_of_month: dt.date) -> int:
    """Active mentorships with no contact logged (by either side) since the first of the month."""
    contact = select(ContactLog.id).where(ContactLog.pair_id == Pair.id, ContactLog.happened_on >= first_of_month)
    quiet = await session.scalar(
        select(func.count()).select_from(Pair).where(Pair.status == "active", ~contact.exists())
    )
    return int(quiet or 0)


async def _requests_answered(session: AsyncSession, now: dt.datetime, period: Period) -> tuple[int, int]:
    """(requests of the cycle whose mentor has had a week, or answered sooner; those answered within a week).
    A request the student withdrew is left out: the mentor's answer was no longer asked for."""
    rows = await session.execute(
        select(MentorshipRequest.status, MentorshipRequest.created_at, MentorshipRequest.answered_at).where(
            MentorshipRequest.created_at >= period.start,
            MentorshipRequest.created_at < period.end,
            MentorshipRequest.status != "withdrawn",
        )
    )
    due = in_week = 0
    for status, created, answered in rows:
        quick = answered is not None and status in ("accepted", "declined") and answered - created <= ANSWER_WITHIN
        if quick or now - created >= ANSWER_WITHIN:
            due += 1
            in_week += int(quick)
    return due, in_week


async def _contacts_by_month(session: AsyncSession, period: Period, today: dt.date) -> list[tuple[dt.date, int]]:
    """Contacts logged per month of the cycle, from its first month to this one (or its last, when over)."""
    first = period.start.date()
    last = min(today, (period.end - dt.timedelta(seconds=1)).date())
    months: dict[dt.date, int] = {}
    month = first
    while month <= last:
        months[month] = 0
        month = (month + dt.timedelta(days=32)).replace(day=1)
    rows = await session.execute(
        select(ContactLog.happened_on, func.count())
        .where(ContactLog.happened_on >= first, ContactLog.happened_on <= last)
        .group_by(ContactLog.happened_on)
    )
    for day, count in rows:
        key = day.replace(day=1)
        if key in months:
            months[key] += int(count)
    return list(months.items())
