"""Running the sweeps: each capability declares its own (`@sweep` beside its rules, in bot/services);
this module only runs them, each in its own transactions, and reports what they queued.

A sweep asks the database what is due now and acts through its service, claiming each notice exactly once
(bot.core.notices) in the transaction that queues its message; notes for people are gathered into one
message a day per person. A sweep after days of downtime sends what is due today, once.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import logging
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.config import Settings
from bot.core.context import RENDER_ENV, bind_sessions
from bot.core.errors import database_unavailable
from bot.core.notices import LEFT_OVER, post_notes
from bot.core.registry import RenderEnv, Sweep, SweepSpec, registry
from bot.programme import Programme

log = logging.getLogger(__name__)

RETRYABLE = {"40001", "40P01"}  # PostgreSQL serialisation failure, deadlock: run that sweep again


@dataclass
class SweepResult:
    notes: dict[str, int] = field(default_factory=dict)  # sweep name -> pieces for people
    seconds: dict[str, float] = field(default_factory=dict)  # sweep name -> how long it took
    failed: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.notes.values())


async def run_sweeps(
    sessions: async_sessionmaker[AsyncSession],
    now: dt.datetime,
    programme: Programme,
    settings: Settings,
    sweeps: Sequence[SweepSpec] | None = None,
) -> SweepResult:
    """Run every registered sweep (or the ones given), each in its own transactions: a failing one leaves
    the others' work in place."""
    if RENDER_ENV not in sessions.kw.get("info", {}):  # sessions made outside a core (a second process, a bench)
        bind_sessions(sessions, RenderEnv(programme, settings, registry))
    result = SweepResult()
    with _older_objects_set_aside():
        for spec in registry.sweeps_in_order() if sweeps is None else sweeps:
            name, sweep = spec.name, spec.run
            started = time.perf_counter()
            try:
                result.notes[name] = await _run_one(sessions, sweep, now, programme, settings)
            except Exception as exc:
                if database_unavailable(exc):
                    log.warning("sweep %s waits for the database: %s", name, exc)
                else:
                    log.exception("sweep %s failed; it runs again next time", name)
                result.failed.append(name)
            result.seconds[name] = time.perf_counter() - started
    return result


@contextlib.contextmanager
def _older_objects_set_aside() -> Iterator[None]:
    """While the sweeps run, Python's collector leaves alone what the process held before them (its modules,
    the programme, SQLAlchemy's caches: some 200,000 objects, a fifth of a second to walk): the rows a large
    sweep loads would otherwise set off full passes over all of it. Those objects are the collector's again
    afterwards, any garbage among them with them."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


async def _run_one(
    sessions: async_sessionmaker[AsyncSession], sweep: Sweep, now: dt.datetime, programme: Programme, settings: Settings
) -> int:
    """Run one sweep to the end: a transaction per batch, again after a concurrent sweeper's conflict. What
    a batch leaves over for the next (bot.core.notices.leave_over) counts only once that batch commits."""
    total, failures = 0, 0
    left: dict[str, list[int]] = {}
    while True:
        before = dict(left)
        try:
            async with sessions() as session, session.begin():
                session.info[LEFT_OVER] = left
                notes = await sweep(session, now, programme, settings)
                await post_notes(session, now, programme, settings, notes)
        except DBAPIError as exc:
            left.clear()
            left.update(before)
            code: Any = getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)
            failures += 1
            if code not in RETRYABLE or failures >= 3:
                raise
            log.info("sweep %s met a concurrent sweep (%s); running it again", sweep.__name__, code)
            continue
        total += len(notes)
        if not getattr(notes, "more", False):
            return total


async def sweep_core(core: Any) -> SweepResult:
    """One sweep for a running core (the scheduler, `/clock`, `mentorbot sweep`), then wake delivery."""
    result = await run_sweeps(core.sessions, core.clock.now(), core.programme, core.settings)
    core.delivery.kick()
    return result
