"""The inbox: every update a platform hands us is written down before the platform is told we have it.

Telegram forgets an update once the next getUpdates carries a higher offset (or the webhook answered 200);
Slack does not repeat a slash command or a button press it got an ack for. So a platform records what
arrived here first, then confirms, then handles it. Handling marks the row handled in the same transaction
as the change it made and the answers it wrote (Core.answer), so after a crash at any moment a row still
pending is exactly an update whose handling did not commit, and handling it again is safe.

A recorded row is leased to the process that recorded it (`not_before`); one whose lease ran out (its
process died, or the database failed while it was being handled) is claimed again by `claim_due`, by one
process only (a conditional UPDATE). After MAX_ATTEMPTS it is set aside as failed and logged, so one bad
update can never keep a bot busy for ever.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core.clock import Clock
from bot.core.outage import Outage
from storage.db import reading, transaction
from storage.models import InboxUpdate

log = logging.getLogger(__name__)

LEASE = dt.timedelta(seconds=30)  # how long a process has to handle what it recorded or claimed
MAX_ATTEMPTS = 5
KEEP_HANDLED = dt.timedelta(days=2)  # longer than any platform redelivers (Telegram keeps updates 24 h)
FORGET_EVERY = 240  # rounds of `take_up_forever` between two clear-outs of handled rows (an hour at 15 s)


@dataclass(frozen=True)
class Recorded:
    """One update to record: the platform's id for it (a redelivery has the same) and what it carried."""

    update_key: str
    payload: dict[str, Any]


@dataclass(frozen=True)
class Due:
    """A recorded update to handle now."""

    id: int
    update_key: str
    payload: dict[str, Any]
    attempts: int


