"""`mentorbot run` as a real process against the fake Telegram API (started, killed with SIGKILL,
restarted), and the burst of updates the reliability tests send it."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func, select, update

from bot.app import create_core
from bot.config import load_settings
from storage.models import ContactLog, Identity, InboxUpdate, Outbox, User
from tests.lifecycle_support import add_pair, add_person
from tests.telegram.fake_api import TOKEN, FakeTelegram

ROOT = Path(__file__).resolve().parents[2]
PAIRS = 40
NEWCOMERS = 20


class BotProcess:
    def __init__(
        self, fake: FakeTelegram, database_url: str, workdir: Path, name: str = "bot", **settings: str
    ) -> None:
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
        self.name = name
        self.process: asyncio.subprocess.Process | None = None
        self.runs = 0

    def _log(self, run: int) -> Path:
        return self.workdir / f"{self.name}-{run}.log"

    async def start(self) -> None:
        self.runs += 1
        with self._log(self.runs).open("wb") as out:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", "run", cwd=self.workdir, env=self.env, stdout=out, stderr=out
            )

    async def kill(self) -> None:
        """SIGKILL: no clean-up of any kind, as when the machine loses power."""
        if self.process is not None and self.process.returncode is None:
            self.process.kill()
            await self.process.wait()

    async def stop(self) -> None:
        """Ctrl-C, as a person stops it; SIGKILL if it has not stopped within 30 s."""
        if self.process is None or self.process.returncode is not None:
            return
        self.process.send_signal(signal.SIGINT)
        try:
            await asyncio.wait_for(self.process.wait(), 30)
        except TimeoutError:
            await self.kill()
            raise AssertionError(f"{self.name} did not stop within 30 s") from None

    def logs(self) -> str:
        return "\n".join(self._log(n).read_text(errors="replace") for n in range(1, self.runs + 1))


async def until(condition: Callable[[], bool], what: str, seconds: float = 90.0) -> None:
    """Wait for something the bot does (checked every 20 ms), failing with `what` after `seconds`."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while not condition():
        if loop.time() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        await asyncio.sleep(0.02)


@dataclass
class Burst:
    """Who was sent what, and the words each one's answer must contain."""

    mentees: list[int] = field(default_factory=list)
    mentors: list[int] = field(default_factory=list)
    newcomers: list[int] = field(default_factory=list)
    updates: list[dict[str, object]] = field(default_factory=list)

    @property
    def expected(self) -> dict[int, str]:
        words = {chat: "Logged:" for chat in self.mentees} | {chat: "What you can do" for chat in self.mentors}
        return words | {chat: "Hello" for chat in self.newcomers}

    def everyone_answered(self, fake: FakeTelegram) -> bool:
        return all(any(words in c.text for c in fake.delivered(chat)) for chat, words in self.expected.items())

    def doubled(self, fake: FakeTelegram) -> int:
        """Answers that reached a person more than once."""
        counts = (
            Counter(c.text for c in fake.delivered(chat) if words in c.text) for chat, words in self.expected.items()
        )
        return sum(n - 1 for count in counts for n in count.values() if n > 1)


def person(chat: int, first: str) -> dict[str, object]:
    return {"id": chat, "is_bot": False, "first_name": first}


async def burst(database_url: str, fake: FakeTelegram) -> Burst:
    """Forty matched pairs known to Telegram (mentee chats 20001…, mentor chats 30001…) and twenty
    newcomers (40001…); the updates: each mentee logs a contact in one line, each mentor asks for /help,
    each newcomer sends /start. The updates are made, not yet sent."""
    core = await create_core(load_settings(database_url=database_url, _env_file=None), migrate=False)
    plan = Burst()
    try:
        for n in range(1, PAIRS + 1):
            mentor = await add_person(core, f"m{n}", f"Mentor {n}", "alumnus")
            mentee = await add_person(core, f"s{n}", f"Student {n}", "student")
            await add_pair(core, mentor, mentee)
            for user_id, chat in ((mentor, 30000 + n), (mentee, 20000 + n)):
                async with core.sessions() as session, session.begin():
                    await session.execute(
                        update(Identity)
                        .where(Identity.user_id == user_id)
                        .values(platform="telegram", external_id=str(chat), chat_id=str(chat))
                    )
            plan.mentees.append(20000 + n)
            plan.mentors.append(30000 + n)
    finally:
        await core.close()
    plan.newcomers = [40001 + n for n in range(NEWCOMERS)]
    for mentee, mentor in zip(plan.mentees, plan.mentors, strict=True):
        plan.updates.append(
            fake.message_update(person(mentee, "Student"), "/log met today on zoom, talked about my CV")
        )
        plan.updates.append(fake.message_update(person(mentor, "Mentor"), "/help"))
    plan.updates += [fake.message_update(person(chat, "Newcomer"), "/start") for chat in plan.newcomers]
    return plan


@dataclass
class Outcome:
    contacts: int
    people: int
    unfinished_updates: int
    waiting_answers: list[tuple[str, str, str]]


async def outcome(database_url: str) -> Outcome:
    core = await create_core(load_settings(database_url=database_url, _env_file=None), migrate=False)
    try:
        async with core.sessions() as session:
            waiting = await session.scalars(select(Outbox).where(Outbox.status != "sent", Outbox.chat_id.is_not(None)))
            return Outcome(
                contacts=int(await session.scalar(select(func.count()).select_from(ContactLog)) or 0),
                people=int(await session.scalar(select(func.count()).select_from(User)) or 0),
                unfinished_updates=int(
                    await session.scalar(
                        select(func.count()).select_from(InboxUpdate).where(InboxUpdate.status != "handled")
                    )
                    or 0
                ),
                waiting_answers=[(r.status, r.last_error, str(r.reply.get("text", ""))[:60]) for r in waiting],
            )
    finally:
        await core.close()


async def until_nothing_pending(database_url: str, seconds: float = 90.0) -> None:
    """Until no answer waits in the outbox (one that failed for a moment is retried after a pause)."""
    core = await create_core(load_settings(database_url=database_url, _env_file=None), migrate=False)
    pending = select(func.count()).select_from(Outbox).where(Outbox.status == "pending", Outbox.chat_id.is_not(None))
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    try:
        while True:
            async with core.sessions() as session:
                left = int(await session.scalar(pending) or 0)
            if not left:
                return
            assert loop.time() < deadline, f"{left} answers still waiting in the outbox"
            await asyncio.sleep(0.2)
    finally:
        await core.close()
