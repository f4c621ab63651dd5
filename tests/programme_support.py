"""A core running one of the bundled programmes (or a variant of one written to a file), for the tests of
what a programme definition decides: eligibility, its own profile questions, matching, recruitment, the office."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from importlib import resources
from pathlib import Path

from bot.app import create_core
from bot.config import load_settings
from bot.core.app import Core
from bot.core.clock import ManualClock
from tests.support import Harness


def variant(tmp_path: Path, base: str, *replacements: tuple[str, str]) -> str:
    """A copy of a bundled programme file with some of its text replaced; its path, to name as PROGRAMME."""
    text = resources.files("bot.programmes").joinpath(f"{base}.toml").read_text(encoding="utf-8")
    for old, new in replacements:
        assert old in text, f"{old!r} is not in {base}.toml"
        text = text.replace(old, new)
    path = tmp_path / f"{base}_variant.toml"
    path.write_text(text, encoding="utf-8")
    return str(path)


@contextlib.asynccontextmanager
async def running(database_url: str, clock: ManualClock, programme: str) -> AsyncIterator[Harness]:
    settings = load_settings(database_url=database_url, staff_ids="console:sam", programme=programme, _env_file=None)
    core: Core = await create_core(settings, clock, migrate=False)
    try:
        yield Harness(core)
    finally:
        await core.close()
