"""Parts of the bot that must run in exactly one process at a time when several share a database (the
delivery worker, so the platforms' flood limits hold for all of them together; the scheduler).

A row per part in `leases`: the holder renews it every few seconds; a lease whose expiry has passed (its
holder died) is taken by the next process that asks. The same conditional UPDATE on SQLite and PostgreSQL.
Leases are measured in real time, never the demo clock: processes must agree on it.

On PostgreSQL, a process that queued answers for the delivery holder wakes it with NOTIFY; the holder
LISTENs on a connection of its own (`listen_for_wakeups`).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import os
import socket
from collections.abc import Awaitable, Callable

from sqlalchemy import delete, or_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core.errors import database_unavailable
from storage.models import Lease

log = logging.getLogger(__name__)

WAKE_CHANNEL = "mentorbot_outbox"  # NOTIFY'd when answers wait for the delivery holder


def process_name() -> str:
    """Who holds a lease, as a person reading the table recognises it: host and process id."""
    return f"{socket.gethostname()}:{os.getpid()}"


def _gone(holder: str) -> bool:
    """True only when `holder` names this machine and a process id that no longer runs here."""
    host, _, pid = holder.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except OSError:
        return False  # it exists (another user's process) or cannot be asked: assume it runs
    return False


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class RowLease:
    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], name: str, seconds: float, holder: str | None = None
    ) -> None:
        self.sessions = sessions
        self.name = name
        self.seconds = seconds
        self.holder = holder or process_name()

    async def acquire(self) -> bool:
        """Take the lease or renew it; False while another process holds it."""
        now = _now()
        expires = now + dt.timedelta(seconds=self.seconds)
        async with self.sessions() as session, session.begin():
            result = await session.execute(
                update(Lease)
                .where(Lease.name == self.name, or_(Lease.holder == self.holder, Lease.expires_at < now))
                .values(holder=self.holder, expires_at=expires)
            )
            if result.rowcount == 1:  # type: ignore[attr-defined]
                return True
            current = await session.get(Lease, self.name)
            if current is not None:
                if not _gone(current.holder):
                    return False
                # Its holder was a process on this machine that no longer exists (the bot restarted after a
                # SIGKILL): no need to wait for the lease to run out.
                result = await session.execute(
                    update(Lease)
                    .where(Lease.name == self.name, Lease.holder == current.holder)
                    .values(holder=self.holder, expires_at=expires)
                )
                return bool(result.rowcount == 1)  # type: ignore[attr-defined]
        try:  # nobody ever held it: the first insert wins, the primary key refuses the others
            async with self.sessions() as session, session.begin():
                session.add(Lease(name=self.name, holder=self.holder, expires_at=expires))
        except IntegrityError:
            return False
        return True

    async def release(self) -> None:
        """Give the lease up at once (a clean stop), so another process need not wait for it to run out."""
        async with self.sessions() as session, session.begin():
            await session.execute(delete(Lease).where(Lease.name == self.name, Lease.holder == self.holder))


async def hold(
    lease: RowLease,
    renew_seconds: float,
    gained: Callable[[], Awaitable[None]],
    lost: Callable[[], Awaitable[None]],
) -> None:
    """Keep asking for the lease until cancelled: `gained` when this process takes it, `lost` when it can no
    longer be sure it holds it (another took it, or no renewal got through for the lease's length). A
    process waiting for it asks three times as often as the holder renews, so a takeover comes soon after
    the expiry. Cancelled: `lost`, and the lease released."""
    holding = False
    renewed = 0.0
    loop = asyncio.get_running_loop()
    try:
        while True:
            try:
                ours = await lease.acquire()
            except Exception as exc:
                if not database_unavailable(exc):
                    log.exception("lease %s: asking for it failed", lease.name)
                # Unheard by the database: still ours until it would have run out.
                ours = holding and loop.time() - renewed < lease.seconds - renew_seconds
            else:
                if ours:
                    renewed = loop.time()
            if ours and not holding:
                holding = True
                log.info("this process (%s) now runs %s", lease.holder, lease.name)
                await gained()
            elif holding and not ours:
                holding = False
                log.warning("this process (%s) no longer runs %s", lease.holder, lease.name)
                await lost()
            await asyncio.sleep(renew_seconds if holding else renew_seconds / 3)
    finally:
        if holding:
            await lost()
            with contextlib.suppress(Exception):
                await lease.release()


async def listen_for_wakeups(database_url: str, wake: Callable[[], None], retry_seconds: float = 2.0) -> None:
    """Call `wake` whenever another process NOTIFYs WAKE_CHANNEL, until cancelled (PostgreSQL only). A
    connection of its own, reopened when it drops; meanwhile the delivery worker's idle poll still runs."""
    import asyncpg  # type: ignore[import-untyped]

    dsn = "postgresql://" + database_url.split("://", 1)[1]
    while True:
        connection = None
        try:
            closed = asyncio.Event()
            connection = await asyncpg.connect(dsn)
            connection.add_termination_listener(lambda *_args, closed=closed: closed.set())
            await connection.add_listener(WAKE_CHANNEL, lambda *_args: wake())
            wake()  # what was queued while nobody listened
            await closed.wait()
        except (OSError, asyncpg.PostgresError) as exc:
            log.warning("waiting for answers from other processes by polling for now: %s", exc)
        finally:
            if connection is not None and not connection.is_closed():
                with contextlib.suppress(Exception):
                    await asyncio.shield(connection.close())
        await asyncio.sleep(retry_seconds)
