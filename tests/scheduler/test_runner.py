"""The APScheduler job: UTC interval, explicit misfire grace, coalesced, one at a time; the console's
moved clock survives a restart."""

from __future__ import annotations

import datetime as dt

from apscheduler.triggers.interval import IntervalTrigger

from bot.core.app import Core
from bot.core.clock import load_clock_offset, save_clock_offset
from scheduler.runner import JOB_ID, start_scheduler


async def test_the_sweep_job_is_an_interval_in_utc_that_catches_up(core: Core) -> None:
    scheduler = start_scheduler(core, interval_minutes=15)
    try:
        job = scheduler.get_job(JOB_ID)
        assert isinstance(job.trigger, IntervalTrigger)
        assert job.trigger.interval == dt.timedelta(minutes=15)
        assert str(job.trigger.timezone) == "UTC"
        assert job.misfire_grace_time == 15 * 60 and job.coalesce is True and job.max_instances == 1
        assert job.next_run_time <= dt.datetime.now(dt.UTC)  # a first sweep at start-up, after downtime
    finally:
        scheduler.shutdown(wait=False)


async def test_the_console_clock_offset_is_kept(core: Core) -> None:
    assert await load_clock_offset(core.sessions) == dt.timedelta(0)
    await save_clock_offset(core.sessions, dt.timedelta(days=31))
    await save_clock_offset(core.sessions, dt.timedelta(days=45, hours=2))
    assert await load_clock_offset(core.sessions) == dt.timedelta(days=45, hours=2)
