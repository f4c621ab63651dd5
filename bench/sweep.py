"""How long one scheduler sweep takes with 1,000, 10,000 and 100,000 active pairs, about 1 % of them due.

    python -m bench.sweep                      # SQLite
    MENTORBOT_BENCH_PG_URL=postgresql://user@host:5432/postgres python -m bench.sweep   # and PostgreSQL
    python -m bench.sweep --pg-private         # start a throw-away PostgreSQL server here (needs initdb)

Each size gets a fresh database with a realistic history: every pair has contact logs and past notices
(earlier nudges, its half-way check-in once past it), mentors have profiles, a tenth of the mentors have a
pending request. About 1 % of pairs are overdue for a nudge, some reach their half-way check-in, some
requests pass 7 or 14 days. The sweep should cost in proportion to what is due, not to the pairs: the
second, idle sweep (everything already claimed) shows the fixed cost. Each size is filled once and swept RUNS
times, each time on a fresh copy of the filled database (this machine's timings vary by a quarter from one run
to the next); the figures are the medians, beside the fastest and the slowest.

Beside each figure, an anchor measured in the same run on the same database: the time of one plain
`SELECT 1` round trip (the mean of ANCHOR_TRIPS), so the sweep reads as a number of round trips whatever
the machine's speed. `--out FILE` also writes the rows as a markdown table.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import gc
import random
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from sqlalchemy import insert, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bench.postgres import postgres_url
from bot.app import load_capabilities
from bot.config import Settings, load_settings
from bot.core.daytime import add_months
from bot.programme import Programme, load_programme
from scheduler.sweeps import run_sweeps
from storage.db import READ_ONLY, make_engine, make_sessionmaker
from storage.migrate import upgrade
from storage.models import ContactLog, MentorProfile, MentorshipRequest, Notice, Pair, SweepMark, User

NOW = dt.datetime(2026, 3, 16, 10, 0, tzinfo=dt.UTC)  # a Monday morning outside August
SIZES = (1_000, 10_000, 100_000)
LOGS_PER_PAIR = 3
CHUNK = 5_000
ANCHOR_TRIPS = 500
RUNS = 5  # timed sweeps per size, each on a fresh copy of the same database; the figure is their median


def _rows(n_pairs: int, seed: int = 7) -> dict[str, list[dict[str, Any]]]:
    rng = random.Random(seed)
    day = dt.timedelta(days=1)
    n_mentors = n_pairs // 2  # two mentees each
    users, profiles, pairs, logs, notices, requests = [], [], [], [], [], []
    for uid in range(1, n_mentors + 1):
        users.append({"id": uid, "name": f"Mentor {uid}", "role": "alumnus", "created_at": NOW - 400 * day})
        profiles.append(
            {
                "user_id": uid,
                "status": "approved",
                "active": True,
                "capacity": 3,
                "active_mentees": 2,
                "confirmed_at": NOW - rng.randint(10, 200) * day,
                "updated_at": NOW - 200 * day,
            }
        )
    first_mentee = n_mentors + 1
    for i in range(n_pairs):
        mentee = first_mentee + i
        users.append({"id": mentee, "name": f"Student {mentee}", "role": "student", "created_at": NOW - 300 * day})
        pid = i + 1
        started = NOW - dt.timedelta(minutes=rng.randint(0, 150 * 24 * 60))  # up to five months ago
        overdue = rng.random() < 0.01
        last = NOW - (rng.uniform(30.1, 34) if overdue else rng.uniform(0.5, 29.5)) * day
        last = max(last, started) if not overdue else last
        pairs.append(
            {
                "id": pid,
                "mentor_id": 1 + i // 2,
                "mentee_id": mentee,
                "status": "active",
                "contact_interval_days": 30,
                "created_at": started,
                "started_at": started,
                "cycle_ends_at": add_months(started, 6),
                "last_contact_at": last,
            }
        )
        for k in range(LOGS_PER_PAIR):
            happened = (last - k * 20 * day).date()
            logs.append(
                {"pair_id": pid, "author_id": mentee, "happened_on": happened, "method": "video", "created_at": NOW}
            )
        # History: an earlier nudge, answered; the check-in of pairs well past their third month.
        notices.append(
            {
                "key": f"nudge:{pid}:old:1",
                "kind": "nudge_due",
                "pair_id": pid,
                "data": {},
                "created_at": last - 10 * day,
            }
        )
        if add_months(started, 3) < NOW - day:
            notices.append(
                {"key": f"checkin:{pid}", "kind": "checkin_due", "pair_id": pid, "data": {}, "created_at": NOW}
            )
    for j in range(n_mentors // 10):
        created = NOW - rng.uniform(0, 6) * day if rng.random() > 0.1 else NOW - rng.uniform(7, 15) * day
        requests.append({"mentee_id": first_mentee + j, "mentor_id": 1 + (j * 7) % n_mentors, "created_at": created})
    # The previous hourly run's marks: this is one sweep of a bot that has been running, not a first start.
    marks = [{"name": name, "until": NOW - dt.timedelta(hours=1)} for name in MARKED]
    return {
        "sweep_marks": marks,
        "users": users,
        "mentor_profiles": profiles,
        "pairs": pairs,
        "contact_logs": logs,
        "notices": notices,
        "requests": requests,
    }


WRITTEN = ("notices", "outbox", "requests", "sweep_marks", "reports")  # what a sweep writes to
MARKED = ("checkins", "cycle_end", "survey_reminders", "reconfirmation_pause")
MODELS = {
    "sweep_marks": SweepMark,
    "users": User,
    "mentor_profiles": MentorProfile,
    "pairs": Pair,
    "contact_logs": ContactLog,
    "notices": Notice,
    "requests": MentorshipRequest,
}


async def _fill(engine: AsyncEngine, rows: dict[str, list[dict[str, Any]]]) -> None:
    async with engine.begin() as conn:
        for table, batch in rows.items():
            for start in range(0, len(batch), CHUNK):
                target: Any = MODELS[table].__table__  # type: ignore[attr-defined]
                await conn.execute(insert(target), batch[start : start + CHUNK])
        if engine.dialect.name == "postgresql":
            for table in rows:
                await conn.execute(text(f"ANALYZE {table}"))
            await conn.execute(text("SELECT setval('pairs_id_seq', (SELECT max(id) FROM pairs))"))
            await conn.execute(text("SELECT setval('users_id_seq', (SELECT max(id) FROM users))"))
        else:
            await conn.execute(text("ANALYZE"))


async def _plan(engine: AsyncEngine) -> list[str]:
    cutoff = (NOW - dt.timedelta(days=30)).isoformat()
    sql = (
        f"SELECT id FROM pairs WHERE status = 'active' AND contact_interval_days = 30 AND last_contact_at <= '{cutoff}'"
    )
    async with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            rows = await conn.execute(text("EXPLAIN " + sql))
            return [r[0] for r in rows]
        rows = await conn.execute(text("EXPLAIN QUERY PLAN " + sql))
        return [str(r[-1]) for r in rows]


async def _round_trip_s(engine: AsyncEngine) -> float:
    """The anchor: one plain `SELECT 1` round trip through the same driver and pool, in seconds. In a
    transaction that only reads: on SQLite, statements of one that writes skip the driver's thread."""
    async with engine.connect() as conn:
        conn = await conn.execution_options(**{READ_ONLY: True})
        await conn.execute(text("SELECT 1"))  # the connection is open before the clock starts
        started = time.perf_counter()
        for _ in range(ANCHOR_TRIPS):
            await conn.execute(text("SELECT 1"))
        return (time.perf_counter() - started) / ANCHOR_TRIPS


