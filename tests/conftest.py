"""Test fixtures: a fresh, migrated database per test (SQLite by default, PostgreSQL when
MENTORBOT_TEST_DATABASE_URL names a server), and a core with a clock the test moves."""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from bot.app import create_core
from bot.config import load_settings
from bot.core.app import Core
from bot.core.clock import ManualClock
from storage.db import make_engine
from storage.migrate import upgrade
from tests.support import Harness

PG_URL = os.environ.get("MENTORBOT_TEST_DATABASE_URL", "")


def _run_in_thread(coro: Coroutine[Any, Any, Any]) -> Any:
    """Run set-up work on its own event loop, whether or not the calling test's loop is running."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()


def pytest_report_header(config: pytest.Config) -> str:
    return f"database: {'PostgreSQL ' + PG_URL.rsplit('@', 1)[-1] if PG_URL else 'SQLite'}"


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"

    async def build() -> None:
        engine = make_engine(f"sqlite+aiosqlite:///{path}")
        await upgrade(engine)
        await engine.dispose()  # the last connection closing checkpoints the WAL into the file

    _run_in_thread(build())
    return path


async def _pg_admin(sql: str) -> None:
    import asyncpg

    dsn = PG_URL.replace("postgresql+asyncpg://", "postgresql://")
    base, _, _db = dsn.rpartition("/")
    conn = await asyncpg.connect(f"{base}/postgres")
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@pytest.fixture(scope="session")
def _pg_template() -> Iterator[str]:
    name = f"mb_template_{uuid.uuid4().hex[:10]}"

    async def build() -> None:
        await _pg_admin(f'CREATE DATABASE "{name}"')
        engine = make_engine(_pg_url(name))
        await upgrade(engine)
        await engine.dispose()

    _run_in_thread(build())
    yield name
    _run_in_thread(_pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def _pg_url(database: str) -> str:
    return PG_URL.rpartition("/")[0] + "/" + database


@pytest.fixture
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """A migrated, empty database for this test alone."""
    if PG_URL:
        template = request.getfixturevalue("_pg_template")
        name = f"mb_{uuid.uuid4().hex[:12]}"
        await _pg_admin(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        yield _pg_url(name)
        await _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    else:
        template = request.getfixturevalue("_sqlite_template")
        path = tmp_path / "test.db"
        shutil.copy(template, path)
        yield f"sqlite+aiosqlite:///{path}"


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
async def core(database_url: str, clock: ManualClock) -> AsyncIterator[Core]:
    settings = load_settings(database_url=database_url, staff_ids="console:sam", _env_file=None)
    app = await create_core(settings, clock, migrate=False)
    yield app
    await app.close()


@pytest.fixture
async def harness(core: Core) -> Harness:
    return Harness(core)
