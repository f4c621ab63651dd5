"""Engines and sessions for SQLite (aiosqlite) and PostgreSQL (asyncpg)."""

from __future__ import annotations

import asyncio
import contextlib
import weakref
from collections.abc import AsyncIterator
from typing import Any

import orjson
from sqlalchemy import event, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.util.concurrency import await_only, in_greenlet

from storage import sqlite_driver

DEFAULT_URL = "sqlite+aiosqlite:///mentorbot.db"  # beside where the bot is started
BUSY_TIMEOUT = 30.0  # seconds a SQLite writer waits for the write lock before "database is locked"
READ_ONLY = "mentorbot_read_only"  # an execution option: this connection's transaction only reads (`reading`)
DURABLE = "mentorbot_durable"  # an execution option: this transaction is on the disk when it commits (`transaction`)
_COMMITS_TO_DISK = "mentorbot_commits_to_disk"  # in a SQLite connection's info: its synchronous level is FULL
# The connections a busy process holds at once: up to 16 updates handled side by side (each waits for its turn
# at the write lock holding one), the outbox worker and its marks, the scheduler, the inbox's look for
# unfinished updates. With SQLAlchemy's default of 5 kept open, every connection beyond the fifth was opened
# for one update and closed after it: on SQLite a thread and three PRAGMAs, on PostgreSQL a login and its
# prepared statements lost, which cost a busy bot about a fifth of its updates a second.
POOL_SIZE = 24
# How many statements each PostgreSQL connection keeps prepared (asyncpg's cache; its default is 100). The bot
# speaks well over a hundred distinct statements (a hundred of its tests alone use some 220): with room for only
# a hundred, a connection that served people between two hourly sweeps could drop the scheduler's statements
# and prepare them again at each sweep, a round trip and a plan apiece: a tenth of a sweep at 100,000 pairs.
PREPARED_STATEMENTS = 500


def async_url(value: str) -> str:
    """A database URL with the async driver the project uses: sqlite:/// -> aiosqlite, postgresql:// -> asyncpg."""
    if value.startswith("postgres://") or value.startswith("postgresql://"):
        return "postgresql+asyncpg://" + value.split("://", 1)[1]
    if value.startswith("sqlite://") and not value.startswith("sqlite+aiosqlite://"):
        return "sqlite+aiosqlite://" + value.split("://", 1)[1]
    if not (value.startswith("sqlite+aiosqlite://") or value.startswith("postgresql+asyncpg://")):
        raise ValueError("use an sqlite:/// or postgresql:// URL")
    return value


def json_text(value: Any) -> str:
    """The JSON text the store keeps for a value, whichever code writes it (the JSON columns, the scheduler's
    batch statements). orjson rather than the standard library's encoder: the scheduler's batches and every
    recorded update are encoded on the event loop's thread, where the standard encoder took about a tenth of
    a sweep's time. Keys that are not text are written as text, as `json.dumps` does."""
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def make_engine(url: str, **kwargs: Any) -> AsyncEngine:
    kwargs.setdefault("pool_size", POOL_SIZE)
    kwargs.setdefault("json_serializer", json_text)
    kwargs.setdefault("json_deserializer", orjson.loads)
    if not is_sqlite(url):
        # Last in, first out: a quiet bot keeps reusing the one or two connections that have already
        # prepared its statements (asyncpg keeps them per connection), instead of cycling through the
        # pool so that every connection prepares every statement once; a first browse page on a cold
        # connection took about twice as long. The pre-ping finds a connection a server restart broke.
        connect_args = {"prepared_statement_cache_size": PREPARED_STATEMENTS, **kwargs.pop("connect_args", {})}
        return create_async_engine(url, pool_pre_ping=True, pool_use_lifo=True, connect_args=connect_args, **kwargs)
    # Every session here ends its own transaction (commit, or rollback on close), so the pool's extra
    # rollback when a connection comes back would only be one more trip to the driver's thread for
    # each unit of work: about a tenth of the statements a handled update costs on SQLite.
    kwargs.setdefault("pool_reset_on_return", None)
    database = make_url(url).database or ":memory:"
    engine = create_async_engine(
        url, async_creator=lambda: sqlite_driver.connect(database, timeout=BUSY_TIMEOUT), **kwargs
    )

    # SQLite: let SQLAlchemy own transactions and start each one with BEGIN IMMEDIATE, so two writers
    # queue for the lock instead of one failing with "database is locked" when it upgrades a read to
    # a write (the race a capacity check or a notice claim would otherwise lose). A transaction that
    # only reads (`reading`) begins deferred instead: WAL lets it read beside the writer, so it never
    # queues for a lock it does not need.
    #
    # A commit goes as far as the operating system (synchronous=NORMAL, SQLite's advice for WAL), except in a
    # durable transaction (`transaction`), which waits for the disk (FULL). The disk's flush was a fifth of a
    # busy bot's time, once for every update handled and every sent message marked. Nothing is lost when the
    # bot crashes or is killed: the operating system holds what was committed. A power cut can take back the
    # last commits since the last durable one; a durable commit flushes the whole log, every commit before it
    # included. The inbox records each update durably before the platform is told it has it, so what such a
    # cut takes back is handled again from the inbox (its answers may arrive twice, a reminder may be repeated),
    # and nothing anyone sent is lost.
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT * 1000)}")
        cursor.execute(sqlite_driver.COMMIT_TO_OS)
        cursor.close()
        record.info[_COMMITS_TO_DISK] = False

    gate = _WriteGate()  # see _WriteGate: writers of this process queue in turn, not in SQLite's busy handler

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        options = conn.get_execution_options()
        if options.get(READ_ONLY):
            conn.exec_driver_sql("BEGIN")
            return
        info = conn.connection.info
        durable = bool(options.get(DURABLE))
        if info.get(_COMMITS_TO_DISK) is not durable:  # SQLite takes this only between transactions
            conn.exec_driver_sql(sqlite_driver.COMMIT_TO_DISK if durable else sqlite_driver.COMMIT_TO_OS)
            info[_COMMITS_TO_DISK] = durable
        gate.enter(info)
        conn.exec_driver_sql(sqlite_driver.BEGIN_WRITING)

    @event.listens_for(engine.sync_engine, "checkin")
    def _on_checkin(_dbapi_connection: Any, record: Any) -> None:
        # A session gives its connection back as its transaction ends (committed: SQLite's lock is free by
        # now), so the turn ends here; an invalidated connection comes back here too.
        gate.leave(record.info)

    return engine


