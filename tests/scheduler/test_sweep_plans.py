"""Each sweep reads what is due through an index: with many pairs, a sweep costs what is due, not a read of
every pair, request, notice or contact log. Every SELECT the sweeps send over a programme with a history
(the benchmark's, analysed so the planner knows its shape) is explained on the database the suite runs on:
SQLite `EXPLAIN QUERY PLAN`, PostgreSQL `EXPLAIN` with sequential scans priced out, so that a sequential
scan left in the plan means no index could serve the query."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import event

from bench.sweep import NOW, _fill, _rows
from bot.app import load_capabilities
from bot.config import load_settings
from bot.programme import load_programme
from scheduler.sweeps import run_sweeps
from storage.db import make_engine, make_sessionmaker

WATCHED = ("pairs", "requests", "notices", "contact_logs")  # the tables that grow with the programme
PAIRS = 2_000


def _full_scans(dialect: str, plan: list[str]) -> list[str]:
    tables = "|".join(WATCHED)
    if dialect == "postgresql":
        pattern = re.compile(rf"Seq Scan on ({tables})\b")
    else:  # SQLite: "SCAN t" reads the whole table (or a whole index); "SEARCH t USING ..." does not
        pattern = re.compile(rf"^SCAN ({tables})\b")
    return [line for line in plan if pattern.search(line.strip())]


async def test_every_sweep_reads_what_is_due_through_an_index(database_url: str) -> None:
    load_capabilities()
    engine = make_engine(database_url)
    try:
        await _fill(engine, _rows(PAIRS))
        sessions = make_sessionmaker(engine)
        settings = load_settings(database_url=database_url, _env_file=None)
        seen: list[tuple[str, Any]] = []

        def record(_conn: Any, _cursor: Any, sql: str, parameters: Any, _context: Any, executemany: bool) -> None:
            if not executemany and sql.lstrip().upper().startswith(("SELECT", "WITH")):
                seen.append((sql, parameters))

        event.listen(engine.sync_engine, "before_cursor_execute", record)
        try:
            result = await run_sweeps(sessions, NOW, load_programme("university"), settings)
        finally:
            event.remove(engine.sync_engine, "before_cursor_execute", record)
        assert result.failed == [] and result.total > 0  # something was due, and every sweep ran

        dialect = engine.dialect.name
        queries = {sql: parameters for sql, parameters in seen if any(t in sql for t in WATCHED)}
        scans: dict[str, list[str]] = {}
        async with engine.connect() as conn:
            if dialect == "postgresql":
                await conn.exec_driver_sql("SET enable_seqscan = off")
            prefix = "EXPLAIN " if dialect == "postgresql" else "EXPLAIN QUERY PLAN "
            for sql, parameters in queries.items():
                rows = await conn.exec_driver_sql(prefix + sql, parameters)
                plan = [str(row[0] if dialect == "postgresql" else row[-1]) for row in rows]
                if found := _full_scans(dialect, plan):
                    scans[sql] = found
        assert scans == {}
    finally:
        await engine.dispose()
