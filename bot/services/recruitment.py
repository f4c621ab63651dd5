"""Recruitment windows: a programme may take on new mentors only in some months (`recruitment_months`).

A mentor who completes the profile outside them is kept on the waiting list (status "waiting", decided by
bot.services.profiles when the profile is saved). From the first day of each recruitment month, in their
daytime, every mentor on the list is invited once (a notice per mentor and window): "Yes, count me in" takes
them on (to the career team's approval, or straight to students where no orientation is required) and the
career team is told; "Not this time" keeps them on the list for the next window, quietly.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import String, cast, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.core import notices
from bot.core.context import queue_message
from bot.core.daytime import zone_for
from bot.core.errors import Refusal
from bot.core.notices import Note, batch, claim, users_by_id
from bot.core.outcomes import Outcome
from bot.core.registry import sweep
from bot.i18n import _, month_text
from bot.programme import Programme
from bot.services import profiles
from bot.services.nudges import answer, notice_for
from storage.models import MentorProfile, Notice, User

RECRUIT_INVITE = "recruit_invite"


@dataclass(frozen=True)
class RecruitmentInvite(Outcome):
    """To a mentor on the waiting list: recruitment is open (`month`); will they join now? (notice `notice_id`)"""

    notice_id: int
    person: User
    month: str


@dataclass(frozen=True)
class JoinedFromWaitingList(Outcome):
    """Told to the mentor who said yes: `approved` when students see them now, else the career team approves."""

    person: User
    approved: bool


@dataclass(frozen=True)
class WaitingMentorJoined(Outcome):
    """Told to the career team: a mentor from the waiting list said yes (`approved`: no approval is needed)."""

    person: User
    profile: MentorProfile
    approved: bool


@dataclass(frozen=True)
class StaysOnWaitingList(Outcome):
    """Told to the mentor who said "not this time": they stay on the list and are asked again in `month`."""

    person: User
    month: str


def _month_name(day: dt.date | None) -> str:
    return month_text(day) if day is not None else ""


def window_key(day: dt.date) -> str:
    """A recruitment window is its month: '2026-08'."""
    return f"{day.year}-{day.month:02d}"


@sweep("recruitment", order=55)
async def sweep_recruitment(
    session: AsyncSession, now: dt.datetime, programme: Programme, settings: Settings
) -> list[Note]:
    """In a recruitment month (from its first day), each mentor on the waiting list is invited once."""
    zone = zone_for(None, settings)
    if not programme.recruitment_months or not profiles.recruiting_now(now, programme, zone):
        return []
    window = window_key(now.astimezone(zone).date())
    invited = select(Notice.id).where(
        Notice.key == literal("recruit:") + cast(MentorProfile.user_id, String) + literal(f":{window}")
    )
    waiting = list(
        await session.scalars(
            select(MentorProfile)
            .where(MentorProfile.status == profiles.WAITING, ~invited.exists())
            .order_by(MentorProfile.user_id)
            .limit(notices.BATCH + 1)
        )
    )
    more, waiting = len(waiting) > notices.BATCH, waiting[: notices.BATCH]
    users = await users_by_id(session, {p.user_id for p in waiting})
    month = month_text(now.astimezone(zone))
    notes = []
    for user_id, person in sorted(users.items()):
        key = f"recruit:{user_id}:{window}"
        notice_id = await claim(session, key, RECRUIT_INVITE, now, user_id=user_id, data={"window": window})
        if notice_id is not None:
            notes.append(Note(user_id, outcome=RecruitmentInvite(notice_id, person, month)))
    return batch(notes, more)


async def _invited(session: AsyncSession, user: User, payload: str) -> tuple[Notice, MentorProfile]:
    """The invitation a button names, to this mentor, while they are still on the waiting list."""
    notice = await notice_for(session, user, payload, RECRUIT_INVITE)
    profile = await session.get(MentorProfile, user.id)
    if profile is None:
        raise Refusal(_("Only mentors are on the waiting list. /profile shows yours."))
    if profile.status != profiles.WAITING:
        raise Refusal(
            _("You're no longer on the waiting list, so there's nothing to answer. /profile shows where you are.")
        )
    return notice, profile


async def join_now(
    session: AsyncSession, user: User, payload: str, now: dt.datetime, programme: Programme
) -> JoinedFromWaitingList:
    """'Yes, count me in': off the waiting list, to the career team's approval (or straight to students where
    the programme requires no orientation); the career team is told."""
    notice, profile = await _invited(session, user, payload)
    profile.status = profiles.taken_on_status(programme)
    if profile.status == "approved":
        profile.approved_at = now
    profile.updated_at = now
    profile.confirmed_at = now  # just looked at and said yes to: not asked again this year whether it holds
    answer(notice, "yes", now)
    approved = profile.status == "approved"
    queue_message(session, now, WaitingMentorJoined(user, profile, approved), to_staff=True)
    return JoinedFromWaitingList(user, approved)


async def not_this_time(
    session: AsyncSession, user: User, payload: str, now: dt.datetime, programme: Programme, settings: Settings
) -> StaysOnWaitingList:
    """'Not this time': they stay on the waiting list and are invited again when the next window opens."""
    notice, _profile = await _invited(session, user, payload)
    answer(notice, "not now", now)
    zone = zone_for(None, settings)
    return StaysOnWaitingList(user, _month_name(profiles.next_recruitment(now, programme, zone)))
