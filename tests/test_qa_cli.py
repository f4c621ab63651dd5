"""`mentorbot db upgrade`, `mentorbot sweep` and `mentorbot run` as an administrator or cron runs them on a fresh
machine."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _mentorbot(tmp_path: Path, database_url: str, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": database_url, "DEMO_DATA": "false"}
    for platform_setting in ("TELEGRAM_BOT_TOKEN", "SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET"):
        env.pop(platform_setting, None)
    # Run in an empty directory (no .env), on this checkout's code rather than whatever is installed.
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )


def test_db_upgrade_on_a_fresh_file_says_it_is_done_and_a_sweep_follows(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    upgraded = _mentorbot(tmp_path, url, "db", "upgrade")
    assert upgraded.returncode == 0, upgraded.stderr
    assert "The database is up to date." in upgraded.stdout
    swept = _mentorbot(tmp_path, url, "sweep")
    assert swept.returncode == 0, swept.stderr
    assert "Sweep done: 0 notices queued (requests 0, nudges 0," in swept.stdout


def test_a_database_that_cannot_be_opened_is_one_sentence_not_a_traceback(tmp_path: Path) -> None:
    done = _mentorbot(tmp_path, f"sqlite:///{tmp_path / 'no-such-dir' / 'bot.db'}", "sweep")
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert "can't open the database at DATABASE_URL=" in done.stderr and "Check the setting." in done.stderr


def test_run_with_no_platform_configured_is_the_terminal_chat(tmp_path: Path) -> None:
    done = _mentorbot(tmp_path, f"sqlite:///{tmp_path / 'bot.db'}", "run", stdin="/as alex\n/quit\n")
    assert done.returncode == 0, done.stderr
    assert "mentorbot in your terminal, running the Alumni Mentorship Programme." in done.stdout
    assert "/start begins, /help lists what you can do, /clock +31d" in done.stdout
    assert "— you are now alex —" in done.stdout