async def _sweep_once(url: str, *, show_plan: bool) -> dict[str, Any]:
    """One due sweep, then one idle sweep an hour later, on the database at `url`, with the anchor."""
    engine = make_engine(url)
    try:
        sessions = make_sessionmaker(engine)
        settings = load_settings(database_url=url, _env_file=None)
        programme = load_programme("university")
        await _warm_up(engine, sessions, programme, settings)
        gc.collect()  # the fixture's rows are gone before the clock starts: only the sweep's own work is timed
        started = time.perf_counter()
        first = await run_sweeps(sessions, NOW, programme, settings)
        first_s = time.perf_counter() - started
        started = time.perf_counter()
        idle = await run_sweeps(sessions, NOW + dt.timedelta(hours=1), programme, settings)
        idle_s = time.perf_counter() - started
        plan = await _plan(engine) if show_plan else []
        trip_s = await _round_trip_s(engine)
    finally:
        await engine.dispose()
    return {
        "sweep_s": first_s,
        "notes": first.total,
        "by_sweep": first.notes,
        "by_time": first.seconds,
        "failed": first.failed + idle.failed,
        "idle_s": idle_s,
        "idle_notes": idle.total,
        "plan": plan,
        "trip_s": trip_s,
    }


async def _warm_up(
    engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession], programme: Programme, settings: Settings
) -> None:
    """The state of a bot that has been running: its connection has run this sweep before, so the statements
    are prepared (PostgreSQL) and the tables' pages read. The same sweep, on the pool's one connection, inside
    a transaction rolled back afterwards: the database is as it was (after a VACUUM of what the rolled-back rows
    left behind on PostgreSQL, an emptied log on SQLite), and the timed sweep takes that connection from the
    pool again."""
    async with engine.connect() as conn:
        outer = await conn.begin()
        warming = async_sessionmaker(conn, expire_on_commit=False, join_transaction_mode="create_savepoint")
        await run_sweeps(warming, NOW, programme, settings)
        await outer.rollback()
        if engine.dialect.name == "postgresql":
            tidy = await conn.execution_options(isolation_level="AUTOCOMMIT")
            await tidy.execute(text("VACUUM " + ", ".join(WRITTEN)))  # the pool restores the isolation level
    if engine.dialect.name == "sqlite":  # the log's rolled-back pages, which every later read would look past
        await asyncio.to_thread(_empty_log, str(engine.url.database))


