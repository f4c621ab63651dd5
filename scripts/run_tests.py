"""Run the whole suite twice: on SQLite, then on a throw-away PostgreSQL server on 127.0.0.1.

The PostgreSQL run needs the server binaries (Debian's `postgresql` package). Without them it is skipped
and said so plainly, unless MENTORBOT_REQUIRE_POSTGRES=1 (CI), where that is a failure. Nothing here
waits for a server without a deadline.
"""

from __future__ import annotations

import contextlib
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the server's port comes from the tests' own picker (tests/ports.py)

from tests.ports import free_port  # noqa: E402

PYTEST = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
START_DEADLINE = 60  # seconds for the server to accept connections


def run_pytest(label: str, extra_env: dict[str, str], args: list[str]) -> int:
    print(f"\n=== tests on {label} ===", flush=True)
    code = subprocess.call([*PYTEST, *args], cwd=ROOT, env={**os.environ, **extra_env})
    return 0 if code == 5 and os.environ.get("MENTORBOT_ALLOW_EMPTY") else code


def find_pg_bin() -> Path | None:
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).resolve().parent
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(found[-1]).parent if found else None


class Postgres:
    """A private server in a temporary folder; as root it runs as the `postgres` system user."""

    def __init__(self, bindir: Path) -> None:
        self.bindir = bindir
        self.port = free_port()
        self.tmp = Path(tempfile.mkdtemp(prefix="mentorbot-pg-"))
        self.data = self.tmp / "data"
        self.as_user: list[str] = []
        if os.geteuid() == 0:
            runuser = shutil.which("runuser")
            if runuser is None:
                raise RuntimeError("running as root without runuser: cannot start PostgreSQL as another user")
            self.as_user = [runuser, "-u", "postgres", "--"]
            shutil.chown(self.tmp, "postgres")
            os.chmod(self.tmp, 0o700)

    def _run(self, *args: str, timeout: float = START_DEADLINE) -> None:
        subprocess.run([*self.as_user, *args], check=True, timeout=timeout, stdout=subprocess.DEVNULL)

    def start(self) -> str:
        self._run(
            str(self.bindir / "initdb"),
            "-D",
            str(self.data),
            "-U",
            "mentorbot",
            "-A",
            "trust",
            "--no-sync",
            "-E",
            "UTF8",
        )
        options = f"-h 127.0.0.1 -p {self.port} -k {self.tmp} -F -c fsync=off -c full_page_writes=off"
        self._run(
            str(self.bindir / "pg_ctl"),
            "-D",
            str(self.data),
            "-l",
            str(self.tmp / "server.log"),
            "-o",
            options,
            "-w",
            "-t",
            str(START_DEADLINE),
            "start",
        )
        return f"postgresql+asyncpg://mentorbot@127.0.0.1:{self.port}/postgres"

    def restart_command(self) -> list[str]:
        """How a test restarts the server under the running bot (tests/reliability): a fast shutdown that
        drops every connection, then a start on the same port."""
        pg_ctl = str(self.bindir / "pg_ctl")
        log = str(self.tmp / "server.log")
        return [*self.as_user, pg_ctl, "-D", str(self.data), "-l", log, "-m", "fast", "-w", "restart"]

    def stop(self) -> None:
        with contextlib.suppress(subprocess.SubprocessError, OSError):
            self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop", timeout=30)
        shutil.rmtree(self.tmp, ignore_errors=True)


def main(args: list[str]) -> int:
    sqlite_code = run_pytest("SQLite", {"MENTORBOT_TEST_DATABASE_URL": ""}, args)
    required = os.environ.get("MENTORBOT_REQUIRE_POSTGRES") == "1"
    bindir = find_pg_bin()
    if bindir is None:
        message = "PostgreSQL run skipped: no PostgreSQL server binaries here (install Debian's 'postgresql')."
        print(f"\n{message}", flush=True)
        return sqlite_code or (1 if required else 0)
    server = Postgres(bindir)
    try:
        url = server.start()
    except (subprocess.SubprocessError, OSError, RuntimeError) as exc:
        print(f"\nPostgreSQL run skipped: the server did not start ({exc}).", flush=True)
        server.stop()
        return sqlite_code or (1 if required else 0)
    try:
        env = {"MENTORBOT_TEST_DATABASE_URL": url, "MENTORBOT_TEST_PG_RESTART": json.dumps(server.restart_command())}
        pg_code = run_pytest(f"PostgreSQL (127.0.0.1:{server.port})", env, args)
    finally:
        server.stop()
    print(
        f"\nSQLite: {'passed' if sqlite_code == 0 else 'FAILED'}; PostgreSQL: {'passed' if pg_code == 0 else 'FAILED'}",
        flush=True,
    )
    return sqlite_code or pg_code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
