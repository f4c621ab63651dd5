"""Running the bot for real: every registered platform whose settings are present, the delivery worker and
the scheduler, side by side in one process on one core."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from bot.app import create_core
from bot.config import Settings
from bot.core.app import Core
from bot.platforms import Platform, platforms

log = logging.getLogger(__name__)


def configured_platforms(core: Core) -> list[Platform]:
    """A platform over the core for every registered one whose settings are present, each the outbox's
    way to the people (and the staff chat) it reaches."""
    started: list[Platform] = []
    for kind in platforms.configured(core.settings):
        platform = kind(core)
        core.delivery.add_transport(platform)
        started.append(platform)
    return started


async def run_platforms(settings: Settings) -> None:
    """Run until cancelled (or a platform stops for good), then stop in order: no more updates in, the
    sweep and the delivery pass under way finish, the platforms close, and only then the database."""
    core = await create_core(settings)
    running: list[Platform] = []
    intake: list[asyncio.Task[None]] = []
    delivery: asyncio.Task[None] | None = None
    scheduler = None
    try:
        running = configured_platforms(core)
        intake = [asyncio.create_task(platform.run(), name=platform.platform) for platform in running]
        delivery = asyncio.create_task(core.delivery.run_forever(), name="delivery")
        from scheduler.runner import start_scheduler

        scheduler = start_scheduler(core)  # the sweeps: nudges, reminders, surveys (scheduler/)
        # `wait`, not `gather`: being cancelled here must not cancel the delivery pass half-way.
        done, _pending = await asyncio.wait([*intake, delivery], return_when=asyncio.FIRST_COMPLETED)
        for task in done:
            task.result()  # a platform that failed for good stops the bot with its error
    finally:
        await _stop(core, running, intake, delivery, scheduler)


async def _stop(
    core: Core,
    running: list[Platform],
    intake: list[asyncio.Task[None]],
    delivery: asyncio.Task[None] | None,
    scheduler: Any,
) -> None:
    for task in intake:
        task.cancel()
    await asyncio.gather(*intake, return_exceptions=True)
    if scheduler is not None:
        from scheduler.runner import stop_scheduler

        await stop_scheduler(scheduler)
    if delivery is not None:
        core.delivery.stop()
        try:
            await asyncio.wait_for(delivery, timeout=30)
        except (TimeoutError, asyncio.CancelledError):
            log.warning("delivery did not finish its pass in time; what it had not sent is sent at the next start")
        except Exception:
            log.exception("delivery stopped with an error")
    for platform in running:
        try:
            await platform.stop()
        except Exception:
            log.exception("stopping %s failed", platform.platform)
    await core.close()
