"""A programme replayed in the terminal chat from a script, so a journey can assert what each person read at
each step of the months it walks through.

A script line "## name" types nothing: it names the part of the script that follows, up to the next such line,
and `Transcript.part("name")` is what was printed in that part. Every other line is typed as it is."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

on_sqlite_only = pytest.mark.skipif(
    bool(os.environ.get("MENTORBOT_TEST_DATABASE_URL")), reason="the terminal runs on SQLite"
)

_HEADING = re.compile(r"^\[bot → ([^\]]+)\]")
_TYPED = re.compile(r"^([a-z0-9_-]+|guest)> (.*)$")


@dataclass
class Step:
    """One typed line and everything printed after it, by whom it reached."""

    person: str
    typed: str
    printed: list[str]

    def to(self, name: str) -> str:
        """The messages this person received in this step."""
        out: list[str] = []
        current: str | None = None
        for line in self.printed:
            heading = _HEADING.match(line)
            if heading:
                current = heading.group(1)
                continue
            if not line.startswith(" "):
                current = None
            if current == name:
                out.append(line.strip())
        return "\n".join(out)

    @property
    def text(self) -> str:
        return "\n".join(self.printed)


@dataclass
class Part:
    steps: list[Step]

    def to(self, name: str) -> str:
        """What this person received in this part of the script."""
        return "\n".join(text for text in (step.to(name) for step in self.steps) if text)

    @property
    def text(self) -> str:
        return "\n".join(step.text for step in self.steps)


class Transcript:
    def __init__(self, output: str, parts: dict[str, tuple[int, int]]) -> None:
        self.output = output
        self.steps: list[Step] = []
        for line in output.splitlines():
            typed = _TYPED.match(line)
            if typed:
                self.steps.append(Step(typed.group(1), typed.group(2), []))
            elif self.steps:
                self.steps[-1].printed.append(line)
        self._parts = parts

    def part(self, name: str) -> Part:
        start, end = self._parts[name]
        assert len(self.steps) >= end, f"the terminal stopped before the part {name!r}"
        return Part(self.steps[start:end])

    def after(self, typed: str, nth: int = 1) -> Step:
        """The step of the `nth` time this line was typed."""
        found = [step for step in self.steps if step.typed == typed]
        assert len(found) >= nth, f"the script never typed {typed!r} ({nth} times)"
        return found[nth - 1]

    def to(self, name: str) -> str:
        """Everything this person received in the chunk."""
        return "\n".join(step.to(name) for step in self.steps)


class Terminal:
    """`mentorbot console` on one SQLite file with the given programme, run once per chunk of a script."""

    def __init__(self, tmp_path: Path, programme: str) -> None:
        self.database = tmp_path / "journey.db"
        self.programme = programme

    def run(self, script: str, timeout: float = 120) -> Transcript:
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("TELEGRAM_", "SLACK_", "LC_")) and k not in ("LANG", "LANGUAGE")
        }
        env["LANG"] = "C.UTF-8"  # the terminal's language is the person's: here the programme's, on any machine
        env.update(DATABASE_URL=f"sqlite:///{self.database}", PROGRAMME=self.programme, PYTHONPATH=str(ROOT))
        typed: list[str] = []
        parts: dict[str, tuple[int, int]] = {}
        current: str | None = None
        for line in (line.strip() for line in script.strip().splitlines()):
            if line.startswith("## "):
                if current is not None:
                    parts[current] = (parts[current][0], len(typed))
                current = line[3:].strip()
                assert current not in parts, f"two parts are named {current!r}"
                parts[current] = (len(typed), len(typed))
            elif line:
                typed.append(line)
        if current is not None:
            parts[current] = (parts[current][0], len(typed))
        done = subprocess.run(
            [sys.executable, "-m", "bot", "console"],
            input="\n".join(typed) + "\n",
            capture_output=True,
            text=True,
            cwd=ROOT,
            env=env,
            timeout=timeout,
        )
        assert done.returncode == 0, done.stderr
        return Transcript(done.stdout, parts)


def alumnus_signs_up(console_name: str, full_name: str) -> str:
    """The script of an alumnus creating a mentor profile (a data engineer offering CV reviews)."""
    return f"""
/as {console_name}
/start
2
{full_name}
MSc Data Science
2019
Data engineer
Kolesa Group
Software and IT
Kazakhstan
2019-2022 analyst at Beeline; since then data engineer at Kolesa.
Built the company's data platform.
Skip
Job search
Done
CV review
Done
English
Russian
Done
Video
{console_name}@example.org
2
Save
"""


