"""A transaction that only reads (`storage.db.reading`) does not queue behind a writer: on SQLite every other
transaction begins IMMEDIATE and waits for the write lock, a reading one begins deferred and reads the last
committed state beside the writer. On PostgreSQL both simply read."""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from bot.core.app import Core
from storage.db import reading
from storage.models import User


async def test_a_read_does_not_wait_for_the_writer_of_the_moment(core: Core) -> None:
    async with core.sessions() as session, session.begin():
        session.add(User(name="Before", created_at=core.clock.now()))
    async with core.sessions() as writer, writer.begin():
        writer.add(User(name="Uncommitted", created_at=core.clock.now()))
        await writer.flush()  # the writer holds the write lock (SQLite) until it commits

        async def names() -> list[str]:
            async with reading(core.sessions) as session:
                return list(await session.scalars(select(User.name).order_by(User.id)))

        seen = await asyncio.wait_for(names(), timeout=5)
    assert seen == ["Before"]


async def test_a_session_that_writes_still_waits_for_the_writer(core: Core) -> None:
    """The default is unchanged: a read-then-write (a capacity check, a notice claim) queues for the lock."""
    async with core.sessions() as writer, writer.begin():
        writer.add(User(name="First", created_at=core.clock.now()))
        await writer.flush()

        async def second() -> None:
            async with core.sessions() as session, session.begin():
                session.add(User(name="Second", created_at=core.clock.now()))

        task = asyncio.create_task(second())
        await asyncio.sleep(0.3)
        if core.engine.dialect.name == "sqlite":
            assert not task.done()  # waiting for the lock, not failing with "database is locked"
    await asyncio.wait_for(task, timeout=10)
    async with reading(core.sessions) as session:
        assert list(await session.scalars(select(User.name).order_by(User.id))) == ["First", "Second"]
