"""Telegram against the fake Bot API on 127.0.0.1, each figure beside an anchor measured in the same run.

With Telegram's flood limits on (30 messages a second overall, a burst then 1 a second per chat, 429 with
retry_after): 1,000 people each send one command through getUpdates; what the bot delivers per second (as a
multiple of the limit), how many answers are lost after 60 s, and how many 429s it took; the same for
python-telegram-bot's echo bot with its `AIORateLimiter`, the library's documented set-up.

With the limits off (the fake without them, TELEGRAM_MAX_MESSAGES_PER_SECOND raised): the bot's own updates a
second against the smallest python-telegram-bot echo bot (an Application with one MessageHandler replying
with the text), the two run one after the other in each of ROUNDS rounds, and the median round's ratio
is the figure. Everything runs in this one process, the fake included, the same way for every bot.

    .venv/bin/python -m bench.telegram [--people 1000] [--capacity 2000] [--only limits|capacity] [--out FILE]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import tempfile
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path

from bot.app import create_core
from bot.config import load_settings
from bot.core.clock import SystemClock
from bot.platforms.telegram import TelegramPlatform
from tests.telegram.fake_api import TOKEN, FakeTelegram, FloodLimits

LIMIT = 30  # Telegram's overall messages a second
DEADLINE = 60.0  # what has not arrived by then counts as lost
FIRST_PERSON = 100_000
ROUNDS = 3  # of the limits-off comparison (see `_limits_off`)


@dataclass
class Run:
    updates: int
    answered: int  # distinct people who got their answer
    seconds: float  # from the first update offered to the last answer (or the deadline)
    refusals: int  # 429s the fake gave

    @property
    def per_second(self) -> float:
        """Answers a second until everyone had theirs; when some never did, over the whole DEADLINE (as
        "942 of 1,000 in 60 s")."""
        seconds = self.seconds if not self.lost else DEADLINE
        return self.answered / seconds if seconds else 0.0

    @property
    def lost(self) -> int:
        return self.updates - self.answered


def _offer(fake: FakeTelegram, count: int, text: str) -> None:
    for n in range(count):
        person = {"id": FIRST_PERSON + n, "is_bot": False, "first_name": f"P{n}"}
        fake.push(fake.message_update(person, text))


async def _measure(fake: FakeTelegram, count: int, text: str, deadline: float = DEADLINE) -> Run:
    """Offer `count` updates at once and wait until each person has an answer (or the deadline)."""
    before = len(fake.calls)
    flooded = fake.flooded
    started = time.perf_counter()
    _offer(fake, count, text)
    answered: set[int] = set()
    seen = before
    last = started
    while len(answered) < count and time.perf_counter() - started < deadline:
        await asyncio.sleep(0.005)
        calls = fake.calls
        for call in calls[seen : len(calls)]:
            if call.ok and call.method == "sendMessage" and (call.chat_id or 0) >= FIRST_PERSON:
                answered.add(call.chat_id or 0)
                last = time.perf_counter()
        seen = len(calls)
    return Run(count, len(answered), last - started, fake.flooded - flooded)


@contextlib.asynccontextmanager
async def _mentorbot(fake: FakeTelegram, per_second: float) -> AsyncIterator[None]:
    """The bot as `mentorbot run` runs it on Telegram: long polling, the outbox worker beside it."""
    with tempfile.TemporaryDirectory() as folder:
        settings = load_settings(
            database_url=f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}",
            telegram_bot_token=TOKEN,
            telegram_api_base_url=fake.base_url,
            telegram_max_messages_per_second=per_second,
            _env_file=None,
        )
        core = await create_core(settings, SystemClock())
        platform = TelegramPlatform(core, listen="127.0.0.1", poll_timeout=1.0)
        core.delivery.add_transport(platform)
        runner = asyncio.create_task(platform.run())
        delivery = asyncio.create_task(core.delivery.run_forever())
        await platform.ready.wait()
        try:
            yield
        finally:
            core.delivery.stop()
            runner.cancel()
            await asyncio.gather(runner, return_exceptions=True)
            await asyncio.gather(delivery, return_exceptions=True)
            await core.close()


@contextlib.asynccontextmanager
async def _echo_bot(fake: FakeTelegram, *, rate_limiter: bool) -> AsyncIterator[None]:
    """python-telegram-bot's echo bot: one MessageHandler replying with the text, polling with the
    library's Updater; `rate_limiter`: with `AIORateLimiter()` as the docs set it up."""
    from telegram import Update
    from telegram.ext import AIORateLimiter, Application, ContextTypes, MessageHandler, filters

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if update.message is not None and update.message.text is not None:
            await update.message.reply_text(update.message.text)

    builder = Application.builder().token(TOKEN).base_url(fake.base_url)
    if rate_limiter:
        builder = builder.rate_limiter(AIORateLimiter())
    app = builder.build()
    app.add_handler(MessageHandler(filters.TEXT, echo))
    async with app:
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0.0, timeout=1)
        await app.start()
        try:
            yield
        finally:
            await app.updater.stop()
            await app.stop()


