"""Running the bot for real: every registered platform whose settings are present, the delivery worker and
the scheduler, side by side in one process on one core.

Several processes may share one database (webhook workers behind a load balancer): each runs the parts it
is given (`mentorbot run --parts`). Every process that runs `updates` handles what reaches it (the inbox
makes each update handled once); the delivery worker and the scheduler run in one process at a time, the
one holding their lease (bot/core/leases.py), and another takes over when it dies.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from bot.app import create_core
from bot.config import ConfigError, Settings
from bot.core.app import Core
from bot.core.leases import RowLease, hold, listen_for_wakeups
from bot.platforms import Platform, platforms
from storage.db import is_sqlite

log = logging.getLogger(__name__)

# What a process can run: receiving and handling updates (polling, the webhook, Slack's HTTP or Socket
# Mode); the scheduler's sweeps; sending the outbox to the platforms.
PARTS = ("updates", "scheduler", "delivery")
SQLITE_POLL_SECONDS = 0.5  # SQLite has no NOTIFY: the delivering process looks at the outbox this often


def parse_parts(value: str | Iterable[str]) -> frozenset[str]:
    """`updates,delivery` -> the parts, each one known; delivery needs the platforms' connections, which
    receiving updates opens, so it comes with `updates`."""
    names = [p.strip() for p in value.split(",")] if isinstance(value, str) else list(value)
    parts = frozenset(filter(None, names))
    unknown = sorted(parts - set(PARTS))
    if unknown or not parts:
        raise ConfigError(f"--parts takes some of {', '.join(PARTS)} (comma-separated), not {value!r}.")
    if "delivery" in parts and "updates" not in parts:
        raise ConfigError("--parts: delivery needs updates in the same process (it sends through their connections).")
    return parts


def configured_platforms(core: Core) -> list[Platform]:
    """A platform over the core for every registered one whose settings are present, each the outbox's
    way to the people (and the staff chat) it reaches."""
    started: list[Platform] = []
    for kind in platforms.configured(core.settings):
        platform = kind(core)
        core.delivery.add_transport(platform)
        started.append(platform)
    return started


class _Worker:
    """The delivery worker while this process holds the delivery lease: it sends, and hears the other
    processes' wake-ups; without the lease it hands answers over."""

    def __init__(self, core: Core) -> None:
        self.core = core
        self.tasks: list[asyncio.Task[None]] = []

    async def gained(self) -> None:
        delivery = self.core.delivery
        delivery.sends = True
        delivery.resume()
        url = self.core.settings.database_url
        idle = SQLITE_POLL_SECONDS if is_sqlite(url) else 5.0
        self.tasks = [asyncio.create_task(delivery.run_forever(idle_seconds=idle), name="delivery")]
        if not is_sqlite(url):
            self.tasks.append(asyncio.create_task(listen_for_wakeups(url, delivery.kick), name="delivery-wakeups"))

    async def lost(self) -> None:
        self.core.delivery.sends = False
        self.core.delivery.stop()
        if not self.tasks:
            return
        worker, *listeners = self.tasks
        self.tasks = []
        for task in listeners:
            task.cancel()
        await asyncio.gather(*listeners, return_exceptions=True)
        try:
            await asyncio.wait_for(worker, timeout=30)
        except (TimeoutError, asyncio.CancelledError):
            log.warning("delivery did not finish its pass in time; what it had not sent is sent later")
        except Exception:
            log.exception("delivery stopped with an error")


class _Sweeps:
    """The scheduler while this process holds the scheduler lease."""

    def __init__(self, core: Core) -> None:
        self.core = core
        self.scheduler: Any = None

    async def gained(self) -> None:
        from scheduler.runner import start_scheduler

        self.scheduler = start_scheduler(self.core)  # the sweeps: nudges, reminders, surveys (scheduler/)

    async def lost(self) -> None:
        if self.scheduler is None:
            return
        from scheduler.runner import stop_scheduler

        scheduler, self.scheduler = self.scheduler, None
        await stop_scheduler(scheduler)


def _holding(core: Core, name: str, gained: Callable[[], Awaitable[None]], lost: Callable[[], Awaitable[None]]):  # type: ignore[no-untyped-def]
    settings = core.settings
    lease = RowLease(core.sessions, name, settings.lease_seconds, settings.lease_holder or None)
    return asyncio.create_task(hold(lease, settings.lease_renew_seconds, gained, lost), name=f"lease-{name}")


async def run_platforms(settings: Settings, parts: Iterable[str] = PARTS) -> None:
    """Run until cancelled (or a platform stops for good), then stop in order: no more updates in, the
    sweep and the delivery pass under way finish (their leases given up), the platforms close, and only
    then the database."""
    wanted = parse_parts(parts)
    core = await create_core(settings)
    core.delivery.sends = False  # until this process holds the delivery lease
    running: list[Platform] = []
    intake: list[asyncio.Task[None]] = []
    leases: list[asyncio.Task[None]] = []
    try:
        running = configured_platforms(core)
        if "delivery" in wanted:
            worker = _Worker(core)
            leases.append(_holding(core, "delivery", worker.gained, worker.lost))
        if "scheduler" in wanted:
            sweeps = _Sweeps(core)
            leases.append(_holding(core, "scheduler", sweeps.gained, sweeps.lost))
        if "updates" in wanted:
            intake = [asyncio.create_task(platform.run(), name=platform.platform) for platform in running]
        # `wait`, not `gather`: being cancelled here must not cancel the delivery pass half-way.
        done, _pending = await asyncio.wait([*intake, *leases], return_when=asyncio.FIRST_COMPLETED)
        for task in done:
            task.result()  # a platform that failed for good stops the bot with its error
    finally:
        await _stop(core, running, intake, leases)


async def _stop(
    core: Core, running: list[Platform], intake: list[asyncio.Task[None]], leases: list[asyncio.Task[None]]
) -> None:
    for task in intake:
        task.cancel()
    await asyncio.gather(*intake, return_exceptions=True)
    # Cancelling a lease's holder stops its part (the sweep or delivery pass under way finishes) and
    # gives the lease up, so another process takes over at once.
    for task in leases:
        task.cancel()
    for outcome in await asyncio.gather(*leases, return_exceptions=True):
        if isinstance(outcome, Exception) and not isinstance(outcome, asyncio.CancelledError):
            log.error("stopping a part failed: %r", outcome)
    for platform in running:
        try:
            await platform.stop()
        except Exception:
            log.exception("stopping %s failed", platform.platform)
    await core.close()
