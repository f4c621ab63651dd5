"""Profiles of mentors (alumni) and mentees (students): saving, pausing, approval status."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.datacopy import row
from bot.core.errors import Refusal
from bot.core.registry import registry
from bot.i18n import _
from bot.programme import Programme
from storage.models import MenteeProfile, MentorProfile, User

MENTOR_FIELDS = (
    "programme_of_study",
    "graduation_year",
    "current_role",
    "employer",
    "industry",
    "country",
    "job_history",
    "key_successes",
    "moving_experience",
    "areas",
    "languages",
    "contact_method",
    "capacity",
)
MENTEE_FIELDS = ("programme_of_study", "year_of_study", "goals", "areas", "industries", "languages", "country")


async def load_user(session: AsyncSession, user_id: int) -> User:
    user = await session.get(User, user_id)
    if user is None:
        raise Refusal(_("I couldn't find that person; they may have left the programme."))
    return user


async def mentor_profile(session: AsyncSession, user: User) -> MentorProfile | None:
    return await session.get(MentorProfile, user.id)


async def mentee_profile(session: AsyncSession, user: User) -> MenteeProfile | None:
    return await session.get(MenteeProfile, user.id)


async def save_mentor(
    session: AsyncSession, user: User, answers: dict[str, Any], now: dt.datetime, *, programme: Programme
) -> tuple[MentorProfile, bool]:
    """Create or update the mentor profile; returns (profile, created).

    New profiles await the career team's approval (after the orientation) when the programme requires it;
    otherwise they are visible at once. A new profile takes the programme's default number of mentees
    until the mentor says otherwise."""
    if user.role not in (None, "alumnus"):
        raise Refusal(_("Your profile is a student profile, so it can't become a mentor profile."))
    profile = await session.get(MentorProfile, user.id)
    created = profile is None
    if profile is None:
        profile = MentorProfile(
            user_id=user.id,
            status="awaiting_approval",
            active=True,
            active_mentees=0,
            capacity=programme.default_mentor_capacity,
        )
        if not programme.orientation_required:
            profile.status, profile.approved_at = "approved", now
        session.add(profile)
    user.role = "alumnus"
    user.name = answers.get("name", user.name)
    user.contact_details = answers.get("contact_details", user.contact_details) or ""
    for name in MENTOR_FIELDS:
        if name in answers:
            value = answers[name]
            if name == "capacity":
                value = int(value)
            setattr(profile, name, value if value is not None else _empty_for(name))
    if profile.capacity is None:
        profile.capacity = programme.default_mentor_capacity
    if profile.status == "rejected":
        # The reason was usually "add this or that": an edited profile goes back for another look.
        profile.status = "awaiting_approval"
    profile.confirmed_at = now
    profile.updated_at = now
    await session.flush()
    return profile, created


async def save_mentee(
    session: AsyncSession, user: User, answers: dict[str, Any], now: dt.datetime
) -> tuple[MenteeProfile, bool]:
    if user.role not in (None, "student"):
        raise Refusal(_("Your profile is a mentor profile, so it can't become a student profile."))
    profile = await session.get(MenteeProfile, user.id)
    created = profile is None
    if profile is None:
        profile = MenteeProfile(user_id=user.id)
        session.add(profile)
    user.role = "student"
    user.name = answers.get("name", user.name)
    user.contact_details = answers.get("contact_details", user.contact_details) or ""
    for name in MENTEE_FIELDS:
        if name in answers:
            value = answers[name]
            setattr(profile, name, value if value is not None else _empty_for(name))
    profile.updated_at = now
    await session.flush()
    return profile, created


def _empty_for(name: str) -> Any:
    if name in ("areas", "languages", "industries"):
        return []
    if name in ("graduation_year", "year_of_study"):
        return None
    return ""


async def set_mentor_active(session: AsyncSession, user: User, active: bool, now: dt.datetime) -> MentorProfile:
    profile = await session.get(MentorProfile, user.id)
    if profile is None:
        raise Refusal(_("Only mentors have a profile to pause. /profile shows yours."))
    profile.active = active
    profile.updated_at = now
    if active:
        profile.confirmed_at = now
    return profile


# --- this capability's part of a person's copy of their data ----------------------------------


@registry.export("mentor_profile", covers=(MentorProfile,))
async def _mentor_profile(session: AsyncSession, user: User, now: dt.datetime) -> dict[str, Any] | None:
    profile = await session.get(MentorProfile, user.id)
    return row(profile) if profile else None


@registry.export("student_profile", covers=(MenteeProfile,))
async def _student_profile(session: AsyncSession, user: User, now: dt.datetime) -> dict[str, Any] | None:
    profile = await session.get(MenteeProfile, user.id)
    return row(profile) if profile else None
