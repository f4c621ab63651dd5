"""Orientation sessions for new mentors, where the programme requires one before approval.

The career team plans a session (when, how long, where, what it is); every mentor awaiting orientation is
invited, in their own time zone, and answers Going or Can't make it. A mentor who joins later is invited to
the sessions still to come by the sweep, once (a notice per session and mentor). Those going are reminded the
day before, in their daytime, once. After the start the team ticks who attended and saves it: each one's
orientation is recorded (and in the audit log), they are told, and the team may approve them all at once
through the same approval every other path uses.

Mentors on the waiting list (signed up outside the recruitment months) are not invited: they were told they
would hear from us when recruitment opens. Once they say yes to it they await orientation like anyone else,
and the sweep invites them then.

States of a session: planned -> held (attendance saved); cancelled is kept for sessions called off.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.core.context import queue_message
from bot.core.datacopy import row
from bot.core.daytime import daytime_start_on, local_day, next_daytime, zone_for
from bot.core.errors import Refusal
from bot.core.markup import fmt
from bot.core.notices import Claim, claim_many, taken_keys, users_by_id
from bot.core.outcomes import Outcome
from bot.core.payloads import id_in
from bot.core.policy import YES, Decision, no
from bot.core.registry import export, sweep
from bot.i18n import _
from bot.programme import Programme
from bot.services import audit, meetings, staff
from storage.models import MentorProfile, OrientationAttendance, OrientationSession, User

PLANNED, HELD, CANCELLED = "planned", "held", "cancelled"
GOING, CANNOT = "going", "cannot"
DEFAULT_MINUTES = 60
MIN_MINUTES, MAX_MINUTES = 15, 480
MAX_PLACE, MAX_ABOUT = 300, 500
REMIND_BEFORE = dt.timedelta(days=1)  # the reminder comes the local day before, when the mentor's daytime starts
RECORD_WITHIN = dt.timedelta(days=30)  # how long after its start a session's attendance is asked for in /orientation
INVITE, REMINDER = "orientation_invite", "orientation_reminder"
WAITING_FOR_DECISION = ("awaiting_approval", "waiting")  # as staff.waiting_profile: still to be approved


# --- outcomes -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SessionPlanned(Outcome):
    """Told to the member of the team who planned it: the session, and how many mentors were invited."""

    session: OrientationSession
    planner: User
    invited: int


@dataclass(frozen=True)
class Invited(Outcome):
    """To a mentor awaiting orientation: the session (when, where, how long, what), Going or Can't make it."""

    session: OrientationSession
    attendance: OrientationAttendance
    person: User


@dataclass(frozen=True)
class Answered(Outcome):
    """The mentor's answer (going or cannot) is recorded."""

    session: OrientationSession
    attendance: OrientationAttendance
    person: User


@dataclass(frozen=True)
class Reminder(Outcome):
    """The day before: the mentor going to the session is reminded of it."""

    session: OrientationSession
    attendance: OrientationAttendance
    person: User


@dataclass(frozen=True)
class AttendanceRecorded(Outcome):
    """Told to a mentor who attended: it is recorded; `approvable` when the team can approve them now."""

    session: OrientationSession
    person: User
    approvable: bool


@dataclass(frozen=True)
class AttendanceSaved(Outcome):
    """The team saved a session's attendance: who was newly recorded, and who can be approved now."""

    session: OrientationSession
    viewer: User
    recorded: list[User]
    approvable: list[User]
    approved: list[User] = field(default_factory=list)  # where the programme's attendance approves them


@dataclass(frozen=True)
class ApprovedTogether(Outcome):
    """The team approved the mentors who attended (each told by the approval itself)."""

    session: OrientationSession
    approved: list[User]


@dataclass(frozen=True)
class Invitee:
    """One line of a session's list: the mentor, their invitation and answer, whether they attended."""

    person: User
    attendance: OrientationAttendance


@dataclass(frozen=True)
class SessionSummary:
    """A session as the team sees it in /orientation: who was invited and what they answered."""

    session: OrientationSession
    invited: int
    going: int
    cannot: int
    attended: int

    @property
    def unanswered(self) -> int:
        return self.invited - self.going - self.cannot


@dataclass(frozen=True)
class Overview(Outcome):
    """/orientation for the team: sessions to come, sessions to record attendance for, mentors waiting."""

    viewer: User
    upcoming: list[SessionSummary]
    to_record: list[SessionSummary]
    awaiting: int


