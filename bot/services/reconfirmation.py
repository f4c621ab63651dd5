"""Once a year mentors confirm their profile is up to date; one left unanswered is paused (hidden) until they resume."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import String, cast, literal, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.core import notices
from bot.core.errors import Refusal
from bot.core.notices import (
    Note,
    batch,
    claim,
    unanswered_for,
    users_by_id,
)
from bot.core.outcomes import Outcome
from bot.core.registry import sweep
from bot.i18n import _
from bot.programme import Programme
from bot.services import profiles
from bot.services.nudges import answer, notice_for
from storage.models import MentorProfile, Notice, User

RECONFIRM, RECONFIRM_PAUSE = "reconfirm", "reconfirm_pause"


@dataclass(frozen=True)
class ReconfirmationAsked(Outcome):
    """This year's question to `person`: is your profile still up to date? (answered with notice `notice_id`)"""

    notice_id: int
    person: User


@dataclass(frozen=True)
class ProfileHidden(Outcome):
    """`person` left the question unanswered for `reconfirmation_grace_days`: their profile is hidden."""

    person: User


@dataclass(frozen=True)
class ProfileConfirmed(Outcome):
    """The mentor confirmed their profile; `active` says whether students see it (else /resume shows it)."""

    active: bool


def reconfirmation_start(now: dt.datetime, programme: Programme) -> dt.datetime | None:
    """The start of this year's reconfirmation month (the latest one not after `now`)."""
    month = programme.reconfirmation_month
    if month is None:
        return None
    year = now.year if now.month >= month else now.year - 1
    return dt.datetime(year, month, 1, tzinfo=dt.UTC)


@sweep("reconfirmation", order=60)
async def sweep_reconfirmation(
    session: AsyncSession, now: dt.datetime, programme: Programme, settings: Settings
) -> list[Note]:
    """Every reconfirmation month, active mentors not confirmed since its start are asked once."""
    start = reconfirmation_start(now, programme)
    if start is None or now >= start + dt.timedelta(days=programme.reconfirmation_grace_days):
        return []  # outside this year's window: asking late would only lead to a pause without notice
    asked = select(Notice.id).where(
        Notice.key == literal("reconf:") + cast(MentorProfile.user_id, String) + literal(f":{start.year}")
    )
    profiles = list(
        await session.scalars(
            select(MentorProfile)
            .where(
                MentorProfile.active.is_(True),
                (MentorProfile.confirmed_at < start) | MentorProfile.confirmed_at.is_(None),
                MentorProfile.status == "approved",
                ~asked.exists(),  # not asked yet this year: the scan skips the ones waiting for an answer
            )
            .order_by(MentorProfile.user_id)
            .limit(notices.BATCH + 1)
        )
    )
    more, profiles = len(profiles) > notices.BATCH, profiles[: notices.BATCH]
    users = await users_by_id(session, {p.user_id for p in profiles})
    notes = []
    for user_id, person in sorted(users.items()):
        key, data = f"reconf:{user_id}:{start.year}", {"year": start.year}
        notice_id = await claim(session, key, RECONFIRM, now, user_id=user_id, data=data)
        if notice_id is None:
            continue
        if person.reminders_paused:
            # Not asked, so never paused for silence; recorded so the next run moves on.
            await session.execute(update(Notice).where(Notice.id == notice_id).values(answer="quiet", answered_at=now))
            continue
        notes.append(Note(user_id, outcome=ReconfirmationAsked(notice_id, person)))
    return batch(notes, more)


@sweep("reconfirmation_pause", order=70)
async def sweep_reconfirmation_pause(
    session: AsyncSession, now: dt.datetime, programme: Programme, settings: Settings
) -> list[Note]:
    """Mentors who left the yearly question unanswered for the grace period are paused and told how to resume."""
    grace = dt.timedelta(days=programme.reconfirmation_grace_days)
    asks = await unanswered_for(session, RECONFIRM, grace, "reconfirmation_pause", now)
    notes = []
    for ask in asks:
        profile = await session.get(MentorProfile, ask.user_id)
        confirmed = profile is not None and profile.confirmed_at is not None and profile.confirmed_at >= ask.created_at
        ask.answer, ask.answered_at = ("confirmed" if confirmed else "paused"), now
        if profile is None or confirmed or not profile.active:
            continue
        if await claim(session, f"reconf_pause:{ask.id}", RECONFIRM_PAUSE, now, user_id=ask.user_id) is None:
            continue
        person = await session.get(User, profile.user_id)
        assert person is not None  # a profile goes with its person
        await profiles.set_mentor_active(session, person, False, now)
        notes.append(Note(person.id, outcome=ProfileHidden(person)))
    return notes


# --- the answers -------------------------------------------------------------------------------------------


async def _profile_asked(session: AsyncSession, user: User, payload: str) -> tuple[Notice, MentorProfile]:
    notice = await notice_for(session, user, payload, RECONFIRM)
    profile = await session.get(MentorProfile, user.id)
    if profile is None:
        raise Refusal(_("Only mentors have a profile to confirm. /profile shows yours."))
    return notice, profile


async def confirm_profile(session: AsyncSession, user: User, payload: str, now: dt.datetime) -> ProfileConfirmed:
    """'Still up to date': confirmed as of now (a hidden profile stays hidden until /resume)."""
    notice, profile = await _profile_asked(session, user, payload)
    profile.confirmed_at = now
    answer(notice, "confirmed", now)
    return ProfileConfirmed(profile.active)


async def profile_to_edit(session: AsyncSession, user: User, payload: str) -> MentorProfile:
    """'Edit my profile': the profile the question was about. Saving it confirms it (its confirmed_at moves),
    which the pause sweep reads."""
    _notice, profile = await _profile_asked(session, user, payload)
    return profile
