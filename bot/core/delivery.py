"""Delivery of queued messages (the outbox) to people and to the staff chat, on every running platform.

Exactly one worker claims a message (a conditional UPDATE), sends it, and marks it sent. A platform that
says "slow down" (429) or fails for a moment gets the message again later; a person who blocked the bot
is recorded and staff are told once. Nothing is lost, and a message marked sent is never sent again.

After each pass the watchers registered with `after_delivery` look at what was delivered (a broadcast
brings its progress message up to date); what they answer is sent at once, like any answer.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import heapq
import itertools
import logging
import math
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Hashable
from typing import Any, Protocol, TypeVar

from sqlalchemy import bindparam, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core.clock import Clock
from bot.core.context import ANSWER_LEASE, queue_message
from bot.core.errors import database_unavailable
from bot.core.events import Origin
from bot.core.leases import WAKE_CHANNEL
from bot.core.markup import fmt
from bot.core.outage import Outage
from bot.core.replies import Reply
from bot.i18n import _
from storage.db import reading
from storage.models import Identity, Outbox, User

# Built once, on the table rather than the model: every answer sent runs it, and the ORM's bulk UPDATE would
# look through the session for Outbox objects to change as well (there are none: answers are plain rows).
_OUTBOX: Any = Outbox.__table__
_SENT = (
    update(_OUTBOX)
    .where(_OUTBOX.c.id.in_(bindparam("ids", expanding=True)))
    .values(status="sent", sent_at=bindparam("at", type_=_OUTBOX.c.sent_at.type))
)

log = logging.getLogger(__name__)

CLAIM_LEASE = dt.timedelta(minutes=2)  # a worker that dies mid-send frees the message after this
MAX_ATTEMPTS = 10
RETRY_SOON = 60.0  # a retry_after up to this long wakes this process's worker when it is over


class RetryLater(Exception):
    """The platform asked us to wait (HTTP 429 / retry_after) or failed for a moment."""

    def __init__(self, seconds: float, reason: str = "") -> None:
        super().__init__(reason or f"retry after {seconds}s")
        self.seconds = seconds


class Unreachable(Exception):
    """The person cannot be written to (blocked the bot, left the workspace)."""


class Undeliverable(Exception):
    """This message can never be sent as it is (the platform refused its content): failed, not retried."""


# --- pacing -----------------------------------------------------------------------------------------


class Pace:
    """At most `burst` sends in any `burst / per_second` seconds: a platform's flood limit, kept on our side
    so that it is met before the platform has to refuse anything.

    Each send holds one of the `burst` places from the moment it starts until that long after its answer
    came back. The platform counts the send somewhere in between, so however long the request takes on
    the way, it never sees more than the limit in its window; waiting costs only the round trip. A waiting
    answer to what a person just did goes before a waiting message from the outbox (`urgent`)."""

    def __init__(self, per_second: float, burst: int | None = None) -> None:
        if per_second <= 0:
            raise ValueError("a pace needs a positive rate")
        self.burst = burst if burst is not None else max(1, math.floor(per_second))
        self.period = self.burst / per_second
        self._busy = 0  # sends under way
        self._used: deque[float] = deque()  # when each place held by a finished send comes free
        self._waiting: list[tuple[int, int, asyncio.Future[None]]] = []  # (0 urgent / 1 queued, arrival, future)
        self._arrivals = itertools.count()
        self._timer: asyncio.TimerHandle | None = None

    def _free(self, now: float) -> int:
        while self._used and self._used[0] <= now:
            self._used.popleft()
        return self.burst - self._busy - len(self._used)

    @property
    def idle(self) -> bool:
        """Nothing under way or waiting, and every place free again: this pace can be forgotten."""
        return not self._waiting and self._free(time.monotonic()) == self.burst

    @contextlib.asynccontextmanager
    async def slot(self, *, urgent: bool = True) -> AsyncIterator[None]:
        await self._acquire(urgent)
        try:
            yield
        finally:
            self._busy -= 1
            self._used.append(time.monotonic() + self.period)
            self._wake()

    async def _acquire(self, urgent: bool) -> None:
        if not self._waiting and self._free(time.monotonic()) > 0:
            self._busy += 1
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._waiting, (0 if urgent else 1, next(self._arrivals), future))
        self._wake()
        try:
            await future
        except asyncio.CancelledError:
            if future.done() and not future.cancelled():  # given a place just as it was cancelled: hand it on
                self._busy -= 1
                self._wake()
            raise

    def _wake(self) -> None:
        now = time.monotonic()
        while self._waiting and self._free(now) > 0:
            _order, _arrival, future = heapq.heappop(self._waiting)
            if not future.done():
                self._busy += 1
                future.set_result(None)
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._waiting and self._used:  # otherwise the end of a send under way wakes the next one
            self._timer = asyncio.get_running_loop().call_later(max(0.0, self._used[0] - now), self._wake)


class Paces:
    """One Pace per chat (or channel), made by `make` when the chat is first written to; quiet ones are
    forgotten, so a bot that has written to a million chats keeps only the busy ones."""

    def __init__(self, make: Callable[[Hashable], Pace], keep: int = 1024) -> None:
        self._make = make
        self._keep = keep
        self._paces: dict[Hashable, Pace] = {}

    def __call__(self, key: Hashable) -> Pace:
        pace = self._paces.get(key)
        if pace is None:
            if len(self._paces) >= self._keep:
                self._paces = {k: p for k, p in self._paces.items() if not p.idle}
            pace = self._paces[key] = self._make(key)
        return pace


class Transport(Protocol):
    platform: str

    async def send_to_user(self, identity: Identity, reply: Reply) -> None: ...

    async def send_to_staff(self, reply: Reply) -> bool:
        """Post to this platform's staff chat; False when none is configured here."""
        ...

    async def send_answer(self, origin: Origin, reply: Reply) -> None:
        """Answer in the chat an update came from (the platform tells a group from a private chat by its id)."""
        ...