@dataclass(frozen=True)
class AttendanceSheet(Outcome):
    """The list of a session's invited mentors to tick who attended (`edit`: it replaces the shown list)."""

    session: OrientationSession
    viewer: User
    invitees: list[Invitee]
    edit: bool = False


# --- the rules ----------------------------------------------------------------------------------------


def may_run(programme: Programme) -> Decision:
    """Orientation sessions exist only where the programme requires orientation before approval."""
    if not programme.orientation_required:
        return no(
            _(
                "Orientation isn't needed in this programme: a new mentor's profile reaches students as soon as "
                "it is saved, without a session or an approval."
            )
        )
    return YES


def _staff_only(user: User) -> None:
    if not user.is_staff:
        raise Refusal(_("That command is for the career team only."))


def awaiting_orientation():  # type: ignore[no-untyped-def]
    """The query condition for a mentor awaiting orientation: their profile awaits approval, no orientation yet."""
    return (MentorProfile.status == "awaiting_approval") & MentorProfile.orientation_done.is_(False)


async def next_session(session: AsyncSession, now: dt.datetime) -> OrientationSession | None:
    """The next planned session still to come, if any."""
    return await session.scalar(
        select(OrientationSession)
        .where(OrientationSession.status == PLANNED, OrientationSession.starts_at > now)
        .order_by(OrientationSession.starts_at, OrientationSession.id)
        .limit(1)
    )


async def _session(session: AsyncSession, session_id: str | int) -> OrientationSession:
    not_found = _("I couldn't find that orientation session. /orientation shows the sessions.")
    found = await session.get(OrientationSession, id_in(session_id, not_found))
    if found is None or found.status == CANCELLED:
        raise Refusal(not_found)
    return found


async def plan(
    session: AsyncSession,
    by: User,
    *,
    starts_at: dt.datetime,
    minutes: int | None,
    place: str,
    about: str,
    now: dt.datetime,
    programme: Programme,
    settings: Settings,
) -> SessionPlanned:
    """Plan a session and invite every mentor awaiting orientation (each in their daytime, in their time zone)."""
    _staff_only(by)
    may_run(programme).or_refuse()
    meetings.may_plan_at(starts_at, now).or_refuse()
    minutes = DEFAULT_MINUTES if minutes is None else int(minutes)
    if not MIN_MINUTES <= minutes <= MAX_MINUTES:
        raise Refusal(
            fmt(_("Please give a length from {low} to {high} minutes, e.g. 60."), low=MIN_MINUTES, high=MAX_MINUTES)
        )
    place = place.strip()
    if not place:
        raise Refusal(_("Please say where it is: a room, e.g. 'Block C, room 3.14', or a video link."))
    planned = OrientationSession(
        starts_at=starts_at,
        minutes=minutes,
        place=place[:MAX_PLACE],
        about=about.strip()[:MAX_ABOUT],
        created_by=by.id,
        status=PLANNED,
        created_at=now,
    )
    session.add(planned)
    await session.flush()
    invited = await invite_missing(session, planned, now, programme, settings)
    return SessionPlanned(planned, by, invited)


def _invite_key(session_id: int, mentor_id: int) -> str:
    return f"orient:{session_id}:{mentor_id}"


async def invite_missing(
    session: AsyncSession, planned: OrientationSession, now: dt.datetime, programme: Programme, settings: Settings
) -> int:
    """Invite to this session every mentor awaiting orientation not invited to it yet, unless they are going
    to another session still to come; once each (a notice per session and mentor). Returns how many."""
    going_elsewhere = (
        select(OrientationAttendance.mentor_id)
        .join(OrientationSession, OrientationSession.id == OrientationAttendance.session_id)
        .where(
            OrientationAttendance.answer == GOING,
            OrientationSession.status == PLANNED,
            OrientationSession.starts_at > now,
            OrientationSession.id != planned.id,
        )
    )
    already = select(OrientationAttendance.mentor_id).where(OrientationAttendance.session_id == planned.id)
    mentor_ids = list(
        await session.scalars(
            select(MentorProfile.user_id)
            .where(
                awaiting_orientation(),
                MentorProfile.user_id.not_in(already),
                MentorProfile.user_id.not_in(going_elsewhere),
            )
            .order_by(MentorProfile.user_id)
        )
    )
    users = await users_by_id(session, set(mentor_ids))
    wanted: list[tuple[Claim, User, dt.datetime]] = []
    for user_id in mentor_ids:
        person = users.get(user_id)
        if person is None:
            continue
        when = next_daytime(now, zone_for(person, settings), programme)
        if when >= planned.starts_at:  # it would arrive too late to come
            continue
        claim = Claim(_invite_key(planned.id, user_id), INVITE, user_id=user_id, data={"session": planned.id})
        wanted.append((claim, person, when))
    taken = await taken_keys(session, [c.key for c, _p, _w in wanted])
    wanted = [w for w in wanted if w[0].key not in taken]
    won = await claim_many(session, now, [c for c, _p, _w in wanted])
    count = 0
    for claim, person, when in wanted:
        if claim.key not in won:
            continue
        attendance = OrientationAttendance(session_id=planned.id, mentor_id=person.id, attended=False)
        session.add(attendance)
        await session.flush()
        # Its own message in the mentor's daytime: an invitation to a set time is not held back for the day's news.
        queue_message(session, now, Invited(planned, attendance, person), user_id=person.id, not_before=when)
        count += 1
    return count


