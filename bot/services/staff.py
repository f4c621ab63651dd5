"""The career team's basics: approving or rejecting new mentors, and the programme's numbers.

The mentor hears the decision as an outcome (`MentorApproved`, `MentorRejected`), worded by bot.handlers.staff.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
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
from bot.services import audit
from bot.services.cases import OFFICE_REQUEST
from bot.services.profiles import WAITING
from storage.models import ContactLog, MenteeProfile, MentorProfile, Pair, Report, User

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


@dataclass(frozen=True)
class Stats:
    mentors_by_status: dict[str, int]
    mentors_paused: int
    students: int
    pairs_by_status: dict[str, int]
    contacts_this_month: int
    open_reports: int  # problems people reported and the cases the bot filed
    open_requests: int = 0  # requests to the office (an individual interview ...), counted apart


async def stats(session: AsyncSession, now: dt.datetime, zone: ZoneInfo) -> Stats:
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
    return Stats(
        mentors_by_status={k: int(v) for k, v in by_status.items()},
        mentors_paused=int(paused or 0),
        students=int(students or 0),
        pairs_by_status={k: int(v) for k, v in pairs.items()},
        contacts_this_month=int(contacts or 0),
        open_reports=int(reports or 0),
        open_requests=int(office_requests or 0),
    )
