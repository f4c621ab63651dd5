"""Alembic environment: runs on a connection handed over by storage.migrate, or on its own URL."""

from __future__ import annotations

import asyncio
import os

from alembic import context
from sqlalchemy.ext.asyncio import create_async_engine

from storage.db import DEFAULT_URL, async_url
from storage.models import Base

config = context.config
target_metadata = Base.metadata


def _run(connection: object) -> None:
    context.configure(
        connection=connection,  # type: ignore[arg-type]
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # type: ignore[attr-defined]
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return

    async def _standalone() -> None:
        # A plain `alembic upgrade head` from the project's root (alembic.ini there): the bot's DATABASE_URL.
        url = config.get_main_option("sqlalchemy.url") or async_url(os.environ.get("DATABASE_URL") or DEFAULT_URL)
        engine = create_async_engine(url)
        async with engine.begin() as conn:
            await conn.run_sync(_run)
        await engine.dispose()

    asyncio.run(_standalone())


if context.is_offline_mode():
    offline_url = config.get_main_option("sqlalchemy.url") or async_url(os.environ.get("DATABASE_URL") or DEFAULT_URL)
    context.configure(url=offline_url, target_metadata=target_metadata)
    with context.begin_transaction():
        context.run_migrations()
else:
    run_migrations_online()
