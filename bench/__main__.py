"""`make bench` (python -m bench): every benchmark, on SQLite and on a private PostgreSQL when one can be
started here, each writing its figures beside the anchor measured in the same run; the lot collected into
bench/RESULTS.md with the machine it ran on.

    python -m bench                 # all of them
    python -m bench browse sweep    # some of them

A benchmark that fails is reported as failed in RESULTS.md and the others still run."""

from __future__ import annotations

import datetime as dt
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RESULTS = HERE / "RESULTS.md"

# name -> (what it measures, extra arguments); each takes --out FILE and writes markdown rows there.
BENCHMARKS: dict[str, tuple[str, list[str]]] = {
    "browse": ("a student's /mentors page at 1,000 and 10,000 mentors against a /help, and the memory", []),
    "sweep": ("one scheduler sweep over 1,000 to 100,000 active pairs, about 1 % due", []),
    "telegram": ("Telegram under its flood limits and with them lifted, against python-telegram-bot's echo bots", []),
}


def _postgres_available() -> bool:
    return bool(os.environ.get("MENTORBOT_BENCH_PG_URL")) or shutil.which("initdb") is not None or any(
        Path("/usr/lib/postgresql").glob("*/bin/initdb")
    )


def _run(name: str, extra: list[str], out: Path) -> tuple[bool, float]:
    module = HERE / f"{name}.py"
    if not module.exists():
        out.write_text(f"_bench/{name}.py is not here._\n")
        return False, 0.0
    args = [sys.executable, "-m", f"bench.{name}", "--out", str(out), *extra]
    if name in ("browse", "sweep") and _postgres_available() and not os.environ.get("MENTORBOT_BENCH_PG_URL"):
        args.append("--pg-private")
    started = time.perf_counter()
    done = subprocess.run(args, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, check=False)
    return done.returncode == 0, time.perf_counter() - started


def main(names: list[str]) -> int:
    chosen = names or list(BENCHMARKS)
    unknown = [name for name in chosen if name not in BENCHMARKS]
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; known: {', '.join(BENCHMARKS)}", file=sys.stderr)
        return 2
    sections = [
        "# Benchmark results",
        "",
        f"Run on {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, by `make bench`. Each figure stands beside its anchor, measured in "
        "the same run on the same machine; the ratio is what to compare between machines.",
    ]
    failed = 0
    with tempfile.TemporaryDirectory() as folder:
        for name in chosen:
            about, extra = BENCHMARKS[name]
            out = Path(folder) / f"{name}.md"
            ok, seconds = _run(name, extra, out)
            failed += not ok
            body = out.read_text() if out.exists() else ""
            status = f"{seconds:.0f} s" if ok else "**failed** (see its output above)"
            sections += ["", f"## {name}: {about}", "", f"`python -m bench.{name}`, {status}.", "", body.strip()]
    RESULTS.write_text("\n".join(sections).rstrip() + "\n")
    print(f"wrote {RESULTS.relative_to(ROOT)}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