class Copies:
    """Fresh copies of one filled database, one per timed sweep: this machine's timings vary by a quarter from one
    run to the next, so a figure is the median of RUNS sweeps over the same data rather than one draw."""

    def __init__(self, admin_url: str | None = None) -> None:
        self.admin_url = admin_url  # PostgreSQL: a database to run CREATE DATABASE from; None for SQLite files

    @contextlib.asynccontextmanager
    async def of(self, url: str, label: str) -> AsyncIterator[str]:
        if self.admin_url is None:  # SQLite: the file, copied page by page by SQLite's own backup
            path = url.partition(":///")[2]
            copy = f"{path}.{label}"
            await asyncio.to_thread(_copy_sqlite, path, copy)
            try:
                yield url.partition(":///")[0] + ":///" + copy
            finally:
                await asyncio.to_thread(_remove_sqlite, copy)
        else:
            name = url.rpartition("/")[2]
            copy = f"{name}_{label}"
            await _pg_admin(self.admin_url, f'CREATE DATABASE "{copy}" TEMPLATE "{name}"')
            try:
                yield _database(url, copy)
            finally:
                await _pg_admin(self.admin_url, f'DROP DATABASE IF EXISTS "{copy}" WITH (FORCE)')


def _database(url: str, name: str) -> str:
    """The URL of another database on the same PostgreSQL server."""
    return url.rpartition("/")[0] + "/" + name


def _copy_sqlite(path: str, copy: str) -> None:
    with contextlib.closing(sqlite3.connect(path)) as src, contextlib.closing(sqlite3.connect(copy)) as dst:
        src.backup(dst)


def _empty_log(path: str) -> None:
    with contextlib.closing(sqlite3.connect(path)) as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def _remove_sqlite(path: str) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(path + suffix).unlink(missing_ok=True)


async def bench_one(url: str, n_pairs: int, *, show_plan: bool, copies: Copies, runs: int = RUNS) -> dict[str, Any]:
    engine = make_engine(url)
    try:
        await upgrade(engine)
        started = time.perf_counter()
        await _fill(engine, _rows(n_pairs))
        built = time.perf_counter() - started
    finally:
        await engine.dispose()  # a PostgreSQL database is copied only while nobody is connected to it
    results = []
    for run in range(runs):
        async with copies.of(url, f"run{run}") as copy:
            results.append(await _sweep_once(copy, show_plan=show_plan and run == 0))
    middle = {key: statistics.median(r[key] for r in results) for key in ("sweep_s", "idle_s", "trip_s")}
    failed = [name for r in results for name in r["failed"]]
    counts = {(r["notes"], r["idle_notes"]) for r in results}
    if len(counts) > 1:  # the same data and the same clock: a sweep that differs between copies is a fault
        failed.append(f"the copies sent different numbers of notices: {sorted(counts)}")
    return {
        **results[0],
        **middle,
        "pairs": n_pairs,
        "build_s": built,
        "failed": failed,
        "spread": (min(r["sweep_s"] for r in results), max(r["sweep_s"] for r in results)),
        "by_time": {name: statistics.median(r["by_time"][name] for r in results) for name in results[0]["by_time"]},
    }


HEADER = (
    f"| database | pairs | notices | due sweep ms (median of {RUNS}) | fastest - slowest ms | ms per notice "
    "| idle sweep ms | idle notices "
    "| SELECT 1 round trip ms (anchor) | due sweep in round trips | idle sweep in round trips |\n"
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
)


