"""Running the bot for real: every registered platform whose settings are present, the delivery worker and
the scheduler, side by side in one process on one core."""

from __future__ import annotations

import asyncio
import logging

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
    core = await create_core(settings)
    running: list[Platform] = []
    tasks: list[asyncio.Task[None]] = []
    try:
        running = configured_platforms(core)
        tasks = [asyncio.create_task(platform.run(), name=platform.platform) for platform in running]
        tasks.append(asyncio.create_task(core.delivery.run_forever(), name="delivery"))
        from scheduler.runner import start_scheduler, stop_scheduler

        scheduler = start_scheduler(core)  # the sweeps: nudges, reminders, surveys (scheduler/)
        try:
            await asyncio.gather(*tasks)
        finally:
            await stop_scheduler(scheduler)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for platform in running:
            try:
                await platform.stop()
            except Exception:
                log.exception("stopping %s failed", platform.platform)
        await core.close()
