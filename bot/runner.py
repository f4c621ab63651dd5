"""Running the bot for real: every platform whose token is set, the delivery worker and the scheduler,
side by side in one process on one core."""

from __future__ import annotations

import asyncio
import logging

from bot.app import create_core
from bot.config import Settings

log = logging.getLogger(__name__)


async def run_platforms(settings: Settings) -> None:
    core = await create_core(settings)
    tasks: list[asyncio.Task[None]] = []
    try:
        if settings.telegram_enabled:
            from bot.platforms.telegram import TelegramPlatform

            telegram = TelegramPlatform(core)
            core.delivery.add_transport(telegram)
            tasks.append(asyncio.create_task(telegram.run(), name="telegram"))
        if settings.slack_enabled:
            from bot.platforms.slack import SlackPlatform

            slack = SlackPlatform(core)
            core.delivery.add_transport(slack)
            tasks.append(asyncio.create_task(slack.run(), name="slack"))
        tasks.append(asyncio.create_task(core.delivery.run_forever(), name="delivery"))
        from scheduler.runner import start_scheduler

        scheduler = start_scheduler(core)  # the sweeps: nudges, reminders, surveys (scheduler/)
        try:
            await asyncio.gather(*tasks)
        finally:
            scheduler.shutdown(wait=False)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await core.close()
