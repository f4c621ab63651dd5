"""Slack timing against the fake Web API on 127.0.0.1: how fast each kind of request is acknowledged
(Slack allows 3 seconds) and how long a slash command takes to its answer in the DM.

    .venv/bin/python -m bench.slack

A modal page's submission is the one request that does database work before its ack (the answer, errors
in place or the next page, travels in the ack), so it is measured on its own.
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from pathlib import Path

import aiohttp

from bot.app import create_core
from bot.config import load_settings
from bot.core.clock import SystemClock
from bot.platforms.slack import SlackPlatform
from tests.slack.driver import SECRET, Response, Workspace, sign
from tests.slack.fake_api import FakeSlackApi

ROUNDS = 40


def _summary(label: str, seconds: list[float]) -> str:
    ms = sorted(s * 1000 for s in seconds)
    p95 = ms[min(len(ms) - 1, int(len(ms) * 0.95))]
    return f"{label:<38} median {statistics.median(ms):7.1f} ms   p95 {p95:7.1f} ms   max {ms[-1]:7.1f} ms"


async def _timed(action) -> float:  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    await action
    return time.perf_counter() - started


class AckTimer(Workspace):
    """The workspace driver, timing the HTTP response (the ack) apart from the work after it."""

    acks: list[float]

    async def post(self, body: str, content_type: str, **options):  # type: ignore[no-untyped-def, override]
        stamp = int(time.time())
        headers = {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": str(stamp),
            "X-Slack-Signature": sign(body, stamp),
            **(options.get("headers") or {}),
        }
        started = time.perf_counter()
        async with self.http.post(self.url, data=body.encode(), headers=headers) as response:
            result = Response(response.status, await response.text())
        self.acks.append(time.perf_counter() - started)
        await self.settle()
        return result


async def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        fake = FakeSlackApi()
        await fake.start()
        settings = load_settings(
            database_url=f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}",
            slack_bot_token="xoxb-bench",
            slack_signing_secret=SECRET,
            slack_api_url=fake.base_url,
            _env_file=None,
        )
        core = await create_core(settings, SystemClock())
        platform = SlackPlatform(core)
        core.delivery.add_transport(platform)
        port = await platform.start_http("127.0.0.1", 0)
        async with aiohttp.ClientSession() as http:
            ws = AckTimer(platform, fake, f"http://127.0.0.1:{port}/slack/events", core, http)
            ws.acks = []
            results = {}
            person = ws.user("UBENCH", "Bench Person")
            answers: list[float] = []
            for _ in range(ROUNDS):
                answers.append(await _timed(person.slash("help")))
            results["slash command: ack"] = list(ws.acks)
            results["slash command: answer in the DM"] = answers

            ws.acks = []
            for _ in range(ROUNDS):
                await person.dm("help")
            results["message.im event: ack"] = list(ws.acks)

            await person.slash("start")
            ws.acks = []
            for _ in range(ROUNDS):
                await person.press("student")  # each press (re)opens the profile modal
            results["button (block_actions): ack"] = list(ws.acks)

            ws.acks = []
            for _ in range(ROUNDS):
                await person.submit({"name": "Bench Person", "year_of_study": "99"})  # errors in place
            results["modal page with errors (DB before ack)"] = list(ws.acks)
        await platform.stop()
        await core.close()
        await fake.stop()
    for label, seconds in results.items():
        print(_summary(label, seconds))


if __name__ == "__main__":
    asyncio.run(main())