class _WriteGate:
    """This process's writers take turns here before they ask for SQLite's write lock. A writer that finds
    the lock taken waits in SQLite's busy handler, which sleeps and tries again (up to 100 ms a try), so under
    load the lock stood free while writers slept and the process idled; queued here, the next writer asks the
    moment the last one finished. Only a shortcut: SQLite's lock still decides (another process may write),
    and a writer that has waited here as long as the busy timeout goes on to SQLite's lock as before."""

    HELD = "mentorbot_write_turn"

    def __init__(self) -> None:
        self._turns: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = weakref.WeakKeyDictionary()

    def enter(self, info: dict[str, Any]) -> None:
        """Before BEGIN IMMEDIATE, in SQLAlchemy's greenlet (where the event loop can be awaited)."""
        if info.get(self.HELD) is not None or not in_greenlet():
            return
        loop = asyncio.get_running_loop()
        turn = self._turns.get(loop)
        if turn is None:
            turn = self._turns[loop] = asyncio.Lock()
        try:
            await_only(_acquire(turn))
        except TimeoutError:
            return
        info[self.HELD] = turn

    def leave(self, info: dict[str, Any]) -> None:
        """When the connection goes back to the pool."""
        turn = info.pop(self.HELD, None)
        if turn is not None:
            turn.release()


async def _acquire(turn: asyncio.Lock) -> None:
    """The turn, waited for as long as the busy timeout; in the waiting writer's own task (asyncio.wait_for
    would start a task for every transaction that writes)."""
    async with asyncio.timeout(BUSY_TIMEOUT):
        await turn.acquire()


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


@contextlib.asynccontextmanager
async def transaction(
    sessions: async_sessionmaker[AsyncSession], *, durable: bool = False
) -> AsyncIterator[AsyncSession]:
    """A session in a transaction that commits when the block ends, or rolls back on an exception. `durable`:
    its commit returns once it is on the disk, for what is confirmed to someone outside right after and
    would not come back if a power cut took it (an update recorded before the platform is told we have it).
    PostgreSQL makes every commit durable already."""
    async with sessions() as session, session.begin():
        if durable:
            await session.connection(execution_options={DURABLE: True})
        yield session


@contextlib.asynccontextmanager
async def reading(sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """A session for a transaction that only reads: on SQLite it does not take the write lock, so it neither
    waits for the writer of the moment nor holds up the next one. It must not write: a write would have to
    upgrade the lock, and could fail with "database is locked" (everything that writes, and every read a
    write depends on, belongs in an ordinary session, which begins IMMEDIATE)."""
    async with sessions() as session:
        await session.connection(execution_options={READ_ONLY: True})
        yield session
