"""`storage.lists.one_of`: a column against a list of values sent as one parameter, on both databases. The
sweeps look up thousands of notice keys at once; a list longer than SQLite's limit on placeholders (32,766)
must still be one lookup, and odd values must match only themselves."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import delete, event, insert, select, text, update

from bot.core.app import Core
from bot.core.notices import taken_at, taken_keys
from storage.lists import one_of
from storage.models import Notice, User

NOW = dt.datetime(2026, 3, 16, 10, 0, tzinfo=dt.UTC)


async def _notices(core: Core, keys: list[str]) -> None:
    async with core.sessions() as session, session.begin():
        rows = [{"key": key, "kind": "test", "data": {}, "created_at": NOW} for key in keys]
        for start in range(0, len(rows), 5_000):
            await session.execute(insert(Notice), rows[start : start + 5_000])


async def test_a_lookup_of_more_keys_than_sqlite_has_placeholders_finds_exactly_those_claimed(core: Core) -> None:
    claimed = [f"nudge:{i}:202603161000:1" for i in range(0, 80_000, 2)]
    await _notices(core, claimed)
    asked = [f"nudge:{i}:202603161000:1" for i in range(40_000)]  # half of them claimed
    async with core.sessions() as session:
        found = await taken_keys(session, asked)
        when = await taken_at(session, asked[:10])
    assert found == {key for key in asked if int(key.split(":")[1]) % 2 == 0}
    assert len(found) == 20_000
    assert when == {key: NOW for key in asked[:10:2]}


async def test_values_with_quotes_brackets_and_nothing_match_only_themselves(core: Core) -> None:
    odd = ["it's", 'say "hi"', "[1, 2]", "a,b", "", "\\", "ключ", "%", "_"]
    await _notices(core, odd)
    async with core.sessions() as session:
        for value in odd:
            assert list(await session.scalars(select(Notice.key).where(one_of(Notice.key, [value])))) == [value]
        assert list(await session.scalars(select(Notice.key).where(one_of(Notice.key, ["none", "it"])))) == []
        assert list(await session.scalars(select(Notice.key).where(one_of(Notice.key, [])))) == []


async def test_numbers_match_numbers_in_reads_updates_and_deletes(core: Core) -> None:
    async with core.sessions() as session, session.begin():
        users = [User(name=f"Person {i}", created_at=NOW) for i in range(6)]
        session.add_all(users)
    ids = [user.id for user in users]
    async with core.sessions() as session, session.begin():
        await session.execute(update(User).where(one_of(User.id, ids[:3])).values(name="Renamed"))
        await session.execute(delete(User).where(one_of(User.id, [ids[5], 10**9])))
    async with core.sessions() as session:
        names = dict((await session.execute(select(User.id, User.name).where(one_of(User.id, ids)))).all())
    assert names == {**{i: "Renamed" for i in ids[:3]}, ids[3]: "Person 3", ids[4]: "Person 4"}


async def test_a_long_list_is_looked_up_through_the_index_not_by_reading_the_whole_table(core: Core) -> None:
    """Given a list of a few hundred values and a table a few times larger, PostgreSQL's planner, seeing
    the list, would rather read every row: a sweep's lookup would then cost the whole history of notices.
    The plan the database itself chooses (nothing priced out) probes the key's index."""
    await _notices(core, [f"checkin:{i}" for i in range(5_000)])
    engine = core.sessions.kw["bind"]
    dialect = engine.dialect.name
    async with engine.begin() as conn:
        await conn.execute(text("ANALYZE notices" if dialect == "postgresql" else "ANALYZE"))
    seen: list[tuple[str, Any]] = []

    def record(_conn: Any, _cursor: Any, sql: str, parameters: Any, _context: Any, _many: bool) -> None:
        seen.append((sql, parameters))

    asked = [f"checkin:{i}" for i in range(0, 3_000, 3)]  # 1,000 keys, a fifth of the table
    event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        async with core.sessions() as session:
            found = await taken_keys(session, asked)
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", record)
    assert found == set(asked)
    [(sql, parameters)] = [(sql, parameters) for sql, parameters in seen if "notices" in sql]
    async with engine.connect() as conn:
        prefix = "EXPLAIN " if dialect == "postgresql" else "EXPLAIN QUERY PLAN "
        rows = await conn.exec_driver_sql(prefix + sql, parameters)
        plan = [str(row[0] if dialect == "postgresql" else row[-1]) for row in rows]
    # The unique index on the key: its own name on PostgreSQL, SQLite's automatic index on SQLite.
    probe = "uq_notices_key" if dialect == "postgresql" else "SEARCH notices USING COVERING INDEX"
    assert any(probe in line for line in plan), plan
    assert not any("Seq Scan on notices" in line or line.startswith("SCAN notices") for line in plan), plan