async def _invitation(
    session: AsyncSession, user: User, payload: str, now: dt.datetime
) -> tuple[OrientationAttendance, OrientationSession]:
    """The invitation a button names, only when it is this mentor's and the session is still to come."""
    not_yours = _("I couldn't find that invitation among yours. You'll be invited to the next session.")
    attendance = await session.get(OrientationAttendance, id_in(payload, not_yours))
    if attendance is None or attendance.mentor_id != user.id:
        raise Refusal(not_yours)
    planned = await session.get(OrientationSession, attendance.session_id)
    if planned is None or planned.status != PLANNED or planned.starts_at <= now:
        raise Refusal(
            _(
                "That session has started or is no longer planned, so there's nothing to answer. "
                "We'll invite you to the next one."
            )
        )
    return attendance, planned


async def answer(session: AsyncSession, user: User, payload: str, said: str, now: dt.datetime) -> Answered:
    """Going or Can't make it, from the mentor invited (a second press changes the answer)."""
    if said not in (GOING, CANNOT):
        raise Refusal(_("Please press Going or Can't make it."))
    attendance, planned = await _invitation(session, user, payload, now)
    attendance.answer, attendance.answered_at = said, now
    return Answered(planned, attendance, user)


async def overview(session: AsyncSession, by: User, now: dt.datetime, programme: Programme) -> Overview:
    """What /orientation shows the team: sessions to come (with the answers), recent ones to record, the count
    of mentors awaiting orientation."""
    _staff_only(by)
    may_run(programme).or_refuse()
    sessions = list(
        await session.scalars(
            select(OrientationSession)
            .where(OrientationSession.status == PLANNED, OrientationSession.starts_at > now - RECORD_WITHIN)
            .order_by(OrientationSession.starts_at, OrientationSession.id)
        )
    )
    summaries = [await _summary(session, s) for s in sessions]
    count = await session.scalar(select(func.count()).select_from(MentorProfile).where(awaiting_orientation()))
    return Overview(
        by,
        upcoming=[s for s in summaries if s.session.starts_at > now],
        to_record=[s for s in summaries if s.session.starts_at <= now],
        awaiting=int(count or 0),
    )


async def _summary(session: AsyncSession, planned: OrientationSession) -> SessionSummary:
    rows = list(
        await session.scalars(select(OrientationAttendance).where(OrientationAttendance.session_id == planned.id))
    )
    return SessionSummary(
        planned,
        invited=len(rows),
        going=sum(1 for r in rows if r.answer == GOING),
        cannot=sum(1 for r in rows if r.answer == CANNOT),
        attended=sum(1 for r in rows if r.attended),
    )


async def _started(session: AsyncSession, by: User, session_id: str | int, now: dt.datetime) -> OrientationSession:
    _staff_only(by)
    planned = await _session(session, session_id)
    if planned.starts_at > now:
        raise Refusal(_("That session hasn't started yet: attendance can be recorded once it has."))
    return planned


async def _invitees(session: AsyncSession, planned: OrientationSession) -> list[Invitee]:
    rows = await session.execute(
        select(User, OrientationAttendance)
        .join(OrientationAttendance, OrientationAttendance.mentor_id == User.id)
        .where(OrientationAttendance.session_id == planned.id)
        .order_by(User.name, User.id)
    )
    return [Invitee(r[0], r[1]) for r in rows]