class Inbox:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], clock: Clock) -> None:
        self.sessions = sessions
        self.clock = clock

    async def record(self, platform: str, updates: list[Recorded]) -> list[str]:
        """Write the updates down in one transaction (it has committed when this returns) and return the keys
        recorded now, in order; keys seen before (a redelivery) are left as they are. Raises when the database
        cannot be written: then the platform must not confirm the updates."""
        if not updates:
            return []
        now = self.clock.now()
        rows: dict[str, dict[str, Any]] = {}  # a key once, as first seen (a batch may repeat one)
        for item in updates:
            rows.setdefault(item.update_key, item.payload)
        values = [
            {
                "platform": platform,
                "update_key": key,
                "payload": payload,
                "status": "pending",
                "attempts": 1,
                "not_before": now + LEASE,
                "last_error": "",
                "received_at": now,
            }
            for key, payload in rows.items()
        ]
        # One statement for the whole batch (a getUpdates batch holds up to 100): RETURNING names the rows
        # inserted, not the ones the conflict skipped, on both databases.
        # Durable: the platform is told it has these the moment this returns, and never sends them again.
        async with transaction(self.sessions, durable=True) as session:
            recorded = await session.execute(_RECORD[session.get_bind().dialect.name], values)
            inserted = set(recorded.scalars())
        return [key for key in rows if key in inserted]

    async def claim_due(self, platform: str, *, limit: int = 100, everything: bool = False) -> list[Due]:
        """Pending updates whose lease ran out, each claimed by this process for a new lease, oldest first.
        `everything`: at start, take over what is pending regardless of leases (a second handling of an update
        another process is handling changes nothing: handling is idempotent on the update's key)."""
        now = self.clock.now()
        due: list[Due] = []
        async with reading(self.sessions) as session:  # each row is claimed on its own below
            query = select(InboxUpdate.id).where(InboxUpdate.platform == platform, InboxUpdate.status == "pending")
            if not everything:
                query = query.where(InboxUpdate.not_before <= now)
            ids = list(await session.scalars(query.order_by(InboxUpdate.id).limit(limit)))
        for row_id in ids:
            async with self.sessions() as session, session.begin():
                row = await session.get(InboxUpdate, row_id)
                if row is None or row.status != "pending":
                    continue
                if row.attempts >= MAX_ATTEMPTS:
                    row.status = "failed"
                    log.error(
                        "%s update %s set aside after %d attempts to handle it (last: %s)",
                        platform,
                        row.update_key,
                        row.attempts,
                        row.last_error or "no error recorded",
                    )
                    continue
                claimed = await session.execute(
                    update(InboxUpdate)
                    .where(InboxUpdate.id == row_id, InboxUpdate.attempts == row.attempts)
                    .values(attempts=row.attempts + 1, not_before=now + LEASE)
                )
                if claimed.rowcount == 1:  # type: ignore[attr-defined]
                    due.append(Due(row.id, row.update_key, dict(row.payload), row.attempts + 1))
        return due

    async def take_up_forever(
        self, platform: str, handle: Callable[[list[Due]], Awaitable[Any]], every: float
    ) -> None:
        """Until cancelled: every `every` seconds, the updates whose lease ran out (their handling did not
        finish: the database failed meanwhile) are claimed and given to the platform's `handle`; handled rows
        are forgotten now and then. A failing database is logged when it starts failing and when it is back."""
        rounds = 0
        outage = Outage(log, f"cannot look for unfinished {platform} updates")
        while True:
            await asyncio.sleep(every)
            try:
                await handle(await self.claim_due(platform))
                rounds += 1
                if rounds % FORGET_EVERY == 0:
                    await self.forget_old()
            except Exception as exc:  # the next round tries again
                outage.failed(exc)
            else:
                outage.recovered()

    async def done(self, platform: str, update_key: str) -> None:
        """An update that needed nothing from us (group chatter, a kind we did not ask for)."""
        async with self.sessions() as session, session.begin():
            await mark_handled(session, platform, update_key, self.clock.now())

    async def set_aside(self, platform: str, update_key: str, status: str, error: str) -> None:
        """An update that can never be handled (the library cannot read it): kept for a person to look at,
        never tried again."""
        async with self.sessions() as session, session.begin():
            await session.execute(
                update(InboxUpdate)
                .where(InboxUpdate.platform == platform, InboxUpdate.update_key == update_key)
                .values(status=status, last_error=error[:500], handled_at=self.clock.now())
            )

    async def forget_old(self) -> int:
        """Handled updates past any redelivery window are deleted; set-aside ones stay for a person."""
        cutoff = self.clock.now() - KEEP_HANDLED
        async with self.sessions() as session, session.begin():
            result = await session.execute(
                delete(InboxUpdate).where(InboxUpdate.status == "handled", InboxUpdate.received_at < cutoff)
            )
        return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def mark_handled(
    session: AsyncSession, platform: str, update_key: str, now: dt.datetime, error: str = ""
) -> None:
    """In the transaction that handled it: the update is done, together with what its handling changed."""
    await session.execute(_HANDLED, {"of_platform": platform, "of_key": update_key, "at": now, "error": error[:500]})


async def take_recorded(session: AsyncSession, platform: str, update_key: str, now: dt.datetime) -> bool:
    """At the start of the transaction that handles a recorded update: its row is marked handled if it is
    still pending, and True says this transaction is the one to handle it. False: it has been handled (by
    another process, or before a restart) or set aside. A second transaction handling the same update waits
    here for the first to end (the row is locked), then finds it handled; a rollback leaves it pending."""
    taken = await session.execute(_TAKEN, {"of_platform": platform, "of_key": update_key, "at": now, "error": ""})
    return bool(taken.rowcount)  # type: ignore[attr-defined]


# Built once, as every handled update runs it (see bot.core.app's statements built once).
_INBOX: Any = InboxUpdate.__table__
# Given the batch's rows as parameters, SQLAlchemy writes them as one multi-row INSERT from a statement it
# compiled once; a VALUES list built into the statement was compiled again for every batch, row by row.
_RECORD = {
    "postgresql": pg_insert(_INBOX).on_conflict_do_nothing().returning(_INBOX.c.update_key),
    "sqlite": sqlite_insert(_INBOX).on_conflict_do_nothing().returning(_INBOX.c.update_key),
}
_HANDLED = (
    update(_INBOX)
    .where(_INBOX.c.platform == bindparam("of_platform"), _INBOX.c.update_key == bindparam("of_key"))
    .values(status="handled", handled_at=bindparam("at", type_=_INBOX.c.handled_at.type), last_error=bindparam("error"))
)
_TAKEN = _HANDLED.where(_INBOX.c.status == "pending")
