"""The `mentorbot` command: run the bot, the terminal chat, migrations, one sweep."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys

from bot.config import ConfigError, Settings, load_settings


class CommandFailed(Exception):
    """The command ran but could not do all of its work; the message says what, for a person or cron."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mentorbot", description="The alumni mentorship bot.")
    sub = parser.add_subparsers(dest="command")
    run = sub.add_parser(
        "run",
        help="start every platform whose settings are set; with none, the terminal chat",
        description="Start every platform whose settings are set (with none, the terminal chat). Several "
        "processes may share one PostgreSQL database, each running some parts: every process with 'updates' "
        "handles what reaches it (each update once); 'scheduler' and 'delivery' run in one process at a time, "
        "whichever holds their lease, and another takes over within LEASE_SECONDS + LEASE_RENEW_SECONDS when it "
        "dies. Processes without the delivery lease hand their answers to the one holding it, so the "
        "platforms' flood limits hold for all of them together.",
    )
    run.add_argument(
        "--parts",
        default="updates,scheduler,delivery",
        help="comma-separated, default all: 'updates' receives and handles updates (polling, the Telegram "
        "webhook, Slack), 'scheduler' runs the sweeps, 'delivery' sends the outbox (needs 'updates')",
    )
    sub.add_parser("console", help="the terminal chat (reads a script from standard input too)")
    db = sub.add_parser("db", help="database maintenance")
    db.add_argument("action", choices=["upgrade"], help="apply migrations up to the newest")
    demo = sub.add_parser("demo", help="load the demo people into an empty database, or generate a programme")
    demo.add_argument("--mentors", type=int, default=0, help="generate this many mentors (with --students)")
    demo.add_argument("--students", type=int, default=0, help="generate this many students")
    demo.add_argument("--seed", type=int, default=1, help="the same seed makes the same programme")
    sub.add_parser("sweep", help="run the scheduler's sweeps once and exit (for cron)")
    return parser


async def _console(settings: Settings) -> None:
    from bot.app import create_core
    from bot.core.clock import OffsetClock, load_clock_offset
    from bot.platforms.console import run_console

    clock = OffsetClock()
    core = await create_core(settings, clock)
    try:
        clock.offset = await load_clock_offset(core.sessions)  # where the last /clock left the demo
        if settings.demo_data:
            await _load_demo(core)
        await run_console(core)
    finally:
        await core.close()


async def _load_demo(core) -> bool:  # type: ignore[no-untyped-def]
    from bot.demo import load_demo

    async with core.sessions() as session, session.begin():
        return await load_demo(session, core.clock.now(), core.programme)


async def _check_database(settings: Settings) -> None:
    """Open the database once before anything starts: an unreachable one is one sentence, not a traceback."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import DBAPIError

    from storage.db import make_engine

    engine = make_engine(settings.database_url)
    try:
        async with engine.connect():
            pass
    except (DBAPIError, OSError) as exc:
        reason = getattr(exc, "orig", None) or exc
        where = make_url(settings.database_url).render_as_string(hide_password=True)
        raise CommandFailed(f"can't open the database at DATABASE_URL={where} ({reason}). Check the setting.") from exc
    finally:
        await engine.dispose()
        await _driver_threads_finished()


async def _driver_threads_finished(limit_seconds: float = 2.0) -> None:
    """aiosqlite answers from a thread of its own, even after a connection failed to open; leaving the event
    loop before that thread is done makes it print a traceback after our one sentence. Bounded wait."""
    import threading

    workers = [t for t in threading.enumerate() if "_connection_worker_thread" in t.name]

    def join() -> None:
        for worker in workers:
            worker.join(timeout=limit_seconds)

    await asyncio.to_thread(join)  # the loop keeps running meanwhile, so the thread can hand its answer over


async def _upgrade(settings: Settings) -> None:
    from storage.db import make_engine
    from storage.migrate import upgrade

    engine = make_engine(settings.database_url)
    try:
        await upgrade(engine)
    finally:
        await engine.dispose()
    print("The database is up to date.")


async def _demo(settings: Settings, mentors: int = 0, students: int = 0, seed: int = 1) -> None:
    from bot.app import create_core

    core = await create_core(settings)
    try:
        if mentors or students:
            from bot.demo_scale import generate

            async with core.sessions() as session, session.begin():
                made = await generate(
                    session, core.programme, core.clock.now(), mentors=mentors, students=students, seed=seed
                )
            print(made.summary() if made else "The database already has people in it; nothing generated.")
            return
        loaded = await _load_demo(core)
        print("Demo data loaded." if loaded else "The database already has people in it; nothing loaded.")
    finally:
        await core.close()


async def _sweep(settings: Settings) -> None:
    from bot.app import create_core
    from scheduler.sweeps import sweep_core

    core = await create_core(settings)
    try:
        result = await sweep_core(core)
        details = ", ".join(f"{name.replace('_', ' ')} {count}" for name, count in result.notes.items())
        print(f"Sweep done: {result.total} notices queued ({details}).")
        if result.failed:
            raise CommandFailed(f"these sweeps failed and run again next time: {', '.join(result.failed)}")
    finally:
        await core.close()


def _nothing_configured(settings: Settings) -> bool:
    """No platform has its settings: `mentorbot run` is the terminal chat then."""
    from bot.platforms import platforms

    return not platforms.configured(settings)


async def _run(settings: Settings, parts: str = "updates,scheduler,delivery") -> None:
    if _nothing_configured(settings):
        await _console(settings)
        return
    from bot.runner import run_platforms

    await run_platforms(settings, parts)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    command = args.command or "run"
    parts = getattr(args, "parts", "updates,scheduler,delivery")
    try:
        settings = load_settings()
        from bot.programme import load_programme

        load_programme(settings.programme)  # a bad programme file stops us here, before anything starts
    except ConfigError as exc:
        print(f"mentorbot: {exc}", file=sys.stderr)
        return 2
    console = command == "console" or (command == "run" and _nothing_configured(settings))
    from bot.logs import configure

    level = logging.WARNING if console else getattr(logging, settings.log_level.upper(), logging.INFO)
    configure(level, settings.secret_values())
    runners = {"run": _run, "console": _console, "db": _upgrade, "demo": _demo, "sweep": _sweep}
    if command == "demo":
        runners["demo"] = lambda settings: _demo(settings, args.mentors, args.students, args.seed)
    try:
        if command == "run":
            from bot.runner import parse_parts

            parse_parts(parts)  # a wrong --parts is one sentence before anything starts
        asyncio.run(_check_database(settings))
        if command == "run":
            asyncio.run(_run(settings, parts))
        else:
            asyncio.run(runners[command](settings))
    except KeyboardInterrupt:
        pass
    except ConfigError as exc:
        print(f"mentorbot: {exc}", file=sys.stderr)
        return 2
    except CommandFailed as exc:
        print(f"mentorbot: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