async def sheet(session: AsyncSession, by: User, session_id: str | int, now: dt.datetime) -> AttendanceSheet:
    """The invited mentors of a session that has started, to tick who attended."""
    planned = await _started(session, by, session_id, now)
    return AttendanceSheet(planned, by, await _invitees(session, planned))


async def toggle(session: AsyncSession, by: User, attendance_id: str, now: dt.datetime) -> AttendanceSheet:
    """Tick or untick one mentor on the list (saved attendance stays as it is)."""
    _staff_only(by)
    not_found = _("I couldn't find that mentor on the list. /orientation shows the sessions.")
    attendance = await session.get(OrientationAttendance, id_in(attendance_id, not_found))
    if attendance is None:
        raise Refusal(not_found)
    planned = await _started(session, by, attendance.session_id, now)
    if attendance.recorded_at is None:
        attendance.attended = not attendance.attended
    else:
        person = await session.get(User, attendance.mentor_id)
        raise Refusal(
            fmt(_("{name}'s attendance is recorded already."), name=person.name if person else _("someone who left"))
        )
    return AttendanceSheet(planned, by, await _invitees(session, planned), edit=True)


async def _approvable(session: AsyncSession, planned: OrientationSession, programme: Programme) -> list[User]:
    """Mentors recorded as attending this session whose profile still awaits a decision and may be approved."""
    rows = await session.execute(
        select(User, MentorProfile)
        .join(OrientationAttendance, OrientationAttendance.mentor_id == User.id)
        .join(MentorProfile, MentorProfile.user_id == User.id)
        .where(
            OrientationAttendance.session_id == planned.id,
            OrientationAttendance.attended.is_(True),
            OrientationAttendance.recorded_at.is_not(None),
            MentorProfile.status.in_(WAITING_FOR_DECISION),
        )
        .order_by(User.name, User.id)
    )
    return [user for user, profile in rows if not staff.needs_orientation(profile, programme)]


async def save_attendance(
    session: AsyncSession, by: User, session_id: str, now: dt.datetime, programme: Programme
) -> AttendanceSaved:
    """Record the ticked mentors as having attended: their orientation is done (in the audit log, once each),
    each is told, and the session is held. Returns who was recorded and who can be approved now."""
    planned = await _started(session, by, session_id, now)
    may_run(programme).or_refuse()
    ticked = [
        i for i in await _invitees(session, planned) if i.attendance.attended and i.attendance.recorded_at is None
    ]
    recorded: list[User] = []
    for invitee in ticked:
        # One statement decides: two colleagues saving at once record each mentor once.
        won = await session.execute(
            update(OrientationAttendance)
            .where(OrientationAttendance.id == invitee.attendance.id, OrientationAttendance.recorded_at.is_(None))
            .values(recorded_at=now)
            .execution_options(synchronize_session=False)
        )
        if won.rowcount == 0:  # type: ignore[attr-defined]
            continue
        invitee.attendance.recorded_at = now
        profile = await session.get(MentorProfile, invitee.person.id)
        if profile is not None and not profile.orientation_done:
            profile.orientation_done = True
            await audit.record(session, by, "orientation", now, subject=invitee.person)
        recorded.append(invitee.person)
    planned.status = HELD
    await session.flush()
    approvable = await _approvable(session, planned, programme)
    if programme.orientation_approves:
        # Attending is the decision here: each is approved through the one approval (its message, its audit).
        approved = [await staff.approve(session, p.id, now=now, programme=programme, by=by) for p in approvable]
        return AttendanceSaved(planned, by, recorded, [], approved)
    ready = {user.id for user in approvable}
    for person in recorded:
        queue_message(session, now, AttendanceRecorded(planned, person, person.id in ready), user_id=person.id)
    return AttendanceSaved(planned, by, recorded, approvable)


async def approve_attended(
    session: AsyncSession, by: User, session_id: str, now: dt.datetime, programme: Programme
) -> ApprovedTogether:
    """Approve every mentor who attended this session and still awaits a decision, each through the one
    approval (its rules, its message to the mentor, its audit line)."""
    _staff_only(by)
    planned = await _session(session, session_id)
    approved = []
    for person in await _approvable(session, planned, programme):
        approved.append(await staff.approve(session, person.id, now=now, programme=programme, by=by))
    if not approved:
        raise Refusal(_("Everyone who attended has been decided on already. /pending shows who is waiting."))
    return ApprovedTogether(planned, approved)


