"""PostgreSQL restarted under load: the bot keeps running, and what arrived meanwhile is handled once the
database is back (late, not lost: the inbox keeps it, handling is tried again)."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.reliability.bot_process import NEWCOMERS, PAIRS, BotProcess, burst, outcome, until, until_nothing_pending
from tests.telegram.fake_api import FakeTelegram

RESTART = os.environ.get("MENTORBOT_TEST_PG_RESTART", "")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not RESTART, reason="needs the PostgreSQL server scripts/run_tests.py starts"),
]


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    server = FakeTelegram()
    await server.start()
    yield server
    await server.stop()


async def test_a_database_restart_under_load_loses_nothing(
    fake: FakeTelegram, database_url: str, tmp_path: Path
) -> None:
    plan = await burst(database_url, fake)
    half = len(plan.updates) // 2
    for update in plan.updates[:half]:
        fake.push(update)
    bot = BotProcess(fake, database_url, tmp_path)
    await bot.start()
    try:
        await until(lambda: len(fake.delivered()) >= 10, "the first answers")
        restart = asyncio.create_task(
            asyncio.to_thread(subprocess.run, json.loads(RESTART), check=True, timeout=60, capture_output=True)
        )
        for update in plan.updates[half:]:  # the rest arrives while the server restarts
            fake.push(update)
        await restart
        await until(lambda: plan.everyone_answered(fake), "every person's answer after the restart", seconds=120)
        await until_nothing_pending(database_url)
        await bot.stop()
    finally:
        await bot.kill()
    assert bot.process is not None and bot.process.returncode == 0, bot.logs()[-3000:]
    result = await outcome(database_url)
    assert result.contacts == PAIRS
    assert result.people == 2 * PAIRS + NEWCOMERS
    assert result.unfinished_updates == 0 and result.waiting_answers == []
    assert plan.doubled(fake) == 0  # nothing crashed: nothing is sent twice
    assert "Traceback" not in bot.logs(), bot.logs()[-3000:]
