"""The SQLite engine under load: writers of one process take turns, statements bring back what they should.

These run on a SQLite file of their own whichever database the suite is on: they are about how the bot
talks to SQLite (storage/db.py, storage/sqlite_driver.py), which PostgreSQL deployments do not use."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.db import make_engine, make_sessionmaker, reading


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'load.db'}")
    async with engine.begin() as conn:
        await conn.execute(text("CREATE TABLE counter (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)"))
        await conn.execute(text("CREATE TABLE item (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE)"))
        await conn.execute(text("INSERT INTO counter (id, n) VALUES (1, 0)"))
    yield engine
    await engine.dispose()


async def test_writers_side_by_side_each_get_their_turn_and_lose_nothing(engine: AsyncEngine) -> None:
    sessions = make_sessionmaker(engine)

    async def add_one(k: int) -> None:
        async with sessions() as session, session.begin():
            n = await session.scalar(text("SELECT n FROM counter WHERE id = 1"))
            await asyncio.sleep(0)  # others run meanwhile: a read-then-write that must not interleave
            await session.execute(text("UPDATE counter SET n = :n WHERE id = 1"), {"n": n + 1})
            if k % 3 == 0:
                raise ValueError("this one changes its mind")  # rolled back: its turn passes on all the same

    outcomes = await asyncio.wait_for(asyncio.gather(*(add_one(k) for k in range(60)), return_exceptions=True), 60)
    assert sum(isinstance(outcome, ValueError) for outcome in outcomes) == 20
    assert all(outcome is None or isinstance(outcome, ValueError) for outcome in outcomes)
    async with reading(sessions) as session:
        assert await session.scalar(text("SELECT n FROM counter WHERE id = 1")) == 40


async def test_a_writer_waiting_for_another_process_leaves_the_event_loop_free(
    engine: AsyncEngine, tmp_path: Path
) -> None:
    # Another process (a second connection of its own) holds the write lock until this event loop lets it go.
    other = sqlite3.connect(tmp_path / "load.db", isolation_level=None, check_same_thread=False)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute("UPDATE counter SET n = 100 WHERE id = 1")
        sessions = make_sessionmaker(engine)

        async def add_one() -> None:
            async with sessions() as session, session.begin():
                await session.execute(text("UPDATE counter SET n = n + 1 WHERE id = 1"))

        writer = asyncio.create_task(add_one())
        await asyncio.sleep(0.3)
        assert not writer.done()  # waiting for the lock, in the driver's thread
        other.execute("COMMIT")  # only possible because the wait did not hold up this loop
        await asyncio.wait_for(writer, 60)
    finally:
        other.close()
    async with reading(sessions) as session:
        assert await session.scalar(text("SELECT n FROM counter WHERE id = 1")) == 101


async def test_readers_do_not_wait_for_a_writer(engine: AsyncEngine) -> None:
    sessions = make_sessionmaker(engine)
    async with sessions() as writer, writer.begin():
        await writer.execute(text("UPDATE counter SET n = 5 WHERE id = 1"))
        async with reading(sessions) as reader:  # WAL: the last committed value, at once
            assert await asyncio.wait_for(reader.scalar(text("SELECT n FROM counter WHERE id = 1")), 5) == 0
    async with reading(sessions) as reader:
        assert await reader.scalar(text("SELECT n FROM counter WHERE id = 1")) == 5


async def test_a_statement_brings_back_its_rows_its_count_and_its_refusal(engine: AsyncEngine) -> None:
    sessions = make_sessionmaker(engine)
    async with sessions() as session, session.begin():
        ids = list(
            await session.scalars(
                text("INSERT INTO item (name) VALUES ('ana'), ('ben'), ('cleo') RETURNING id"),
            )
        )
        assert len(ids) == 3
        changed = await session.execute(text("UPDATE item SET name = name || '!' WHERE name != 'ben'"))
        assert changed.rowcount == 2  # type: ignore[attr-defined]
    with pytest.raises(IntegrityError):
        async with sessions() as session, session.begin():
            await session.execute(text("INSERT INTO item (name) VALUES ('dora')"))
            await session.execute(text("INSERT INTO item (name) VALUES ('ben')"))  # taken
    async with reading(sessions) as session:
        names = list(await session.scalars(text("SELECT name FROM item ORDER BY id")))
        assert names == ["ana!", "ben", "cleo!"]  # dora went with the refused transaction


async def test_many_rows_come_back_in_pieces_when_streamed(engine: AsyncEngine) -> None:
    sessions = make_sessionmaker(engine)
    async with sessions() as session, session.begin():
        await session.execute(text("INSERT INTO item (name) VALUES (:name)"), [{"name": f"p{n}"} for n in range(1000)])
    async with reading(sessions) as session:
        result = await session.stream(text("SELECT name FROM item ORDER BY id"))
        pieces = [len(rows) async for rows in result.partitions(64)]
        one_by_one = [row.name async for row in await session.stream(text("SELECT name FROM item ORDER BY id"))]
    assert sum(pieces) == 1000
    assert max(pieces) == 64
    assert one_by_one == [f"p{n}" for n in range(1000)]
