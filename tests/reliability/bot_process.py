"""`mentorbot run` as a real process against the fake Telegram API: started, killed with SIGKILL, restarted."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

from tests.telegram.fake_api import TOKEN, FakeTelegram

ROOT = Path(__file__).resolve().parents[2]


class BotProcess:
    def __init__(self, fake: FakeTelegram, database_url: str, workdir: Path, **settings: str) -> None:
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "SLACK_", "MENTORBOT_"))},
            "PYTHONPATH": str(ROOT),
            "DATABASE_URL": database_url,
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_API_BASE_URL": fake.base_url,
            "DEMO_DATA": "false",
            "STAFF_IDS": "",
            "LOG_LEVEL": "INFO",
            **settings,
        }
        self.workdir = workdir  # no .env here: only the settings above count
        self.process: asyncio.subprocess.Process | None = None
        self.runs = 0

    @property
    def log(self) -> Path:
        return self.workdir / f"bot-{self.runs}.log"

    async def start(self) -> None:
        self.runs += 1
        with self.log.open("wb") as out:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", "run", cwd=self.workdir, env=self.env, stdout=out, stderr=out
            )

    async def kill(self) -> None:
        """SIGKILL: no clean-up of any kind, as when the machine loses power."""
        assert self.process is not None
        self.process.kill()
        await self.process.wait()

    async def stop(self) -> None:
        if self.process is None or self.process.returncode is not None:
            return
        self.process.send_signal(signal.SIGINT)
        try:
            await asyncio.wait_for(self.process.wait(), 30)
        except TimeoutError:
            await self.kill()

    def logs(self) -> str:
        return "\n".join((self.workdir / f"bot-{n}.log").read_text(errors="replace") for n in range(1, self.runs + 1))


async def until(condition, what: str, seconds: float = 60.0) -> None:  # type: ignore[no-untyped-def]
    """Wait for something the bot does (checked every 20 ms), failing with `what` after `seconds`."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while not condition():
        if loop.time() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        await asyncio.sleep(0.02)
