"""Configuration and programme definitions: bad values stop the bot with one sentence naming them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import ConfigError, load_settings
from bot.programme import load_programme

ROOT = Path(__file__).resolve().parent.parent


def test_defaults_run_in_the_terminal_on_sqlite() -> None:
    settings = load_settings(_env_file=None)
    assert settings.database_url.startswith("sqlite+aiosqlite://")
    assert not settings.telegram_enabled and not settings.slack_enabled


def test_database_urls_get_the_async_driver() -> None:
    assert load_settings(database_url="postgresql://u@h/db", _env_file=None).database_url == (
        "postgresql+asyncpg://u@h/db"
    )
    assert load_settings(database_url="sqlite:///x.db", _env_file=None).database_url == "sqlite+aiosqlite:///x.db"


@pytest.mark.parametrize(
    ("overrides", "named"),
    [
        ({"timezone": "Mars/Olympus"}, "TIMEZONE"),
        ({"staff_ids": "telegram"}, "STAFF_IDS"),
        ({"staff_ids": "fax:123"}, "STAFF_IDS"),
        ({"database_url": "mysql://x"}, "DATABASE_URL"),
        ({"sweep_interval_minutes": 0}, "SWEEP_INTERVAL_MINUTES"),
        ({"database_pool_size": 0}, "DATABASE_POOL_SIZE"),
        ({"database_pool_size": "many"}, "DATABASE_POOL_SIZE"),
    ],
)
def test_bad_settings_name_the_setting(overrides: dict[str, object], named: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(_env_file=None, **overrides)
    message = str(caught.value)
    assert named in message
    assert message.count("\n") == 0


def test_staff_ids_are_parsed_into_platform_pairs() -> None:
    settings = load_settings(staff_ids="telegram:42, slack:U123,console:sam", _env_file=None)
    assert settings.staff_identities == {("telegram", "42"), ("slack", "U123"), ("console", "sam")}


def test_bundled_programme_has_the_university_rules() -> None:
    programme = load_programme("university")
    assert programme.cycle_months == 6
    assert programme.contact_interval_days == 30
    assert programme.default_mentor_capacity == 2
    assert programme.reask_after_days == 90
    assert programme.orientation_required
    assert [a.label for a in programme.areas] == [
        "Continuing education",
        "Job search",
        "Career conversations",
        "Networking",
    ]
    assert {q.key for q in programme.survey_for("mentor")} >= {"overall", "mentee_engaged"}
    assert "mentee_engaged" not in {q.key for q in programme.survey_for("mentee")}


def test_unknown_programme_key_is_named(tmp_path: Path) -> None:
    source = (ROOT / "bot" / "programmes" / "university.toml").read_text()
    bad = tmp_path / "bad.toml"
    bad.write_text(source.replace("cycle_months = 6", "cycle_months = 6\ncycle_lenght = 7"))
    with pytest.raises(ConfigError, match="cycle_lenght"):
        load_programme(str(bad))


def test_inconsistent_programme_is_explained(tmp_path: Path) -> None:
    source = (ROOT / "bot" / "programmes" / "university.toml").read_text()
    bad = tmp_path / "bad.toml"
    bad.write_text(source.replace("request_reminder_days = 7", "request_reminder_days = 20"))
    with pytest.raises(ConfigError, match="request_reminder_days must come before request_expiry_days"):
        load_programme(str(bad))


def test_the_reask_window_has_a_validated_default(tmp_path: Path) -> None:
    source = (ROOT / "bot" / "programmes" / "university.toml").read_text()
    unset = tmp_path / "unset.toml"
    unset.write_text(source.replace("reask_after_days = 90", ""))
    assert load_programme(str(unset)).reask_after_days == 90
    bad = tmp_path / "bad.toml"
    bad.write_text(source.replace("reask_after_days = 90", "reask_after_days = 0"))
    with pytest.raises(ConfigError, match="reask_after_days"):
        load_programme(str(bad))


def test_unknown_programme_name_lists_the_known_ones() -> None:
    with pytest.raises(ConfigError, match=r"use one of .*university"):
        load_programme("nonexistent")


def test_the_command_fails_with_one_sentence_not_a_traceback(tmp_path: Path) -> None:
    env = {**os.environ, "TIMEZONE": "Nowhere/Land", "DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"}
    done = subprocess.run(
        [sys.executable, "-m", "bot", "console"],
        input="",
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**env, "PYTHONPATH": str(ROOT)},
        timeout=60,
    )
    assert done.returncode == 2
    assert done.stderr.strip().startswith("mentorbot: The setting TIMEZONE is not valid")
    assert "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("name", ["university", "career", "last_year"])
def test_every_bundled_programme_loads(name: str) -> None:
    programme = load_programme(name)
    assert programme.key == name
    assert programme.survey_for("mentee") and programme.survey_for("mentor")


def test_career_programme_needs_no_orientation() -> None:
    assert load_programme("career").orientation_required is False
    assert load_programme("career").reconfirmation_month == 8


def test_the_last_year_programme_has_its_three_interviews() -> None:
    programme = load_programme("last_year")
    windows = [(m.key, m.opens, m.closes) for m in programme.milestones]
    assert windows == [
        ("interview_1", "01-01", "03-31"),
        ("interview_2", "04-01", "06-30"),
        ("interview_3", "07-01", "12-31"),
    ]
    assert programme.milestones[0].before_form == "roadbook" and programme.milestones[0].before_days == 7
    assert all(m.after_form == "evaluation" for m in programme.milestones)
    assert programme.mentee_eligibility.years_of_study == [3, 5]
    assert programme.office_request is not None
    assert load_programme("career").recruitment_months == [3, 8]


SEED_004 = (ROOT / "bot" / "programmes" / "last_year.toml").read_text()

# A career office's likely slips in a programme file, and the key each error must name.
BROKEN = [
    ('opens = "04-01"', 'opens = "04-31"', "milestones[2] 'interview_2'.opens", "'04-31' is not a month and day"),
    (
        'before_form = "roadbook"\nbefore_days = 7\nafter_form = "evaluation"\n\n[[milestones]]\nkey = "interview_2"',
        'before_form = "road_book"\nbefore_days = 7\nafter_form = "evaluation"\n\n[[milestones]]\nkey = "interview_2"',
        "interview_1",
        "names the form 'road_book', which [[forms]] lacks",
    ),
    ("years_of_study = [3, 5]", "years_of_study = [3, 15]", "years_of_study", "from 1 to 10"),
    ('after = "milestone:interview_1"', 'after = "milestone:interview_9"', "after_interview_1", "interview_9"),
    ('matching = "mentee_chooses"', 'matching = "mentees_choose"', "matching", "mentee_chooses"),
    ("before_days = 7", "before_dayz = 7", "milestones[1] 'interview_1'.before_dayz", "not a key"),
    (
        '{ key = "thinking", kind = "rating"',
        '{ key = "thinking", kind = "stars"',
        "forms[2] 'evaluation'.questions[1]",
        "rating",
    ),
]


@pytest.mark.parametrize(("old", "new", "where", "why"), BROKEN, ids=[case[2] for case in BROKEN])
def test_a_broken_programme_file_stops_the_bot_at_start_naming_the_key(
    tmp_path: Path, old: str, new: str, where: str, why: str
) -> None:
    assert old in SEED_004
    bad = tmp_path / "school.toml"
    bad.write_text(SEED_004.replace(old, new, 1))
    env = {**os.environ, "PROGRAMME": str(bad), "DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"}
    env.pop("TELEGRAM_BOT_TOKEN", None)
    done = subprocess.run(
        [sys.executable, "-m", "bot", "console"],
        input="",
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**env, "PYTHONPATH": str(ROOT)},
        timeout=60,
    )
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert where in done.stderr and why in done.stderr, done.stderr
    assert not (tmp_path / "x.db").exists()  # nothing was started
