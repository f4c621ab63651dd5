"""A mentor's capacity: never more active mentees than their limit, even when two accepts race.

The rule is one conditional UPDATE on the mentor's row (active_mentees < capacity), run inside the
transaction that creates the pair: atomic on PostgreSQL (row lock, condition re-checked) and on SQLite
(writers serialised by BEGIN IMMEDIATE). Every place that opens or closes a relationship goes through here.
"""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import MentorProfile


async def claim_slot(session: AsyncSession, mentor_id: int) -> bool:
    """Take one place in the mentor's capacity; False when they are full (nothing changed)."""
    result = await session.execute(
        update(MentorProfile)
        .where(MentorProfile.user_id == mentor_id, MentorProfile.active_mentees < MentorProfile.capacity)
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


async def has_room(session: AsyncSession, mentor_id: int) -> bool:
    profile = await session.get(MentorProfile, mentor_id, populate_existing=True)
    return profile is not None and profile.active_mentees < profile.capacity
