"""A busy bot keeps its database connections: updates handled side by side reuse the connections the last
ones opened, instead of opening (and closing) one each, which on SQLite is a thread and on PostgreSQL a login."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import event, text

from bot.app import create_core
from bot.config import load_settings
from bot.core.app import Core
from bot.core.clock import ManualClock
from bot.core.events import Actor, Event

AT_ONCE = 20  # updates in hand at the same moment, more than SQLAlchemy's default pool of 5 keeps


async def _wave(core: Core, first: int) -> list[str]:
    """AT_ONCE people send /help at the same moment: each update holds a connection while it waits for its
    turn, as under load (a transaction holds the write turn on SQLite until they all have one)."""
    people = [Actor("telegram", str(first + n), chat_id=str(first + n)) for n in range(AT_ONCE)]
    async with core.sessions() as holder, holder.begin():
        await holder.execute(text("SELECT 1"))
        handling = [asyncio.create_task(core.handle(Event.command_from_text(p, "/help"))) for p in people]
        for _ in range(500):  # until each of them holds a connection (or the pool would give no more)
            if core.engine.pool.checkedout() > AT_ONCE:  # type: ignore[attr-defined]
                break
            await asyncio.sleep(0.01)
    answers = await asyncio.gather(*handling)
    return [replies[0].text for replies in answers]


async def test_updates_handled_side_by_side_reuse_the_connections_of_the_last_ones(core: Core) -> None:
    opened: list[Any] = []
    event.listen(core.engine.sync_engine, "connect", lambda connection, _record: opened.append(connection))

    first = await _wave(core, 1000)
    assert all("What you can do" in answer for answer in first)
    assert 0 < len(opened) <= AT_ONCE + 1  # one each, and perhaps one for the transaction that held them up
    opened.clear()
    second = await _wave(core, 2000)
    assert all("What you can do" in answer for answer in second)
    assert opened == []  # as many at once again, each on a connection kept from the first wave


async def test_database_pool_size_says_how_many_connections_a_process_keeps(database_url: str) -> None:
    settings = load_settings(database_url=database_url, database_pool_size=3, _env_file=None)
    core = await create_core(settings, ManualClock(), migrate=False)
    try:
        assert core.engine.pool.size() == 3  # type: ignore[attr-defined]
    finally:
        await core.close()
