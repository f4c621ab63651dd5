"""The programme definition's numbers are the ones the rules use: a programme with another default capacity
or another "said no" window is obeyed, not the bundled values."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.app import create_core
from bot.config import load_settings
from bot.core.app import Core
from bot.core.clock import ManualClock
from bot.core.errors import Refusal
from bot.services import profiles
from bot.services.matching import best_mentors_for
from storage.models import MentorshipRequest, User
from tests.support import Harness
from tests.test_profiles import fill_mentor_profile
from tests.test_requests import add_mentor, add_student, send

ROOT = Path(__file__).resolve().parent.parent


def programme_file(tmp_path: Path, **numbers: int) -> Path:
    """The university programme with some of its numbers changed."""
    source = (ROOT / "bot" / "programmes" / "university.toml").read_text()
    for key, value in numbers.items():
        before = next(line for line in source.splitlines() if line.startswith(f"{key} = "))
        source = source.replace(before, f"{key} = {value}")
    path = tmp_path / "other.toml"
    path.write_text(source)
    return path


async def core_for(database_url: str, clock: ManualClock, tmp_path: Path, **numbers: int) -> Core:
    """A core running the university programme with some of its numbers changed."""
    path = programme_file(tmp_path, **numbers)
    settings = load_settings(database_url=database_url, programme=str(path), staff_ids="console:sam", _env_file=None)
    return await create_core(settings, clock, migrate=False)


@pytest.fixture
async def other_core(database_url: str, clock: ManualClock, tmp_path: Path) -> AsyncIterator[Core]:
    app = await core_for(database_url, clock, tmp_path, default_mentor_capacity=3, reask_after_days=30)
    yield app
    await app.close()


async def test_the_capacity_question_names_the_programmes_usual_number(other_core: Core) -> None:
    zhanna = Harness(other_core).person("zhanna")
    await fill_mentor_profile(zhanna, capacity="3")
    await zhanna.say("/profile")
    await zhanna.press("Edit")
    while "How many mentees" not in zhanna.text:  # keep every answer up to the capacity question
        labels = [b.label for reply in zhanna.last for row in reply.buttons for b in row]
        await zhanna.press(next(label for label in ("Keep", "Done", "Skip", "✓") if any(label in x for x in labels)))
    assert "How many mentees can you take at a time? Most mentors take 3." in zhanna.text


async def test_a_new_mentor_profile_takes_the_programmes_default_capacity(other_core: Core) -> None:
    async with other_core.sessions() as session, session.begin():
        user = User(name="Zhanna Abenova", created_at=other_core.clock.now())
        session.add(user)
        await session.flush()
        profile, created = await profiles.save_mentor(
            session, user, {"name": "Zhanna Abenova"}, other_core.clock.now(), programme=other_core.programme
        )
    assert created and profile.capacity == 3


async def declined_long_ago(core: Core, clock: ManualClock, days: int) -> tuple[int, int]:
    """A mentor who declined the student `days` ago."""
    mentor = await add_mentor(core, "aigerim")
    student = await add_student(core, "alex")
    request_id = await send(core, student, mentor)
    async with core.sessions() as session, session.begin():
        request = await session.get(MentorshipRequest, request_id)
        assert request is not None
        request.status, request.answered_at, request.reason = "declined", clock.now(), "Travelling"
    clock.advance(dt.timedelta(days=days))
    return mentor, student


async def offered(core: Core, student_id: int) -> list[int]:
    async with core.sessions() as session:
        student = await session.get(User, student_id)
        assert student is not None
        return [m.mentor.id for m in await best_mentors_for(session, student, core.programme, now=core.clock.now())]


async def test_a_mentor_who_said_no_is_offered_again_after_the_programmes_window(
    other_core: Core, clock: ManualClock
) -> None:
    mentor, student = await declined_long_ago(other_core, clock, 31)
    assert mentor in await offered(other_core, student)
    await send(other_core, student, mentor)  # and may be asked again


async def test_the_bundled_window_still_holds_at_a_month(core: Core, clock: ManualClock) -> None:
    mentor, student = await declined_long_ago(core, clock, 31)
    assert mentor not in await offered(core, student)
    with pytest.raises(Refusal, match="can't take you on at the moment"):
        await send(core, student, mentor)
