"""A mentor's capacity: never more active mentees than their limit, even when two accepts race.

"Has this mentor a free place" is one rule, `has_free_place`, and the same rule as a WHERE clause,
`with_free_place`, for the queries that list or claim places. The enforcement is one conditional UPDATE on
the mentor's row under that clause (`claim_slot`), run inside the transaction that creates the pair: atomic
on PostgreSQL (row lock, condition re-checked) and on SQLite (writers serialised by BEGIN IMMEDIATE). Every
place that opens or closes a relationship goes through here; the other callers ask the rule first only to
say "no" kindly before anything is written.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.markup import fmt
from bot.core.policy import YES, Decision, no
from bot.i18n import _
from storage.models import MentorProfile, User


def free_places(profile: MentorProfile) -> int:
    """How many more mentees this mentor can take now (never below zero)."""
    return max(profile.capacity - profile.active_mentees, 0)


def has_free_place(profile: MentorProfile, mentor: User) -> Decision:
    """Yes while the mentor has fewer active mentees than their limit. The reason is worded for a student
    who would like to ask them; a caller speaking to the mentor about themself says it in its own words."""
    if free_places(profile) > 0:
        return YES
    return no(fmt(_("{name} has no free place right now. /mentors shows who you can ask."), name=mentor.first_name))


def with_free_place() -> ColumnElement[bool]:
    """`has_free_place` as a condition on mentor_profiles rows."""
    return MentorProfile.active_mentees < MentorProfile.capacity


async def claim_slot(session: AsyncSession, mentor_id: int) -> bool:
    """Take one place in the mentor's capacity; False when they are full (nothing changed)."""
    result = await session.execute(
        update(MentorProfile)
        .where(MentorProfile.user_id == mentor_id, with_free_place())
        .values(active_mentees=MentorProfile.active_mentees + 1)
        .execution_options(synchronize_session="fetch")
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def release_slot(session: AsyncSession, mentor_id: int) -> None:
    """Give a place back when a relationship ends (never below zero)."""
    await session.execute(
        update(MentorProfile)
        .where(MentorProfile.user_id == mentor_id, MentorProfile.active_mentees > 0)
        .values(active_mentees=MentorProfile.active_mentees - 1)
        .execution_options(synchronize_session="fetch")
    )
