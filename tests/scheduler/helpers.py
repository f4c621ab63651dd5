"""Building people and mentorships straight in the database, and running a sweep as the scheduler would."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from bot.core.app import Core
from bot.core.daytime import add_months
from scheduler.sweeps import SweepResult, sweep_core
from storage.models import Identity, MenteeProfile, MentorProfile, MentorshipRequest, Outbox, Pair, User
from tests.support import Harness

START = dt.datetime(2026, 1, 12, 10, 0, tzinfo=dt.UTC)  # the clock fixture's start: a Monday, 10:00 UTC


async def person(core: Core, name: str, role: str, *, timezone: str | None = None, **extra: object) -> int:
    """A user known on the console as `name` (an alumnus gets an approved, active mentor profile)."""
    now = core.clock.now()
    async with core.sessions() as session, session.begin():
        user = User(name=f"{name.title()} Example", role=role, timezone=timezone, created_at=now, **extra)
        user.contact_details = f"{name}@example.com"
        session.add(user)
        await session.flush()
        session.add(Identity(user_id=user.id, platform="console", external_id=name, chat_id=name, created_at=now))
        if role == "alumnus":
            session.add(
                MentorProfile(
                    user_id=user.id,
                    status="approved",
                    active=True,
                    capacity=3,
                    active_mentees=0,
                    confirmed_at=now,
                    updated_at=now,
                )
            )
        else:
            session.add(MenteeProfile(user_id=user.id, updated_at=now))
        return user.id


async def pair(
    core: Core,
    mentor_id: int,
    mentee_id: int,
    *,
    started: dt.datetime = START,
    last_contact: dt.datetime | None = None,
    interval: int = 30,
) -> int:
    async with core.sessions() as session, session.begin():
        row = Pair(
            mentor_id=mentor_id,
            mentee_id=mentee_id,
            status="active",
            contact_interval_days=interval,
            created_at=started,
            started_at=started,
            cycle_ends_at=add_months(started, core.programme.cycle_months),
            last_contact_at=last_contact,
        )
        session.add(row)
        profile = await session.get(MentorProfile, mentor_id)
        assert profile is not None
        profile.active_mentees += 1
        await session.flush()
        return row.id


async def request(core: Core, mentor_id: int, mentee_id: int, created: dt.datetime = START) -> int:
    async with core.sessions() as session, session.begin():
        row = MentorshipRequest(mentor_id=mentor_id, mentee_id=mentee_id, message="Hello!", created_at=created)
        session.add(row)
        await session.flush()
        return row.id


async def sweep(harness: Harness) -> SweepResult:
    """One scheduler run, then delivery of whatever is due now."""
    result = await sweep_core(harness.core)
    await harness.core.delivery.flush()
    return result


async def outbox_count(core: Core, user_id: int) -> int:
    async with core.sessions() as session:
        return int(await session.scalar(select(func.count(Outbox.id)).where(Outbox.user_id == user_id)) or 0)


async def load(core: Core, model: type, ident: int):  # type: ignore[no-untyped-def]
    async with core.sessions() as session:
        return await session.get(model, ident)
