"""Time comes from a clock object, so tests and the console can move it forward."""

from __future__ import annotations

import datetime as dt
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.models import ClockOffset


class Clock(Protocol):
    def now(self) -> dt.datetime:
        """The current time, timezone-aware, in UTC."""
        ...


class SystemClock:
    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)


class OffsetClock:
    """The real time moved by an offset: the console's `/clock +31d`."""

    def __init__(self, offset: dt.timedelta = dt.timedelta(0)) -> None:
        self.offset = offset

    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC) + self.offset

    def advance(self, delta: dt.timedelta) -> None:
        self.offset += delta


class ManualClock:
    """A clock that only moves when told to (tests)."""

    def __init__(self, start: dt.datetime | None = None) -> None:
        self._now = start or dt.datetime(2026, 1, 12, 10, 0, tzinfo=dt.UTC)

    def now(self) -> dt.datetime:
        return self._now

    def advance(self, delta: dt.timedelta) -> None:
        self._now += delta

    def set(self, moment: dt.datetime) -> None:
        self._now = moment


# The terminal's `/clock +31d` moves its clock; the offset is kept in the database so a demo resumes there.


async def load_clock_offset(sessions: async_sessionmaker[AsyncSession]) -> dt.timedelta:
    async with sessions() as session:
        row = await session.get(ClockOffset, 1)
    return dt.timedelta(seconds=row.seconds if row is not None else 0)


async def save_clock_offset(sessions: async_sessionmaker[AsyncSession], offset: dt.timedelta) -> None:
    async with sessions() as session, session.begin():
        row = await session.get(ClockOffset, 1)
        if row is None:
            session.add(ClockOffset(id=1, seconds=int(offset.total_seconds())))
        else:
            row.seconds = int(offset.total_seconds())
