"""Test data for the later stages of a mentorship: people with profiles and an open pair, made directly
in the database (the earlier stages have their own tests)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from bot.core.app import Core
from storage.models import Identity, MenteeProfile, MentorProfile, Pair, User

START = dt.datetime(2026, 1, 12, 10, 0, tzinfo=dt.UTC)


@dataclass
class PairIds:
    pair: int
    mentor: int
    mentee: int


async def add_person(
    core: Core,
    handle: str,
    name: str,
    role: str | None,
    *,
    status: str = "approved",
    orientation: bool = True,
    capacity: int = 2,
    contact: str = "",
) -> int:
    """A person known to the console platform as `handle` (so a harness Person can talk as them)."""
    async with core.sessions() as session, session.begin():
        user = User(name=name, role=role, created_at=START, contact_details=contact or f"{handle}@example.com")
        session.add(user)
        await session.flush()
        session.add(Identity(user_id=user.id, platform="console", external_id=handle, chat_id=handle, created_at=START))
        if role == "alumnus":
            session.add(
                MentorProfile(
                    user_id=user.id,
                    current_role="Product manager",
                    employer="Kaspi.kz",
                    industry="Software and IT",
                    country="Kazakhstan",
                    areas=["jobs", "jobs.cv"],
                    languages=["English"],
                    capacity=capacity,
                    active_mentees=0,
                    status=status,
                    orientation_done=orientation,
                    updated_at=START,
                )
            )
        elif role == "student":
            session.add(
                MenteeProfile(
                    user_id=user.id,
                    programme_of_study="BSc Computer Science",
                    year_of_study=3,
                    areas=["jobs", "jobs.cv"],
                    industries=["Software and IT"],
                    languages=["English"],
                    updated_at=START,
                )
            )
        return user.id


async def add_staff(core: Core, handle: str = "sam", name: str = "Sam Career-Office") -> int:
    """A member of the career team, as STAFF_IDS makes them (console:sam is named in the tests' settings)."""
    user_id = await add_person(core, handle, name, None)
    async with core.sessions() as session, session.begin():
        user = await session.get(User, user_id)
        assert user is not None
        user.is_staff, user.staff_source = True, "settings"
    return user_id


async def add_pair(core: Core, mentor_id: int, mentee_id: int, *, status: str = "active") -> int:
    """An open mentorship holding one of the mentor's places, as the matching side leaves it."""
    async with core.sessions() as session, session.begin():
        pair = Pair(
            mentor_id=mentor_id,
            mentee_id=mentee_id,
            status=status,
            goals="Find a first job in software",
            contact_method="video",
            created_at=START,
            started_at=START if status == "active" else None,
        )
        session.add(pair)
        profile = await session.get(MentorProfile, mentor_id)
        assert profile is not None
        profile.active_mentees += 1
        await session.flush()
        return pair.id


async def zhanna_and_alex(core: Core) -> PairIds:
    """Zhanna Abenova (mentor, console 'zhanna') and Alex Kim (student, console 'alex'), matched."""
    mentor = await add_person(core, "zhanna", "Zhanna Abenova", "alumnus")
    mentee = await add_person(core, "alex", "Alex Kim", "student")
    pair = await add_pair(core, mentor, mentee)
    return PairIds(pair, mentor, mentee)
