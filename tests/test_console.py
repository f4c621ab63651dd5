"""The terminal chat as a person uses it: `mentorbot console` fed a script on standard input."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

STUDENT_SCRIPT = """\
/as lena
/start
1
Lena Petrova
BA International Relations
fourth
4
Get into a master's programme in Europe.
Continuing education
Done
GRE and GMAT
Done
#3
Done
English
Done
lena@example.org
Save
/profile
"""


def console(database: Path, script: str, timeout: float = 60) -> str:
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}", "TELEGRAM_BOT_TOKEN": "", "SLACK_BOT_TOKEN": ""}
    env.pop("TELEGRAM_BOT_TOKEN")
    env.pop("SLACK_BOT_TOKEN")
    done = subprocess.run(
        [sys.executable, "-m", "bot", "console"],
        input=script,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=timeout,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.skipif(bool(os.environ.get("MENTORBOT_TEST_DATABASE_URL")), reason="the terminal runs on SQLite")
def test_scripted_journey_student_and_alumnus(tmp_path: Path) -> None:
    alumnus = "\n".join(
        [
            "/as olzhas",
            "/start",
            "2",
            "Olzhas Nurpeisov",
            "MSc Data Science",
            "2019",
            "Data engineer",
            "Kolesa Group",
            "1",  # Software and IT
            "Kazakhstan",
            "2019-2022 analyst at Beeline; since then data engineer at Kolesa.",
            "Built the company's data platform.",
            "#2",  # Skip the optional question about moving
            "2",  # Job search
            "Done",
            "3",  # CV review
            "Done",
            "1",  # English
            "Done",
            "3",  # Video
            "olzhas@example.org",
            "2",  # two mentees at a time
            "Save",  # the answers, checked
            "/profile",
        ]
    )
    out = console(tmp_path / "bot.db", STUDENT_SCRIPT + alumnus + "\n")
    # The invalid year was explained and asked again.
    assert "Please write a whole number, like 1." in out
    assert out.count("Which year of study are you in?") == 3  # asked, asked again, and in the answers to check
    assert "please check before I save it" in out
    assert "You're all set, Lena!" in out
    # /profile shows what was entered.
    assert "Studying: BA International Relations year 4" in out
    assert "Wants help with: Continuing education (GRE and GMAT)" in out
    assert "Mentor profile waiting" not in out
    assert "Thank you, Olzhas! Your mentor profile is saved." in out
    assert "Job history: 2019-2022 analyst at Beeline; since then data engineer at Kolesa." in out
    assert "Can help with: Job search (CV review)" in out
    assert "Status: Waiting for the career team's approval" in out
    # The career team (Sam, from the demo data) was told, with the addressee printed.
    assert "[bot → sam]" in out
    assert "New mentor profile waiting for approval: Olzhas Nurpeisov" in out


@pytest.mark.skipif(bool(os.environ.get("MENTORBOT_TEST_DATABASE_URL")), reason="the terminal runs on SQLite")
def test_killed_mid_form_resumes_at_the_same_question(tmp_path: Path) -> None:
    database = tmp_path / "bot.db"
    env = {k: v for k, v in os.environ.items() if k not in ("TELEGRAM_BOT_TOKEN", "SLACK_BOT_TOKEN")}
    env["DATABASE_URL"] = f"sqlite:///{database}"
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "console"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env=env,
    )
    assert process.stdin is not None and process.stdout is not None
    for line in ("/as lena", "/start", "1", "Lena Petrova", "BA International Relations"):
        process.stdin.write(line + "\n")
        process.stdin.flush()
    # Wait until the third question has been asked, then kill the process without warning.
    seen = ""
    deadline = time.monotonic() + 60
    while "Which year of study are you in?" not in seen and time.monotonic() < deadline:
        seen += process.stdout.readline()
    assert "Which year of study are you in?" in seen
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)

    out = console(database, "/as lena\n/start\n3\n")
    assert "Let's carry on where you left off." in out
    assert "Which year of study are you in?" in out
    assert "What would you like a mentor to help you with?" in out  # the answer went to the right question


@pytest.mark.skipif(bool(os.environ.get("MENTORBOT_TEST_DATABASE_URL")), reason="the terminal runs on SQLite")
def test_unknown_command_and_wrong_number_are_explained(tmp_path: Path) -> None:
    out = console(tmp_path / "bot.db", "/as alex\n/fly\n/start\n#9\n/as !!\n")
    assert "I don't know /fly. /help lists what you can do." in out
    assert "There's no choice with that number here." in out
    assert "Usage: /as NAME" in out