def _row(label: str, result: dict[str, Any]) -> str:
    per = result["sweep_s"] / max(result["notes"], 1) * 1000
    trip = result["trip_s"]
    low, high = result["spread"]
    return (
        f"| {label} | {result['pairs']:,} | {result['notes']:,} | {result['sweep_s'] * 1000:.0f} "
        f"| {low * 1000:.0f} - {high * 1000:.0f} | {per:.2f} "
        f"| {result['idle_s'] * 1000:.0f} | {result['idle_notes']} | {trip * 1000:.3f} "
        f"| {result['sweep_s'] / trip:,.0f} | {result['idle_s'] / trip:,.0f} |"
        + (f" FAILED {result['failed']}" if result["failed"] else "")
    )


def _print(label: str, result: dict[str, Any], rows: list[str]) -> None:
    rows.append(_row(label, result))
    per = result["sweep_s"] / max(result["notes"], 1) * 1000
    print(
        f"{label:10} {result['pairs']:>8,} pairs  built {result['build_s']:6.1f}s  "
        f"sweep {result['sweep_s'] * 1000:8.1f} ms (median of {RUNS}) for {result['notes']:>5} notices "
        f"({per:5.2f} ms each)  "
        f"idle sweep {result['idle_s'] * 1000:6.1f} ms ({result['idle_notes']} notices)  "
        f"anchor: SELECT 1 round trip {result['trip_s'] * 1000:.3f} ms"
        + (f"  FAILED {result['failed']}" if result["failed"] else ""),
        flush=True,
    )
    print(f"{'':12}by sweep (ms): " + ", ".join(f"{k} {v * 1000:.0f}" for k, v in result["by_time"].items()))
    for line in result["plan"]:
        print(f"{'':12}plan: {line}")


async def _pg_admin(url: str, sql: str) -> None:
    import asyncpg

    dsn = url.replace("postgresql+asyncpg://", "postgresql://")
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def _table(rows: list[str]) -> str:
    about = (
        f"One sweep at {NOW:%Y-%m-%d %H:%M} UTC; about 1 % of pairs overdue. Each size is filled once and swept "
        f"{RUNS} times, each time on a fresh copy of that database; the figures are the medians."
    )
    return "\n".join([about, "", HEADER, *rows])


async def main(sizes: tuple[int, ...], pg_url: str | None, rows: list[str] | None = None) -> None:
    rows = [] if rows is None else rows
    load_capabilities()  # the sweeps are declared beside their services
    print(f"One sweep at {NOW:%Y-%m-%d %H:%M} UTC; about 1 % of pairs overdue.\n")
    with tempfile.TemporaryDirectory() as tmp:
        warm_up = f"sqlite+aiosqlite:///{Path(tmp) / 'warm_up.db'}"
        await bench_one(warm_up, 200, show_plan=False, copies=Copies(), runs=1)  # fill the caches
        for n in sizes:
            url = f"sqlite+aiosqlite:///{Path(tmp) / f'bench_{n}.db'}"
            _print("SQLite", await bench_one(url, n, show_plan=n == sizes[-1], copies=Copies()), rows)
    if not pg_url:
        print("\nPostgreSQL: set MENTORBOT_BENCH_PG_URL (or use --pg-private) to run it too.")
        return
    base = load_settings(database_url=pg_url, _env_file=None).database_url
    for n in sizes:
        name = f"mb_bench_{uuid.uuid4().hex[:8]}"
        await _pg_admin(base, f'CREATE DATABASE "{name}"')
        try:
            result = await bench_one(_database(base, name), n, show_plan=n == sizes[-1], copies=Copies(base))
            _print("PostgreSQL", result, rows)
        finally:
            await _pg_admin(base, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def cli() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default=",".join(str(s) for s in SIZES), help="pair counts, comma-separated")
    parser.add_argument("--pg-private", action="store_true", help="start a private PostgreSQL server for the run")
    parser.add_argument("--out", type=Path, help="also write the figures to this file, as a markdown table")
    args = parser.parse_args()
    sizes = tuple(int(s) for s in args.sizes.split(","))
    rows: list[str] = []
    try:
        with postgres_url(args.pg_private) as pg_url:
            asyncio.run(main(sizes, pg_url, rows))
    finally:
        table = _table(rows)  # what was measured, even when a later size failed
        print("\n" + table)
        if args.out is not None:
            args.out.write_text(table + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(cli())
