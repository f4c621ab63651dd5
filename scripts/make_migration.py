"""Write a new Alembic migration from the difference between the models and the migrated schema.

Usage: python scripts/make_migration.py "what changed"
       python scripts/make_migration.py --rewrite-initial   (before the first release only: regenerate
       0001_initial_schema.py from the models, as nothing has been deployed with it yet)
"""

from __future__ import annotations

import asyncio
import subprocess
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


VERSIONS = Path(__file__).resolve().parent.parent / "storage" / "migrations" / "versions"


async def rewrite_initial() -> None:
    (VERSIONS / "0001_initial_schema.py").unlink(missing_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite+aiosqlite:///{Path(tmp) / 'schema.db'}"
        engine = make_engine(url)
        async with engine.begin() as conn:
            await conn.run_sync(_initial_revision, url)
        await engine.dispose()


def _initial_revision(connection: object, url: str) -> None:
    config = alembic_config(url)
    config.attributes["connection"] = connection
    script = command.revision(config, message="initial schema", autogenerate=True, rev_id="0001")
    generated = Path(script.path)  # type: ignore[union-attr]
    target = generated.with_name("0001_initial_schema.py")
    generated.rename(target)
    _format(target)


def _format(path: Path) -> None:
    """Keep generated migrations in the project's style, so a regeneration diffs only what changed."""
    ruff = Path(sys.executable).with_name("ruff")
    if ruff.exists():
        subprocess.run([str(ruff), "format", "--quiet", str(path)], check=False)


if __name__ == "__main__":
    if sys.argv[1:] == ["--rewrite-initial"]:
        asyncio.run(rewrite_initial())
    else:
        asyncio.run(main(sys.argv[1] if len(sys.argv) > 1 else "schema change"))
