"""Two bot processes on one database, Telegram posting to both (webhook mode behind a load balancer, and
a retry landing on the other one): every update is handled once, every notice is sent once."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy import select

from bot.app import create_core
from bot.config import load_settings
from storage.models import Outbox
from tests.reliability.bot_process import NEWCOMERS, PAIRS, BotProcess, burst, outcome, until, until_nothing_pending
from tests.telegram.conftest import free_port
from tests.telegram.fake_api import FakeTelegram

pytestmark = pytest.mark.slow
SECRET = "two-processes-secret"


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    server = FakeTelegram()
    await server.start()
    yield server
    await server.stop()


async def post(http: aiohttp.ClientSession, port: int, update: dict[str, object], secret: str = SECRET) -> int:
    url = f"http://127.0.0.1:{port}/hook"
    try:
        async with http.post(url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": secret}) as response:
            return response.status
    except aiohttp.ClientConnectionError:
        return 0  # not listening yet


async def test_two_processes_handle_each_update_once(fake: FakeTelegram, database_url: str, tmp_path: Path) -> None:
    plan = await burst(database_url, fake)
    ports = [free_port(), free_port()]
    bots = [
        BotProcess(
            fake,
            database_url,
            tmp_path,
            name=f"bot{n}",
            TELEGRAM_WEBHOOK_URL="https://bot.example.org/hook",
            TELEGRAM_WEBHOOK_SECRET=SECRET,
            TELEGRAM_WEBHOOK_PORT=str(port),
            TELEGRAM_WEBHOOK_LISTEN="127.0.0.1",
        )
        for n, port in enumerate(ports)
    ]
    async with aiohttp.ClientSession() as http:
        try:
            await bots[0].start()  # the first migrates the database; the second starts on it
            for port in ports:
                if port == ports[1]:
                    await bots[1].start()
                statuses: list[int] = []

                async def listening(port: int = port, statuses: list[int] = statuses) -> None:
                    statuses.append(await post(http, port, {"update_id": 1}, secret="wrong"))

                loop = asyncio.get_running_loop()
                deadline = loop.time() + 60
                while 403 not in statuses:
                    assert loop.time() < deadline, f"the bot on port {port} never started listening"
                    await listening()
                    await asyncio.sleep(0.1)
            for n, update in enumerate(plan.updates):
                assert await post(http, ports[n % 2], update) == 200
                if n % 5 == 0:  # Telegram's retry of the same update reaches the other process
                    assert await post(http, ports[(n + 1) % 2], update) == 200
            await until(lambda: plan.everyone_answered(fake), "every person's answer")
            await until_nothing_pending(database_url)
            for bot in bots:
                await bot.stop()
        finally:
            for bot in bots:
                await bot.kill()
    logs = "\n".join(bot.logs() for bot in bots)
    assert "Traceback" not in logs, logs[-3000:]
    result = await outcome(database_url)
    assert result.contacts == PAIRS
    assert result.people == 2 * PAIRS + NEWCOMERS
    assert result.unfinished_updates == 0 and result.waiting_answers == []
    assert plan.doubled(fake) == 0
    # Both processes ran the scheduler's sweep at start: each person of a pair overdue for contact has one
    # nudge queued (sent in their daytime), not two.
    assert await nudges_per_person(database_url) == {1: 2 * PAIRS}


async def nudges_per_person(database_url: str) -> dict[int, int]:
    """How many people have how many "have you talked?" nudges queued."""
    core = await create_core(load_settings(database_url=database_url, _env_file=None), migrate=False)
    try:
        async with core.sessions() as session:
            rows = await session.scalars(select(Outbox).where(Outbox.chat_id.is_(None)))
            nudged = Counter(
                row.user_id
                for row in rows
                if any(button["action"] == "nudge.call" for line in row.reply.get("buttons", []) for button in line)
            )
            return dict(Counter(nudged.values()))
    finally:
        await core.close()
