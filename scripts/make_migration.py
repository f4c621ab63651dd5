"""Write a new Alembic migration from the difference between the models and the migrated schema.

Usage: python scripts/make_migration.py "what changed"
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path

from alembic import command

from storage.db import make_engine
from storage.migrate import alembic_config, upgrade


async def main(message: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite+aiosqlite:///{Path(tmp) / 'schema.db'}"
        engine = make_engine(url)
        await upgrade(engine)
        async with engine.begin() as conn:
            await conn.run_sync(_revision, url, message)
        await engine.dispose()


def _revision(connection: object, url: str, message: str) -> None:
    config = alembic_config(url)
    config.attributes["connection"] = connection
    command.revision(config, message=message, autogenerate=True)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1] if len(sys.argv) > 1 else "schema change"))
