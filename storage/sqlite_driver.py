"""aiosqlite connections that run each statement in one trip to their thread.

aiosqlite keeps each SQLite connection in a thread of its own and hands it one call at a time; SQLAlchemy's
adapter makes four calls of a statement (open a cursor, execute, fetch the rows, close the cursor), and each
is a hand-over to the thread and a wake-up of the event loop. On a handled update those hand-overs cost the
process more than SQLite's own work. Here a cursor does the four steps in one call: the statement runs, its
rows, row count and description come back together, and the cursor is closed in the thread. Everything else
(the thread, the queue, closing) is aiosqlite's own.

Once a connection holds SQLite's write lock (its BEGIN IMMEDIATE went through), the statements of that
transaction and its commit run on the event loop's thread instead, without the hand-over; so does the BEGIN
IMMEDIATE itself when the lock is free (`begin_writing`). Each hand-over waits for a turn of the event loop
to come back, and a busy loop (many updates at once) made a handled update's five statements take three
times as long as alone, while every other writer of the process waited for the lock. Inline, they wait for
nothing but the disk: in WAL mode the holder of the write lock waits neither for readers nor for other
writers, and a commit's checkpoint is passive. A BEGIN IMMEDIATE that finds another process writing waits in
the thread, and every statement of a transaction that only reads goes there too, as it may scan much more.
The price: a long statement in a transaction that writes (a sweep's batch) holds up the event loop for its
length, where it held up only the other writers.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from typing import Any

import aiosqlite

Outcome = tuple[Any, int, int | None, list[Any]]  # description, rowcount, lastrowid, rows
BEGIN_WRITING = "BEGIN IMMEDIATE"  # how storage.db begins every transaction that writes
# How far the next commit goes before it returns (storage.db): to the operating system, or to the disk.
# Each only sets a number in the connection's memory, so it runs on the event loop's thread.
COMMIT_TO_OS = "PRAGMA synchronous=NORMAL"
COMMIT_TO_DISK = "PRAGMA synchronous=FULL"
_IN_MEMORY = frozenset({COMMIT_TO_OS, COMMIT_TO_DISK})


def _run(connection: sqlite3.Connection, sql: str, parameters: Sequence[Any] | dict[str, Any]) -> Outcome:
    cursor = connection.execute(sql, parameters)
    try:
        rows = cursor.fetchall() if cursor.description else []
        return cursor.description, cursor.rowcount, cursor.lastrowid, rows
    finally:
        cursor.close()


def _run_many(connection: sqlite3.Connection, sql: str, parameters: Iterable[Any]) -> Outcome:
    cursor = connection.executemany(sql, parameters)
    try:
        return cursor.description, cursor.rowcount, cursor.lastrowid, []
    finally:
        cursor.close()


class OneTripCursor:
    """What SQLAlchemy uses of an aiosqlite cursor, with a statement's rows fetched when it runs."""

    arraysize = 1

    def __init__(self, connection: OneTripConnection) -> None:
        self._connection = connection
        self.description: Any = None
        self.rowcount = -1
        self.lastrowid: int | None = None
        self._rows: list[Any] = []
        self._next = 0  # the first row not handed out yet

    async def __aenter__(self) -> OneTripCursor:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.close()

    async def execute(self, sql: str, parameters: Sequence[Any] | dict[str, Any] = ()) -> OneTripCursor:
        if sql == BEGIN_WRITING:
            self._keep(await self._connection.begin_writing())
        elif sql in _IN_MEMORY:
            self._keep(self._connection.at_once(_run, sql, parameters))
        else:
            self._keep(await self._connection.run(_run, sql, parameters))
        return self

    async def executemany(self, sql: str, parameters: Iterable[Any]) -> OneTripCursor:
        self._keep(await self._connection.run(_run_many, sql, parameters))
        return self

    def _keep(self, outcome: Outcome) -> None:
        self.description, self.rowcount, self.lastrowid, self._rows = outcome
        self._next = 0

    async def fetchone(self) -> Any:
        rows = await self.fetchmany(1)
        return rows[0] if rows else None

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        start = self._next
        self._next = min(len(self._rows), start + (size or self.arraysize))
        return self._rows[start : self._next]

    async def fetchall(self) -> list[Any]:
        rows = self._rows[self._next :] if self._next else self._rows
        await self.close()
        return rows

    async def close(self) -> None:
        self._rows, self._next = [], 0


class OneTripConnection(aiosqlite.Connection):
    writing = False  # this connection holds SQLite's write lock: its statements run inline (see the module)
    patience_ms = 5000  # its busy timeout (sqlite3's default), what `begin_writing` restores; set by `connect`

    def cursor(self) -> OneTripCursor:  # type: ignore[override]
        return OneTripCursor(self)

    async def run(self, step: Any, *arguments: Any) -> Outcome:
        """One statement's steps as one call: in the connection's thread, or inline while writing."""
        if self.writing:
            return self.at_once(step, *arguments)
        return await self._execute(step, self._conn, *arguments)  # type: ignore[no-any-return]

    def at_once(self, step: Any, *arguments: Any) -> Outcome:
        """A step on the event loop's thread, without the hand-over: one that touches neither the disk nor a
        lock, or any statement while this connection holds the write lock (see the module). Nothing else runs
        on this connection between two of its session's statements."""
        return step(self._conn, *arguments)  # type: ignore[no-any-return]

    async def begin_writing(self) -> Outcome:
        """BEGIN IMMEDIATE: inline when the write lock is free (this process's writers have taken their turns
        before they get here, so it usually is), else in the thread, which waits for another process's writer
        as long as the busy timeout allows."""
        connection = self._conn
        connection.execute("PRAGMA busy_timeout=0")
        try:
            outcome = _run(connection, BEGIN_WRITING, ())
        except sqlite3.OperationalError as exc:
            if exc.sqlite_errorcode & 0xFF != sqlite3.SQLITE_BUSY:
                raise
            outcome = None
        finally:
            connection.execute(f"PRAGMA busy_timeout={self.patience_ms}")
        if outcome is None:
            outcome = await self._execute(_run, connection, BEGIN_WRITING, ())
        self.writing = True
        return outcome  # type: ignore[no-any-return]

    async def commit(self) -> None:
        await self._end("commit")

    async def rollback(self) -> None:
        await self._end("rollback")

    async def _end(self, how: str) -> None:
        """Commit or roll back: inline while writing, which gives the write lock up, else in the thread."""
        if not self.writing:
            await getattr(super(), how)()
            return
        try:
            getattr(self._conn, how)()
        finally:
            self.writing = False


def connect(database: str, **options: Any) -> OneTripConnection:
    """Like `aiosqlite.connect`, for SQLAlchemy's `async_creator`; its thread never keeps the process alive. The
    SQLite connection is used from the event loop's thread too (while writing), never at the same time."""
    connection = OneTripConnection(lambda: sqlite3.connect(database, check_same_thread=False, **options), 64)
    connection._thread.daemon = True
    if "timeout" in options:
        connection.patience_ms = int(options["timeout"] * 1000)
    return connection