SendAnswer = Callable[[Origin, Reply], Awaitable[None]]


# Looks at the outbox after a delivery pass, in its own transaction, and returns the answers it queued
# (`queue_answers`), which are sent at once. It must be cheap when there is nothing to look at.
Watcher = Callable[[AsyncSession, dt.datetime], Awaitable[list[Outbox]]]
W = TypeVar("W", bound=Watcher)
WATCHERS: list[Watcher] = []


def after_delivery(watcher: W) -> W:
    """Run `await watcher(session, now)` after every delivery pass (registered by its module's import)."""
    if watcher not in WATCHERS:
        WATCHERS.append(watcher)
    return watcher


def _backoff(attempts: int) -> dt.timedelta:
    return dt.timedelta(seconds=min(5 * 2 ** max(0, attempts - 1), 3600))


class Delivery:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], clock: Clock) -> None:
        self.sessions = sessions
        self.clock = clock
        self.transports: dict[str, Transport] = {}
        self._kick = asyncio.Event()
        self._stopping = False
        self._sent_unmarked: set[int] = set()  # delivered while the database was away, not marked sent yet
        self._to_mark: list[tuple[int, asyncio.Future[None]]] = []  # sent, waiting for the next mark (`_mark_one`)
        self._marking: asyncio.Task[None] | None = None
        # Whether this process sends to the platforms: always when it runs alone; with several processes on
        # one database, only the one holding the delivery lease (bot/core/leases.py), so flood limits hold
        # for all of them together. The others hand their answers to it and wake it (`_hand_over`).
        self.sends = True
        self._waking: set[asyncio.Task[None]] = set()

    def add_transport(self, transport: Transport) -> None:
        self.transports[transport.platform] = transport

    def kick(self) -> None:
        self._kick.set()
        if not self.sends:  # something new in the outbox: the process that sends is told
            task = asyncio.get_running_loop().create_task(self._wake_sender())
            self._waking.add(task)
            task.add_done_callback(self._waking.discard)

    async def _wake_sender(self) -> None:
        try:
            async with self.sessions() as session, session.begin():
                await _notify_sender(session)
        except Exception as exc:  # the sender's idle poll finds it all the same
            log.warning("could not wake the delivering process: %s", exc)

    async def run_forever(self, idle_seconds: float = 5.0) -> None:
        """Deliver until `stop`: the pass under way finishes first, so no message is cut off half-claimed and
        no database connection is torn away from under it."""
        outage = Outage(log, "delivery waits for the database")
        while not self._stopping:
            try:
                await self.flush()
                outage.recovered()
            except Exception as exc:
                if database_unavailable(exc):
                    outage.failed(exc)
                else:
                    log.exception("delivery pass failed; trying again shortly")
            if self._stopping:
                break
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._kick.wait(), timeout=idle_seconds)
            self._kick.clear()

    def stop(self) -> None:
        self._stopping = True
        self._kick.set()

    def resume(self) -> None:
        """After `stop`, let `run_forever` run again (this process took the delivery lease back)."""
        self._stopping = False

    async def flush(self, limit: int = 200) -> int:
        """Send what is due now; return how many messages were delivered."""
        if self._sent_unmarked:
            await self._mark_sent(sorted(self._sent_unmarked))
            self._sent_unmarked.clear()
        now = self.clock.now()
        async with reading(self.sessions) as session:  # each message is claimed on its own (`_claim`)
            ids = list(
                await session.scalars(
                    select(Outbox.id)
                    .where(Outbox.status == "pending", Outbox.not_before <= now)
                    .order_by(Outbox.id)
                    .limit(limit)
                )
            )
        sent = 0
        for message_id in ids:
            if await self._deliver_one(message_id):
                sent += 1
        await self._watch()
        return sent

    async def _watch(self) -> None:
        """The watchers' look at what was delivered; one that fails is logged, and looks again next pass."""
        for watcher in WATCHERS:
            try:
                async with self.sessions() as session, session.begin():
                    answers = await watcher(session, self.clock.now())
                if answers:
                    await self.send_answers(answers)
            except Exception as exc:
                if database_unavailable(exc):
                    log.warning("%s waits for the database: %s", watcher.__name__, exc)
                else:
                    log.exception("%s failed; it looks again after the next pass", watcher.__name__)

    async def _claim(self, message_id: int) -> Outbox | None:
        now = self.clock.now()
        async with self.sessions() as session, session.begin():
            result = await session.execute(
                update(Outbox)
                .where(Outbox.id == message_id, Outbox.status == "pending", Outbox.not_before <= now)
                .values(not_before=now + CLAIM_LEASE, attempts=Outbox.attempts + 1)
            )
            if result.rowcount != 1:  # type: ignore[attr-defined]
                return None  # another worker has it
            return await session.get(Outbox, message_id)

    async def _deliver_one(self, message_id: int) -> bool:
        if message_id in self._sent_unmarked:
            await self._mark_sent([message_id])
            self._sent_unmarked.discard(message_id)
            return False
        row = await self._claim(message_id)
        if row is None:
            return False
        return await self._send_row(row)

    async def _send_row(self, row: Outbox, send: SendAnswer | None = None) -> bool:
        """Send one claimed message and record how it went; True when it was delivered."""
        reply = Reply.from_dict(row.reply)
        try:
            if row.chat_id is not None:
                await self._send_answer(row, reply, send)
            elif row.to_staff:
                await self._send_staff(reply)
            else:
                await self._send_user(row.user_id, reply)
        except RetryLater as wait:
            await self._reschedule(row, dt.timedelta(seconds=wait.seconds), str(wait))
            if wait.seconds <= RETRY_SOON:  # the platform's "wait a moment": look again then, not at the next pass
                asyncio.get_running_loop().call_later(wait.seconds, self.kick)
            return False
        except Unreachable as gone:
            await self._unreachable(row, str(gone))
            return False
        except Undeliverable as refused:
            log.error("message %s can never be delivered: %s", row.id, refused)
            await self._reschedule(row, dt.timedelta(0), str(refused), give_up=True)
            return False
        except Exception as exc:  # a network error, a timeout, a 5xx: try again with back-off
            log.warning("delivery of message %s failed: %r", row.id, exc)
            await self._reschedule(row, _backoff(row.attempts), repr(exc))
            return False
        try:
            await self._mark_one(row.id)
        except Exception as exc:
            if not database_unavailable(exc):
                raise
            # Sent, but the database cannot hear it now: remembered here, so this process does not send it
            # again once the database is back (only a crash on top of the outage can repeat it).
            self._sent_unmarked.add(row.id)
            raise
        return True

    async def _mark_one(self, message_id: int) -> None:
        """Marks a sent message sent, returning once that has committed. Messages sent side by side share the
        transaction: what was sent while one mark was committing goes in the next, so a busy process writes
        one mark per round instead of one per message (on SQLite each is a turn at the write lock)."""
        done = asyncio.get_running_loop().create_future()
        self._to_mark.append((message_id, done))
        if self._marking is None:
            self._marking = asyncio.create_task(self._mark_waiting())
        await done

    async def _mark_waiting(self) -> None:
        try:
            while self._to_mark:
                batch, self._to_mark = self._to_mark, []
                try:
                    await self._mark_sent([message_id for message_id, _ in batch])
                except Exception as exc:  # each sender hears it, as if it had marked its own
                    for _, done in batch:
                        if not done.done():
                            done.set_exception(exc)
                else:
                    for _, done in batch:
                        if not done.done():
                            done.set_result(None)
        finally:
            self._marking = None

    async def _mark_sent(self, ids: list[int]) -> None:
        async with self.sessions() as session, session.begin():
            await session.execute(_SENT, {"ids": ids, "at": self.clock.now()})

    async def send_answers(self, answers: list[Outbox], send: SendAnswer | None = None) -> int:
        """Send answers Core.answer just wrote and committed (already claimed for ANSWER_LEASE), in order,
        through `send` (the platform's own, when it holds something only good for a moment, like Slack's
        trigger_id) or the platform's `send_answer`. The rows are the ones written, not read back: nobody
        else may take them inside their lease. What cannot go now (the platform said wait, the lease is
        nearly out) is left to the delivery worker, which keeps the order. Returns how many were delivered."""
        if not answers:
            return 0
        if not self.sends:
            await self._hand_over([row.id for row in answers])
            return 0
        sent = 0
        rows = sorted(answers, key=lambda row: row.id)
        try:
            for index, row in enumerate(rows):
                # Only well inside the row's lease: once it runs out the worker may take the row too (the
                # handling's commit may have been slow, a database coming back from a restart).
                if row.status != "pending" or self.clock.now() > row.not_before - ANSWER_LEASE / 2:
                    break
                if await self._send_row(row, send):
                    sent += 1
                    continue
                if index + 1 < len(rows):
                    await self._after(row.id, [r.id for r in rows[index + 1 :]])
                break
        except Exception as exc:
            if not database_unavailable(exc):
                raise
            # What is not marked sent yet goes once the database is back (the worker, after the lease): an
            # answer sent just before the outage may then arrive twice.
            log.warning("answers wait for the database: %s", exc)
        return sent

    async def _hand_over(self, ids: list[int]) -> None:
        """Another process sends: these answers are freed for it at once (their lease given up), and it is
        woken. A database that is away: they go when their lease runs out, as after a crash."""
        try:
            async with self.sessions() as session, session.begin():
                await session.execute(
                    update(Outbox)
                    .where(Outbox.id.in_(ids), Outbox.status == "pending")
                    .values(not_before=self.clock.now())
                )
                await _notify_sender(session)
        except Exception as exc:
            if not database_unavailable(exc):
                raise
            log.warning("answers wait for the database: %s", exc)

    async def _after(self, first: int, rest: list[int]) -> None:
        """Answers behind one that has to wait wait with it, so they still arrive in order."""
        async with self.sessions() as session, session.begin():
            head = await session.get(Outbox, first)
            if head is None:
                return
            when = head.not_before if head.status == "pending" else self.clock.now()
            await session.execute(
                update(Outbox).where(Outbox.id.in_(rest), Outbox.status == "pending").values(not_before=when)
            )

    async def _send_answer(self, row: Outbox, reply: Reply, send: SendAnswer | None) -> None:
        origin = Origin(str(row.platform), str(row.chat_id), thread=row.thread, message_ref=row.message_ref)
        if send is not None:
            await send(origin, reply)
            return
        transport = self.transports.get(str(row.platform))
        if transport is None:
            raise RetryLater(3600, f"{row.platform} is not running here")
        await transport.send_answer(origin, reply)

    async def _send_user(self, user_id: int | None, reply: Reply) -> None:
        async with reading(self.sessions) as session:
            identities = list(await session.scalars(select(Identity).where(Identity.user_id == user_id)))
        reachable = [i for i in identities if i.platform in self.transports]
        if not reachable:
            raise RetryLater(3600, "no running platform reaches this person")
        # One message, one place: where the person last wrote to us (someone on two platforms would
        # otherwise get everything twice, and a retry on one would repeat it on the other).
        identity = max(reachable, key=lambda i: (i.last_seen_at or i.created_at, i.id))
        await self.transports[identity.platform].send_to_user(identity, reply)

    async def _send_staff(self, reply: Reply) -> None:
        posted = False
        for transport in self.transports.values():
            posted = await transport.send_to_staff(reply) or posted
        if posted:
            return
        # No staff chat anywhere: each staff member gets it directly.
        async with reading(self.sessions) as session:
            staff = list(await session.scalars(select(User.id).where(User.is_staff.is_(True))))
        if not staff:
            raise RetryLater(3600, "no staff chat and no staff member to tell")
        for user_id in staff:
            await self._send_user(user_id, reply)

    async def _reschedule(self, row: Outbox, delay: dt.timedelta, error: str, *, give_up: bool = False) -> None:
        failed = give_up or row.attempts >= MAX_ATTEMPTS
        async with self.sessions() as session, session.begin():
            await session.execute(
                update(Outbox)
                .where(Outbox.id == row.id)
                .values(
                    status="failed" if failed else "pending",
                    not_before=self.clock.now() + delay,
                    last_error=error[:500],
                )
            )

    async def _unreachable(self, row: Outbox, error: str) -> None:
        now = self.clock.now()
        async with self.sessions() as session, session.begin():
            await session.execute(
                update(Outbox).where(Outbox.id == row.id).values(status="failed", last_error=error[:500])
            )
            user = await session.get(User, row.user_id) if row.user_id else None
            if user is None and row.chat_id is not None:  # an answer: whoever that private chat is with
                user = await session.scalar(
                    select(User)
                    .join(Identity, Identity.user_id == User.id)
                    .where(Identity.platform == row.platform, Identity.chat_id == row.chat_id)
                )
            if user is not None and user.blocked_bot_at is None:
                user.blocked_bot_at = now
                queue_message(
                    session,
                    now,
                    lambda: Reply(
                        fmt(
                            _(
                                "{name} can't receive messages from the bot any more (they blocked it or left). "
                                "Messages to them are not delivered until they write to the bot again."
                            ),
                            name=user.name or f"#{user.id}",
                        )
                    ),
                    to_staff=True,
                )
        self.kick()


async def _notify_sender(session: AsyncSession) -> None:
    """PostgreSQL: wake the delivering process when this transaction commits (it LISTENs). SQLite has no
    such signal: the delivering process polls the outbox often instead."""
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(text(f"NOTIFY {WAKE_CHANNEL}"))