async def attended_session(session: AsyncSession, mentor_id: int) -> OrientationSession | None:
    """The session at which a mentor's attendance was recorded (the latest), if any: for a /pending card."""
    return await session.scalar(
        select(OrientationSession)
        .join(OrientationAttendance, OrientationAttendance.session_id == OrientationSession.id)
        .where(
            OrientationAttendance.mentor_id == mentor_id,
            OrientationAttendance.attended.is_(True),
            OrientationAttendance.recorded_at.is_not(None),
        )
        .order_by(OrientationSession.starts_at.desc())
        .limit(1)
    )


# --- scheduled: invitations for mentors who joined later, the reminder the day before -------------------


def reminder_due(planned: OrientationSession, person: User, programme: Programme, settings: Settings) -> dt.datetime:
    """When a mentor going is reminded: the start of their daytime on the day before, on their own clock."""
    zone = zone_for(person, settings)
    return daytime_start_on(local_day(planned.starts_at, zone) - REMIND_BEFORE, zone, programme)


def _reminder_key(planned: OrientationSession, user_id: int) -> str:
    return f"orientrem:{planned.id}:{planned.starts_at:%Y%m%d%H%M}:{user_id}"


@sweep("orientation", order=58)
async def sweep_orientation(
    session: AsyncSession, now: dt.datetime, programme: Programme, settings: Settings
) -> list[Any]:
    """Sessions to come: mentors awaiting orientation who weren't invited yet are invited, once; those going
    are reminded the day before, once, in their daytime (unless they said yes after that moment)."""
    if not programme.orientation_required:
        return []
    planned = list(
        await session.scalars(
            select(OrientationSession)
            .where(OrientationSession.status == PLANNED, OrientationSession.starts_at > now)
            .order_by(OrientationSession.starts_at, OrientationSession.id)
        )
    )
    for upcoming in planned:
        await invite_missing(session, upcoming, now, programme, settings)
    soon = {s.id: s for s in planned if s.starts_at <= now + 2 * REMIND_BEFORE}
    if not soon:
        return []
    going = list(
        await session.scalars(
            select(OrientationAttendance)
            .join(MentorProfile, MentorProfile.user_id == OrientationAttendance.mentor_id)
            .where(
                OrientationAttendance.session_id.in_(sorted(soon)),
                OrientationAttendance.answer == GOING,
                MentorProfile.orientation_done.is_(False),
            )
            .order_by(OrientationAttendance.id)
        )
    )
    users = await users_by_id(session, {a.mentor_id for a in going})
    wanted: list[tuple[Claim, Reminder, User]] = []
    for attendance in going:
        person, upcoming = users.get(attendance.mentor_id), soon[attendance.session_id]
        if person is None or person.reminders_paused:
            continue
        due = reminder_due(upcoming, person, programme, settings)
        if now < due or (attendance.answered_at is not None and attendance.answered_at >= due):
            continue
        claim = Claim(_reminder_key(upcoming, person.id), REMINDER, user_id=person.id)
        wanted.append((claim, Reminder(upcoming, attendance, person), person))
    taken = await taken_keys(session, [c.key for c, _r, _p in wanted])
    wanted = [w for w in wanted if w[0].key not in taken]
    won = await claim_many(session, now, [c for c, _r, _p in wanted])
    for claim, reminder, person in wanted:
        when = next_daytime(now, zone_for(person, settings), programme)
        if claim.key in won and when < reminder.session.starts_at:
            queue_message(session, now, reminder, user_id=person.id, not_before=when)
    return []


# --- this capability's part of a person's copy of their data --------------------------------------------


@export("orientation", covers=(OrientationAttendance, OrientationSession))
async def _export(session: AsyncSession, user: User, now: dt.datetime) -> dict[str, Any]:
    """The mentor's invitations (each with its session) and attendance; for the team, the sessions they planned."""
    rows = await session.execute(
        select(OrientationAttendance, OrientationSession)
        .join(OrientationSession, OrientationSession.id == OrientationAttendance.session_id)
        .where(OrientationAttendance.mentor_id == user.id)
        .order_by(OrientationSession.starts_at)
    )
    invitations = [
        {**row(attendance, skip=("id", "mentor_id")), "session": row(planned, skip=("created_by",))}
        for attendance, planned in rows
    ]
    planned_by = await session.scalars(
        select(OrientationSession).where(OrientationSession.created_by == user.id).order_by(OrientationSession.id)
    )
    return {"invitations": invitations, "sessions_planned": [row(s) for s in planned_by]}
