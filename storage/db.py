"""Engines and sessions for SQLite (aiosqlite) and PostgreSQL (asyncpg)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

DEFAULT_URL = "sqlite+aiosqlite:///mentorbot.db"  # beside where the bot is started
READ_ONLY = "mentorbot_read_only"  # an execution option: this connection's transaction only reads (`reading`)


def async_url(value: str) -> str:
    """A database URL with the async driver the project uses: sqlite:/// -> aiosqlite, postgresql:// -> asyncpg."""
    if value.startswith("postgres://") or value.startswith("postgresql://"):
        return "postgresql+asyncpg://" + value.split("://", 1)[1]
    if value.startswith("sqlite://") and not value.startswith("sqlite+aiosqlite://"):
        return "sqlite+aiosqlite://" + value.split("://", 1)[1]
    if not (value.startswith("sqlite+aiosqlite://") or value.startswith("postgresql+asyncpg://")):
        raise ValueError("use an sqlite:/// or postgresql:// URL")
    return value


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def make_engine(url: str, **kwargs: Any) -> AsyncEngine:
    if not is_sqlite(url):
        return create_async_engine(url, pool_pre_ping=True, **kwargs)
    engine = create_async_engine(url, connect_args={"timeout": 30}, **kwargs)

    # SQLite: let SQLAlchemy own transactions and start each one with BEGIN IMMEDIATE, so two writers
    # queue for the lock instead of one failing with "database is locked" when it upgrades a read to
    # a write (the race a capacity check or a notice claim would otherwise lose). A transaction that
    # only reads (`reading`) begins deferred instead: WAL lets it read beside the writer, so it never
    # queues for a lock it does not need.
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN" if conn.get_execution_options().get(READ_ONLY) else "BEGIN IMMEDIATE")

    return engine


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


@contextlib.asynccontextmanager
async def reading(sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """A session for a transaction that only reads: on SQLite it does not take the write lock, so it neither
    waits for the writer of the moment nor holds up the next one. It must not write: a write would have to
    upgrade the lock, and could fail with "database is locked" (everything that writes, and every read a
    write depends on, belongs in an ordinary session, which begins IMMEDIATE)."""
    async with sessions() as session:
        await session.connection(execution_options={READ_ONLY: True})
        yield session
