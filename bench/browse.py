"""How long a student waits for a /mentors page on a large programme, against /help in the same run.

    python -m bench.browse                     # SQLite, 1,000 and 10,000 approved mentors
    python -m bench.browse --pg-private        # and a throw-away PostgreSQL server (needs initdb)
    python -m bench.browse --out FILE          # write the markdown table into FILE as well

Each size gets a fresh database filled by the demo generator (bot.demo_scale: twice as many students as
mentors) in a separate process, so the peak memory reported is that of browsing, not of generating. The
pages are driven through the real core (`Core.handle` with an Event, as the tests do): for each of five
students the first page, Next pages, an area filter and an industry filter, 30 pages in all; the figure
is their 95th percentile, beside the median /help of the same students, once three other students have
browsed the same way (WARM_UP). Goals: at most 5x /help at 1,000
mentors, at most 10x at 10,000.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import resource
import statistics
import sys
import tempfile
import time
import uuid
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from bench.postgres import postgres_url
from bot.app import create_core
from bot.config import load_settings
from bot.core.clock import ManualClock
from bot.core.events import Actor, Event

NOW = dt.datetime(2026, 5, 20, 10, 0, tzinfo=dt.UTC)
SIZES = (1_000, 10_000)
GOALS = {1_000: 5.0, 10_000: 10.0}
STUDENTS = ("student1", "student7", "student13", "student21", "student40")
# Other students browse the same pages first. Python runs a function faster once it has run it a few times
# (3.11 specialises its bytecode as it goes: the same page took 2.9, 2.1, 1.8 ... 1.5 ms when asked ten times
# in a row), so one warm-up call left the first pages timed running code not yet specialised. The students
# timed have not been here for a while: their first page also records that they were seen.
WARM_UP = ("student2", "student3", "student4")
# (action, payload) after the first page: Next, Next, an area, Next within it, an industry.
PRESSES = (("browse.pg", "1.-.-"), ("browse.pg", "2.-.-"), ("browse.pg", "0.0.-"), ("browse.pg", "1.0.-"))
PRESSES += (("browse.pg", "0.-.1"),)


async def _generate(url: str, mentors: int) -> None:
    from bot.demo_scale import generate

    core = await create_core(load_settings(database_url=url, _env_file=None), ManualClock(NOW))
    try:
        async with core.sessions() as session, session.begin():
            await generate(session, core.programme, NOW, mentors=mentors, students=2 * mentors, seed=5)
    finally:
        await core.close()


def _fill(url: str, mentors: int) -> None:
    """In a child process: the generator's rows never count towards the browsing process's memory."""
    asyncio.run(_generate(url, mentors))


def _actor(name: str) -> Actor:
    return Actor(platform="console", external_id=name, chat_id=name, display_name=name)


async def bench_one(url: str, mentors: int) -> dict[str, Any]:
    with ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn")) as pool:
        await asyncio.get_running_loop().run_in_executor(pool, _fill, url, mentors)
    core = await create_core(load_settings(database_url=url, _env_file=None), ManualClock(NOW), migrate=False)
    try:

        async def timed(event: Event) -> tuple[float, str]:
            began = time.perf_counter()
            replies = await core.handle(event)
            return time.perf_counter() - began, "\n".join(reply.text for reply in replies)

        for name in WARM_UP:  # a running bot's state: its caches filled, its code run often enough to be fast
            actor = _actor(name)
            for _repeat in range(3):
                await timed(Event.command_from_text(actor, "/mentors"))
                for action, payload in PRESSES:
                    await timed(Event(actor=actor, kind="action", action=action, payload=payload))
                await timed(Event.command_from_text(actor, "/help"))
        pages, helps, cards = [], [], 0
        for name in STUDENTS:
            actor = _actor(name)
            seconds, text = await timed(Event.command_from_text(actor, "/mentors"))
            pages.append(seconds)
            cards += "best matches first" in text
            for action, payload in PRESSES:
                seconds, text = await timed(Event(actor=actor, kind="action", action=action, payload=payload))
                pages.append(seconds)
                cards += "best matches first" in text
            for _repeat in range(6):
                helps.append((await timed(Event.command_from_text(actor, "/help")))[0])
    finally:
        await core.close()
    return {
        "p95": statistics.quantiles(pages, n=20)[-1],
        "help": statistics.median(helps),
        "pages": len(pages),
        "cards": cards,
    }


def _row(backend: str, mentors: int, result: dict[str, Any]) -> str:
    ratio = result["p95"] / result["help"]
    verdict = "ok" if ratio <= GOALS[mentors] else "over"
    return (
        f"| {backend} | {mentors:,} | {result['p95'] * 1000:.1f} ms | {result['help'] * 1000:.1f} ms | "
        f"{ratio:.1f}x | <= {GOALS[mentors]:.0f}x {verdict} | {result['cards']}/{result['pages']} |"
    )


async def _pg_admin(url: str, sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def main(sizes: tuple[int, ...], pg_url: str | None) -> list[str]:
    lines = [
        "| database | mentors (92 % approved) | /mentors p95 | /help median (anchor) | ratio | goal | cards shown |",
        "|---|---|---|---|---|---|---|",
    ]
    print("\n".join(lines), flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            lines.append(_row("SQLite", n, await bench_one(f"sqlite+aiosqlite:///{Path(tmp) / f'browse_{n}.db'}", n)))
            print(lines[-1], flush=True)
    if pg_url:
        base = load_settings(database_url=pg_url, _env_file=None).database_url
        for n in sizes:
            name = f"mb_browse_{uuid.uuid4().hex[:8]}"
            await _pg_admin(base, f'CREATE DATABASE "{name}"')
            try:
                lines.append(_row("PostgreSQL", n, await bench_one(base.rpartition("/")[0] + "/" + name, n)))
                print(lines[-1], flush=True)
            finally:
                await _pg_admin(base, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    else:
        print("\nPostgreSQL: set MENTORBOT_BENCH_PG_URL (or use --pg-private) to run it too.")
    # ru_maxrss is in kilobytes on Linux: the browsing process's peak, the largest programme included.
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    lines.append(f"\nPeak memory of the browsing process (up to {max(sizes):,} mentors, {2 * max(sizes):,} students): "
                 f"{peak:.0f} MB")  # fmt: skip
    print(lines[-1])
    return lines


def cli() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default=",".join(str(s) for s in SIZES), help="mentor counts, comma-separated")
    parser.add_argument("--out", type=Path, help="write the table into this file too")
    parser.add_argument("--pg-private", action="store_true", help="start a private PostgreSQL server for the run")
    args = parser.parse_args()
    sizes = tuple(int(s) for s in args.sizes.split(","))
    GOALS.update({n: GOALS.get(n, 10.0) for n in sizes})
    with postgres_url(args.pg_private) as pg_url:
        lines = asyncio.run(main(sizes, pg_url))
    if args.out:
        args.out.write_text("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(cli())
