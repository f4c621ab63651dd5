"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, func, select
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from bot.core.notices import day_key
from storage.migrate import alembic_config
from storage.models import Base, Notice, Outbox, UTCDateTime


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


def _migrate(connection: Connection, url: str, revision: str) -> None:
    config = alembic_config(url)
    config.attributes["connection"] = connection
    if revision == "head":
        command.upgrade(config, revision)
    else:
        command.downgrade(config, revision)


_USERS = sa.table(
    "users",
    sa.column("id", sa.Integer),
    sa.column("name", sa.String),
    sa.column("is_staff", sa.Boolean),
    sa.column("contact_details", sa.String),
    sa.column("reminders_paused", sa.Boolean),
    sa.column("created_at", UTCDateTime()),
)
_OUTBOX = sa.table(
    "outbox",
    sa.column("id", sa.Integer),
    sa.column("user_id", sa.Integer),
    sa.column("to_staff", sa.Boolean),
    sa.column("reply", sa.JSON),
    sa.column("status", sa.String),
    sa.column("attempts", sa.Integer),
    sa.column("not_before", UTCDateTime()),
    sa.column("last_error", sa.String),
    sa.column("created_at", UTCDateTime()),
)
_NOTICES = sa.table(
    "notices",
    sa.column("key", sa.String),
    sa.column("kind", sa.String),
    sa.column("user_id", sa.Integer),
    sa.column("data", sa.JSON),
    sa.column("created_at", UTCDateTime()),
)


async def test_a_day_claimed_before_the_upgrade_stays_claimed_by_its_message(database_url: str) -> None:
    """Before 0014 a person's message of the day was claimed by a "day" notice beside it. The upgrade moves
    the claim onto the message, so nobody gets a second message that day; a downgrade puts the notice back."""
    engine = create_async_engine(database_url)
    url = engine.url.render_as_string(hide_password=False)
    now = dt.datetime(2026, 12, 7, 9, tzinfo=dt.UTC)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(_migrate, url, "0013")
            person = {"name": "Aigerim", "is_staff": False, "contact_details": "", "reminders_paused": False}
            user_id = (
                await conn.execute(sa.insert(_USERS).values(**person, created_at=now).returning(_USERS.c.id))
            ).scalar_one()
            message = {"reply": {"text": "Your check-in"}, "status": "pending", "attempts": 0, "last_error": ""}
            outbox_id = (
                await conn.execute(
                    sa.insert(_OUTBOX)
                    .values(user_id=user_id, to_staff=False, not_before=now, created_at=now, **message)
                    .returning(_OUTBOX.c.id)
                )
            ).scalar_one()
            day = f"day:{user_id}:2026-12-07"
            await conn.execute(
                sa.insert(_NOTICES).values(
                    key=day, kind="day", user_id=user_id, data={"outbox_id": outbox_id}, created_at=now
                )
            )
            await conn.run_sync(_migrate, url, "head")
        sessions = async_sessionmaker(engine)
        async with sessions() as session:
            # The day as the bot names it now finds the message the old notice pointed at; the next day is free.
            today, tomorrow = (day_key(user_id, dt.date(2026, 12, d)) for d in (7, 8))
            named = await session.scalars(select(Outbox.day_key).where(Outbox.day_key.in_([today, tomorrow])))
            assert set(named) == {day}
            assert await session.scalar(select(Outbox.day_key).where(Outbox.id == outbox_id)) == day
            assert await session.scalar(select(func.count()).select_from(Notice)) == 0
        async with engine.begin() as conn:
            await conn.run_sync(_migrate, url, "0013")
            back = (await conn.execute(sa.select(_NOTICES.c.key, _NOTICES.c.data))).all()
            assert [(key, data) for key, data in back] == [(day, {"outbox_id": outbox_id})]
            await conn.run_sync(_migrate, url, "head")
    finally:
        await engine.dispose()
