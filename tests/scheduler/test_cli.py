"""`mentorbot sweep` runs the sweeps once and exits, for cron."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def test_mentorbot_sweep_runs_once_and_exits(tmp_path: Path) -> None:
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}", "DEMO_DATA": "false"}
    env.pop("TELEGRAM_BOT_TOKEN", None)
    done = subprocess.run(
        [sys.executable, "-m", "bot", "sweep"], env=env, capture_output=True, text=True, timeout=60, cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    assert "Sweep done: 0 notices queued" in done.stdout
