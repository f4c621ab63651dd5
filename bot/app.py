"""The composition root: which packages the bot is made of, and a core over them.

Every module of the capability packages is imported once (`bot.core.registry.Registry.discover`), and
importing a module is its registration: its commands, button actions, forms, renderers, sweeps and
export sections join the registry. Adding a capability means adding its modules; nothing here changes.
"""

from __future__ import annotations

from bot.config import Settings
from bot.core.app import Core
from bot.core.clock import Clock
from bot.core.registry import registry

# Lowest layer first, so a module finds what it builds on already registered.
CAPABILITY_PACKAGES = ("bot.services", "bot.conversations", "bot.handlers")


def load_capabilities() -> None:
    """Register every capability (idempotent)."""
    registry.discover(CAPABILITY_PACKAGES)


async def create_core(settings: Settings, clock: Clock | None = None, *, migrate: bool = True) -> Core:
    """The core the bot runs: every capability registered, the programme loaded, the database migrated."""
    load_capabilities()
    return await Core.create(settings, clock, migrate=migrate, using=registry)
