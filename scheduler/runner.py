"""Running the sweeps periodically inside the bot process.

APScheduler only says *when* to look; exactly-once comes from the notices table, so two bot processes
(each with its own scheduler, never a shared job store) may both sweep and still send each notice once.
The interval trigger runs in UTC; a run that was missed or skipped loses nothing, as the next one finds
everything still due.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

from scheduler.sweeps import SweepResult, sweep_core

log = logging.getLogger(__name__)
JOB_ID = "sweep"


class _Runs:
    """The sweeps this scheduler has running. Stopping lets none start and waits for those under way, so the
    database is never closed under a sweep's feet (one cut off there left the process hanging at exit)."""

    def __init__(self) -> None:
        self.stopping = False
        self.running: set[asyncio.Task[Any]] = set()


async def _sweep_job(core: Any, runs: _Runs) -> None:
    task = asyncio.current_task()
    if runs.stopping or task is None:
        return  # a run APScheduler handed over just as the bot was stopping
    runs.running.add(task)
    task.add_done_callback(runs.running.discard)
    result: SweepResult = await sweep_core(core)
    if result.total or result.failed:
        log.info("sweep: %s notices queued %s; failed: %s", result.total, result.notes, result.failed or "none")


def start_scheduler(core: Any, *, interval_minutes: int | None = None) -> AsyncIOScheduler:
    """Start sweeping now and then every `interval_minutes` (default SWEEP_INTERVAL_MINUTES)."""
    minutes = interval_minutes or core.settings.sweep_interval_minutes
    scheduler = AsyncIOScheduler(timezone=dt.UTC)
    runs = _Runs()
    scheduler.add_job(
        _sweep_job,
        IntervalTrigger(minutes=minutes, timezone=dt.UTC),
        args=[core, runs],
        id=JOB_ID,
        next_run_time=dt.datetime.now(dt.UTC),  # a first sweep at start catches up after downtime
        misfire_grace_time=minutes * 60,  # late by up to one interval: still run (the default is 1 s)
        coalesce=True,  # several missed runs become one; the sweep catches up on all of it anyway
        max_instances=1,
    )
    scheduler.start()
    return scheduler


async def stop_scheduler(scheduler: AsyncIOScheduler, *, wait_seconds: float = 30.0) -> None:
    """No new sweep starts; one under way finishes (its transaction commits or rolls back) first."""
    job = scheduler.get_job(JOB_ID)
    scheduler.shutdown(wait=False)
    if job is None:
        return
    runs: _Runs = job.args[1]
    runs.stopping = True
    await asyncio.sleep(0)  # a run handed over a moment ago starts, sees `stopping` and returns
    if runs.running:
        await asyncio.wait(set(runs.running), timeout=wait_seconds)
