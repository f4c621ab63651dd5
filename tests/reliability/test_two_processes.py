"""Two bot processes on one database, Telegram posting to both (webhook mode behind a load balancer, and
a retry landing on the other one): every update is handled once, every notice is sent once; only the
process holding the delivery lease writes to Telegram, and when it is killed the other takes over."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from sqlalchemy import select

from bot.app import create_core
from bot.config import load_settings
from storage.models import Lease, Outbox
from tests.conftest import PG_URL
from tests.ports import free_port
from tests.reliability.bot_process import (
    NEWCOMERS,
    PAIRS,
    BotProcess,
    Burst,
    burst,
    outcome,
    until,
    until_nothing_pending,
)
from tests.telegram.fake_api import WRITES, FakeTelegram

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
    await assert_every_update_handled_once(bots, database_url, plan, fake)
    # Both processes ran the scheduler's sweep at start: each person of a pair overdue for contact has one
    # nudge queued (sent in their daytime), not two.
    assert await nudges_per_person(database_url) == {1: 2 * PAIRS}


async def assert_every_update_handled_once(
    bots: list[BotProcess], database_url: str, plan: Burst, fake: FakeTelegram
) -> None:
    """Nothing failed in either process, every update's effect is there once, nothing waits, and no answer
    was sent twice."""
    logs = "\n".join(bot.logs() for bot in bots)
    assert "Traceback" not in logs, logs[-3000:]
    result = await outcome(database_url)
    assert result.contacts == PAIRS
    assert result.people == 2 * PAIRS + NEWCOMERS
    assert result.unfinished_updates == 0 and result.waiting_answers == []
    assert plan.doubled(fake) == 0


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


class Relay:
    """Between one bot process and the fake Telegram: passes every request on and notes when this process
    wrote to someone, so the test sees which process delivers."""

    def __init__(self, fake: FakeTelegram, name: str) -> None:
        self.fake = fake
        self.name = name
        self.writes: list[float] = []  # time.monotonic() of each write this process made
        self._runner: web.AppRunner | None = None
        self._http: aiohttp.ClientSession | None = None
        self.port = 0

    async def start(self) -> None:
        self._http = aiohttp.ClientSession()
        app = web.Application()
        app.router.add_route("*", "/{tail:.+}", self._pass_on)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
        if self._http is not None:
            await self._http.close()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    async def _pass_on(self, request: web.Request) -> web.Response:
        assert self._http is not None
        if request.path.rsplit("/", 1)[-1] in WRITES:
            self.writes.append(time.monotonic())
        body = await request.read()
        headers = {k: v for k, v in request.headers.items() if k.lower() in ("content-type",)}
        target = f"http://127.0.0.1:{self.fake.port}{request.path_qs}"
        async with self._http.request(request.method, target, data=body, headers=headers) as answer:
            return web.Response(body=await answer.read(), status=answer.status, content_type="application/json")


async def lease_holder(database_url: str, name: str) -> str | None:
    core = await create_core(load_settings(database_url=database_url, _env_file=None), migrate=False)
    try:
        async with core.sessions() as session:
            lease = await session.get(Lease, name)
            return lease.holder if lease is not None else None
    finally:
        await core.close()


async def listening(http: aiohttp.ClientSession, port: int) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 60
    while await post(http, port, {"update_id": 1}, secret="wrong") != 403:
        assert loop.time() < deadline, f"the bot on port {port} never started listening"
        await asyncio.sleep(0.1)


@pytest.mark.skipif(not PG_URL, reason="several processes on one database are a PostgreSQL deployment")
async def test_one_process_delivers_and_the_other_takes_over(
    fake: FakeTelegram, database_url: str, tmp_path: Path
) -> None:
    plan = await burst(database_url, fake)
    relays = [Relay(fake, "bot0"), Relay(fake, "bot1")]
    ports = [free_port(), free_port()]
    for relay in relays:
        await relay.start()
    bots = [
        BotProcess(
            fake,
            database_url,
            tmp_path,
            name=relay.name,
            TELEGRAM_API_BASE_URL=relay.base_url,
            TELEGRAM_WEBHOOK_URL="https://bot.example.org/hook",
            TELEGRAM_WEBHOOK_SECRET=SECRET,
            TELEGRAM_WEBHOOK_PORT=str(port),
            TELEGRAM_WEBHOOK_LISTEN="127.0.0.1",
            LEASE_SECONDS="2",
            LEASE_RENEW_SECONDS="0.5",
            LEASE_HOLDER=relay.name,  # not host:pid: the survivor waits for the lease to run out, as on two machines
        )
        for relay, port in zip(relays, ports, strict=True)
    ]
    half = len(plan.updates) // 2
    async with aiohttp.ClientSession() as http:
        try:
            await bots[0].start()
            await listening(http, ports[0])
            holder = None
            loop = asyncio.get_running_loop()
            deadline = loop.time() + 30
            while holder is None:
                assert loop.time() < deadline, "the first process never took the delivery lease"
                holder = await lease_holder(database_url, "delivery")
                await asyncio.sleep(0.1)
            await bots[1].start()
            await listening(http, ports[1])
            for n, update in enumerate(plan.updates[:half]):
                assert await post(http, ports[n % 2], update) == 200
                if n % 5 == 0:  # Telegram's retry of the same update reaches the other process
                    assert await post(http, ports[(n + 1) % 2], update) == 200
            first_half = {int(u["message"]["chat"]["id"]) for u in plan.updates[:half]}  # type: ignore[index]
            await until(lambda: all(fake.delivered(chat) for chat in first_half), "the answers to the first half")
            assert relays[0].writes and not relays[1].writes, "only the lease holder writes to Telegram"

            # Every answer so far marked sent: the one duplicate window the outbox leaves (an answer Telegram
            # took just before a crash, not yet marked) is tests/reliability/test_crash_restart.py's matter.
            await until_nothing_pending(database_url)
            await bots[0].kill()  # the holder of both leases dies without a word
            killed = time.monotonic()
            for update in plan.updates[half:]:  # the load balancer sends everything to the survivor
                assert await post(http, ports[1], update) == 200
            await until(lambda: plan.everyone_answered(fake), "every person's answer after the takeover")
            assert relays[1].writes and relays[1].writes[0] - killed < 60, "the survivor took over within a minute"
            assert await lease_holder(database_url, "delivery") != holder
            await until_nothing_pending(database_url)
            await bots[1].stop()
        finally:
            for bot in bots:
                await bot.kill()
            for relay in relays:
                await relay.stop()
    await assert_every_update_handled_once(bots, database_url, plan, fake)
    # The scheduler ran in the first process, then again in the survivor when it took over: each person
    # overdue for contact still has one nudge, not two.
    assert await nudges_per_person(database_url) == {1: 2 * PAIRS}
