"""The PostgreSQL a benchmark runs on besides SQLite: MENTORBOT_BENCH_PG_URL, or with `--pg-private` a
throw-away server started by the test runner's own code; none when neither is there."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def postgres_url(private: bool) -> Iterator[str | None]:
    url = os.environ.get("MENTORBOT_BENCH_PG_URL")
    if url or not private:
        yield url
        return
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
    from run_tests import Postgres, find_pg_bin  # the test runner's throw-away server

    bindir = find_pg_bin()
    if bindir is None:
        print("No PostgreSQL server binaries here; running SQLite only.")
        yield None
        return
    server = Postgres(bindir)
    try:
        yield server.start()
    finally:
        server.stop()
