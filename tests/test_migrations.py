"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.ext.asyncio import create_async_engine

from storage.models import Base


async def test_migrated_database_matches_the_models(database_url: str) -> None:
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as conn:

            def diff(sync_conn):  # type: ignore[no-untyped-def]
                context = MigrationContext.configure(sync_conn, opts={"compare_type": False})
                return compare_metadata(context, Base.metadata)

            differences = await conn.run_sync(diff)
    finally:
        await engine.dispose()
    assert differences == []


def test_plain_alembic_from_the_project_root_migrates_the_bots_database(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[1]
    alembic = Path(sys.executable).with_name("alembic")
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}"}
    done = subprocess.run([str(alembic), "upgrade", "head"], cwd=root, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    current = subprocess.run([str(alembic), "current"], cwd=root, env=env, capture_output=True, text=True)
    assert "(head)" in current.stdout, current.stderr
    assert (tmp_path / "bot.db").exists()