async def _run(
    bot: Callable[[FakeTelegram], contextlib.AbstractAsyncContextManager[None]],
    fake: FakeTelegram,
    count: int,
    text: str,
) -> Run:
    await fake.start()
    try:
        async with bot(fake):
            await asyncio.sleep(0.5)  # started and polling
            return await _measure(fake, count, text)
    finally:
        await fake.stop()


async def main(people: int, capacity: int, only: str | None = None) -> str:
    """The rows of both parts, or of one (`only`: "limits" or "capacity"), each beside its anchor."""
    # The echo bot's lost replies are logged as handler errors, one each; the figures say it.
    logging.basicConfig(level=logging.CRITICAL)
    rows = ["| figure | anchor | ratio |", "|---|---|---|"]
    if only in (None, "limits"):
        rows += await _limits_on(people)
    if only in (None, "capacity"):
        rows += await _limits_off(capacity)
    return "\n".join(rows)


async def _limits_on(people: int) -> list[str]:
    limits = FloodLimits(overall=LIMIT)
    ours = await _run(lambda f: _mentorbot(f, LIMIT), FakeTelegram(limits), people, "/help")
    theirs = await _run(lambda f: _echo_bot(f, rate_limiter=True), FakeTelegram(limits), people, "hello")

    def limited(name: str, run: Run) -> str:
        return (
            f"| {name}: {people:,} people, one command each, limits on | {run.answered:,} answered in "
            f"{run.seconds if not run.lost else DEADLINE:.1f} s = {run.per_second:.1f} msg/s, {run.lost} lost, "
            f"{run.refusals} 429s | limit {LIMIT} msg/s | {run.per_second / LIMIT:.2f} × |"
        )

    return [
        limited("mentorbot", ours),
        limited("PTB echo bot + AIORateLimiter", theirs),
        f"| mentorbot against the PTB echo bot with limits on | {ours.per_second:.1f} msg/s, {ours.lost} lost | "
        f"{theirs.per_second:.1f} msg/s, {theirs.lost} lost | {ours.per_second / max(theirs.per_second, 1e-9):.2f} × |",
    ]


async def _limits_off(capacity: int, rounds: int = ROUNDS) -> list[str]:
    """Each round runs the bot, then the echo bot, one after the other: the ratio of each round is taken
    between runs a few seconds apart, and the median round is reported, so that a moment when the machine
    is slower (a shared virtual machine's speed drifts by a fifth from minute to minute) shifts one round
    and not the figure."""
    pairs: list[tuple[Run, Run]] = []
    for _round in range(rounds):
        fast = await _run(lambda f: _mentorbot(f, 100_000), FakeTelegram(), capacity, "/help")
        echo = await _run(lambda f: _echo_bot(f, rate_limiter=False), FakeTelegram(), capacity, "hello")
        pairs.append((fast, echo))
    rated = sorted(
        ((fast.per_second / max(echo.per_second, 1e-9), fast, echo) for fast, echo in pairs), key=lambda r: r[0]
    )
    ratio, fast, echo = rated[rounds // 2]
    return [
        f"| mentorbot, limits off ({capacity:,} updates, {fast.lost} unanswered; median of {rounds} rounds, "
        f"ratios {', '.join(f'{r:.2f}' for r, _fast, _echo in rated)}) | {fast.per_second:.0f} updates/s | "
        f"PTB echo bot {echo.per_second:.0f} updates/s ({echo.lost} unanswered) | {ratio:.2f} × |"
    ]


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=1000, help="people sending one command, limits on")
    parser.add_argument("--capacity", type=int, default=2000, help="updates offered with the limits off")
    parser.add_argument("--only", choices=["limits", "capacity"], help="only the limits-on or the limits-off part")
    parser.add_argument("--out", type=Path, help="also write the markdown rows to this file")
    return parser.parse_args()


if __name__ == "__main__":
    arguments = _arguments()
    table = asyncio.run(main(arguments.people, arguments.capacity, arguments.only))
    print(table)
    if arguments.out is not None:
        arguments.out.write_text(table + "\n")
