"""Profiles of mentors (alumni) and mentees (students): saving, pausing, approval status.

Who may take part as a mentee is one policy (`may_join_as_mentee`, from the programme's eligibility), and so
is whether a new mentor is taken on now or kept on the waiting list until the next recruitment month
(`recruiting_now`)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.datacopy import row
from bot.core.errors import Refusal
from bot.core.markup import esc, fmt
from bot.core.policy import YES, Decision, no
from bot.core.registry import registry
from bot.i18n import _, ngettext
from bot.programme import Programme
from storage.models import MenteeProfile, MentorProfile, User
from storage.reads import keep, once

# A mentor taken on outside the programme's recruitment months waits here until the next one opens.
WAITING = "waiting"

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


def years_text(years: list[int]) -> str:
    """'year 3', 'years 3 and 5', 'years 1, 2 and 3'."""
    numbers = [str(year) for year in sorted(years)]
    joined = (
        numbers[0] if len(numbers) == 1 else fmt(_("{most} and {last}"), most=", ".join(numbers[:-1]), last=numbers[-1])
    )
    return ngettext("year {years}", "years {years}", len(numbers)).format(years=joined)


def may_join_as_mentee(year_of_study: int | None, programme: Programme) -> Decision:
    """May a student in this year of study take part as a mentee? The programme's eligibility names the years
    (none named: every year). A no carries the programme's own words for the student, or, when it has none,
    a plain sentence naming the years that may join."""
    eligibility = programme.mentee_eligibility
    if not eligibility.years_of_study or year_of_study in eligibility.years_of_study:
        return YES
    if eligibility.turned_away.strip():
        return no(esc(eligibility.turned_away.strip()))
    return no(
        fmt(
            _("This programme is for students in {years}, so you can't join it now. /report reaches {office}."),
            years=years_text(eligibility.years_of_study),
            office=programme.office,
        )
    )


async def may_take_part_as_mentee(session: AsyncSession, user: User, programme: Programme) -> Decision:
    """May this student browse mentors, ask one or be matched? A saved student profile, in a year the
    programme takes (a profile whose year isn't known, made before the programme named years, is let be)."""
    profile = await mentee_profile_of(session, user.id) if user.role == "student" else None
    if profile is None:
        return no(_("Let's finish your student profile first: /profile sets it up."))
    if profile.year_of_study is None:
        return YES
    return may_join_as_mentee(profile.year_of_study, programme)


async def mentee_profile_of(session: AsyncSession, user_id: int) -> MenteeProfile | None:
    """A student's profile, read once per transaction until it writes (storage.reads): the identity map
    alone would forget it between two policies that each ask."""
    return await once(session, _mentee_profile_key(user_id), lambda: session.get(MenteeProfile, user_id))


def keep_mentee_profile(session: AsyncSession, user_id: int, profile: MenteeProfile | None) -> None:
    """This transaction has just read the student's profile (None: they have none) as part of a larger read:
    `mentee_profile_of` gives it (storage.reads.keep)."""
    keep(session, _mentee_profile_key(user_id), profile)


def _mentee_profile_key(user_id: int) -> tuple[str, int]:
    return ("mentee_profile", user_id)


async def current_mentor_profile(session: AsyncSession, mentor_id: int) -> MentorProfile | None:
    """A mentor's profile as the database holds it now (read afresh, never the identity map's copy), once
    per transaction until it writes (storage.reads): a card reads it with the mentor and says so
    (`read_mentor_profile`), and the request policy then asks for it again."""
    return await once(
        session, ("mentor_profile", mentor_id), lambda: session.get(MentorProfile, mentor_id, populate_existing=True)
    )


def read_mentor_profile(session: AsyncSession, profile: MentorProfile) -> None:
    """This transaction has just read `profile` afresh (populate_existing): `current_mentor_profile` gives it."""
    keep(session, ("mentor_profile", profile.user_id), profile)


def turn_away(user: User) -> None:
    """A student outside the programme's years: nothing of theirs is kept as a mentee profile, but they are
    known as a student, so /profile lets them try again later."""
    if user.role is None:
        user.role = "student"


def recruiting_now(now: dt.datetime, programme: Programme, zone: dt.tzinfo | None = None) -> bool:
    """Is this a month new mentors are taken on in (the programme's recruitment months; none named: all year)?"""
    return programme.recruiting(now.astimezone(zone or dt.UTC).month)


def next_recruitment(now: dt.datetime, programme: Programme, zone: dt.tzinfo | None = None) -> dt.date | None:
    """The first day of the next recruitment month after this one (None when the programme recruits all year)."""
    if not programme.recruitment_months:
        return None
    here = now.astimezone(zone or dt.UTC).date()
    for ahead in range(1, 13):
        index = here.month - 1 + ahead
        year, month = here.year + index // 12, index % 12 + 1
        if month in programme.recruitment_months:
            return dt.date(year, month, 1)
    return None  # unreachable: some month of the next twelve is a recruitment month


def taken_on_status(programme: Programme) -> str:
    """Where a mentor taken on goes: to the career team's approval, or straight to students when the programme
    requires no orientation."""
    return "awaiting_approval" if programme.orientation_required else "approved"


async def save_mentor(
    session: AsyncSession,
    user: User,
    answers: dict[str, Any],
    now: dt.datetime,
    *,
    programme: Programme,
    zone: dt.tzinfo | None = None,
) -> tuple[MentorProfile, bool]:
    """Create or update the mentor profile; returns (profile, created).

    New profiles await the career team's approval (after the orientation) when the programme requires it;
    otherwise they are visible at once. Outside the programme's recruitment months (in `zone`, the programme's
    time zone) a new profile goes on the waiting list instead, until the next recruitment month invites it.
    A new profile takes the programme's default number of mentees until the mentor says otherwise."""
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
        if not recruiting_now(now, programme, zone):
            profile.status = WAITING
        elif not programme.orientation_required:
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
    if "extra" in answers:
        profile.extra = dict(answers["extra"] or {})
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
    session: AsyncSession, user: User, answers: dict[str, Any], now: dt.datetime, *, programme: Programme
) -> tuple[MenteeProfile, bool]:
    """Create or update the student profile; returns (profile, created). A year of study the programme does
    not take is refused with its words (`may_join_as_mentee`), and nothing is saved."""
    if user.role not in (None, "student"):
        raise Refusal(_("Your profile is a mentor profile, so it can't become a student profile."))
    if "year_of_study" in answers:
        may_join_as_mentee(answers["year_of_study"], programme).or_refuse()
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
    if "extra" in answers:
        profile.extra = dict(answers["extra"] or {})
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


_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]{2,}")
_HANDLE = re.compile(r"@\w{3,64}")
MIN_PHONE_DIGITS = 7


def contact_problem(value: object) -> str | None:
    """Why these contact details could not reach anyone (None when they hold an e-mail address, a phone
    number or a @handle, with any words around them): a match who can't write to the other is stuck."""
    text = str(value or "").strip()
    tokens = [token.strip(",;:()<>\"'") for token in text.split()]
    for token in tokens:
        if "@" in token[1:] and not _EMAIL.fullmatch(token.rstrip(".")):
            return fmt(
                _("'{text}' doesn't look like an e-mail address: please check it, e.g. name@example.com."), text=token
            )
    if any(_EMAIL.fullmatch(t.rstrip(".")) or _HANDLE.fullmatch(t) for t in tokens):
        return None
    if len(re.sub(r"\D", "", text)) >= MIN_PHONE_DIGITS:
        return None
    return _(
        "Please write an e-mail address or a phone number (or a @handle), e.g. name@example.com or +7 701 123 4567."
    )
