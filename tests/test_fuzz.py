"""Fuzzing every registered command, button and form with what forged clients, stale buttons and odd
keyboards send, as a student, a mentor, the career team and a stranger.

Each example starts from the same small programme (a mentorship with a nudge waiting, a request waiting,
a mentor waiting for approval, a report, a goal) and sends a handful of events drawn by hypothesis:
commands with hostile arguments, presses of the buttons just shown and of forged ones, answers typed
part-way through a form, whole forms submitted with odd values. For every event:

- no exception escapes Core.handle, and nothing is logged at ERROR ("handling ... failed");
- every reply has words (or a form), in the markup subset of bot.core.markup;
- a refused event (a Refusal raised anywhere on its way) leaves every table as it was.

Deterministic for CI (derandomize=True) and bounded: about half a minute on SQLite. Every crash found here
keeps a plain test in tests/test_hostile_input.py.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from bot.app import create_core, load_capabilities
from bot.config import load_settings
from bot.core.app import Core
from bot.core.clock import ManualClock
from bot.core.events import Event
from bot.core.forms import FORMS
from bot.core.registry import registry
from bot.core.replies import Reply
from bot.services import ending, goals
from scheduler.sweeps import sweep_core
from storage.db import make_engine
from storage.models import ContactLog, Goal, Identity, MentorshipRequest, Notice, Outbox, Pair, Report, User
from tests.conftest import PG_URL, _pg_admin, _pg_url, _run_in_thread
from tests.lifecycle_support import add_person
from tests.scheduler.helpers import START, pair, request
from tests.support import Harness, Person
from tests.test_hostile_input import Refusals, send_checked

load_capabilities()  # the registry and the forms, as they are when the bot runs

DAY = dt.timedelta(days=1)
NOW = START + 31 * DAY  # a month into the mentorship: its first nudge has gone out

# The people of the programme, and who they are: a student and a mentor in a mentorship, a student
# waiting for a mentor's answer, that mentor, a mentor waiting for approval, the career team, a stranger.
STUDENTS = ("alex", "lena")
MENTORS = ("zhanna", "aigerim", "erlan")
STAFF = ("sam",)
STRANGERS = ("guest",)

# MENTORBOT_FUZZ_SCALE=20 makes a longer hunt, away from CI (still the same examples first). On PostgreSQL,
# where each example's database is created from a template (a third of a second), a third of them.
SCALE = int(os.environ.get("MENTORBOT_FUZZ_SCALE", "1")) / (3 if PG_URL else 1)
SETTINGS = settings(
    max_examples=round(25 * SCALE),
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)


# --- the programme every example starts from ---------------------------------------------------------------


@dataclass(frozen=True)
class World:
    """A database holding the programme (a file for SQLite, a template database for PostgreSQL), and the
    ids of its records, which forged payloads use as often as nonsense."""

    location: str
    ids: tuple[int, ...]
    old_buttons: dict[str, tuple[tuple[str, str], ...]]  # each person's buttons on messages sent before


async def _populate(core: Core) -> tuple[tuple[int, ...], dict[str, tuple[tuple[str, str], ...]]]:
    harness = Harness(core)
    zhanna = await add_person(core, "zhanna", "Zhanna Abenova", "alumnus")
    alex = await add_person(core, "alex", "Alex Kim", "student")
    aigerim = await add_person(core, "aigerim", "Aigerim Nurlanova", "alumnus")
    lena = await add_person(core, "lena", "Lena Petrova", "student")
    await add_person(core, "erlan", "Erlan Sadykov", "alumnus", status="awaiting_approval", orientation=False)
    pair_id = await pair(core, zhanna, alex)
    await request(core, aigerim, lena, NOW - 3 * DAY)
    async with core.sessions() as session, session.begin():
        goal = Goal(pair_id=pair_id, author_id=alex, term="short", text="A CV that gets replies", created_at=START)
        goal.updated_at = START
        session.add(goal)
        talk = ContactLog(pair_id=pair_id, author_id=alex, happened_on=START.date(), method="video", created_at=START)
        session.add(talk)
    for name in (*STAFF, *STRANGERS):
        await harness.person(name).say("/start")
    await harness.person("lena").say("/report My mentor request has waited for weeks.")
    assert isinstance(core.clock, ManualClock)
    core.clock.set(NOW)
    await sweep_core(core)  # the mentorship's first nudge, to both sides
    await core.delivery.flush()
    async with core.sessions() as session:
        ids: set[int] = set()
        for model in (User, Pair, MentorshipRequest, Goal, Report, Notice):
            ids.update(await session.scalars(select(model.id)))  # type: ignore[attr-defined]
        assert await session.scalar(select(Notice.id).where(Notice.kind == "nudge")) is not None
        handles = {i.user_id: i.external_id for i in await session.scalars(select(Identity))}
        old: dict[str, list[tuple[str, str]]] = {}
        for row in await session.scalars(select(Outbox)):
            handle = "sam" if row.to_staff else handles.get(row.user_id or 0, "")
            old.setdefault(handle, []).extend(_buttons([Reply.from_dict(row.reply)]))
    assert old.get("alex") and old.get("sam")  # the nudge's buttons, and the report's in the staff chat
    return tuple(sorted(ids)), {handle: tuple(buttons) for handle, buttons in old.items()}


def _settings(database_url: str) -> Any:
    return load_settings(database_url=database_url, staff_ids="console:sam", _env_file=None)


async def _build(database_url: str) -> tuple[tuple[int, ...], dict[str, tuple[tuple[str, str], ...]]]:
    core = await create_core(_settings(database_url), ManualClock(START), migrate=False)
    try:
        return await _populate(core)
    finally:
        await core.close()


@pytest.fixture(scope="module")
def world(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    if PG_URL:
        template = request.getfixturevalue("_pg_template")
        name = f"mb_world_{uuid.uuid4().hex[:10]}"
        _run_in_thread(_pg_admin(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
        ids, old = _run_in_thread(_build(_pg_url(name)))
        yield World(name, ids, old)
        _run_in_thread(_pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        return
    path = tmp_path_factory.mktemp("world") / "world.db"
    shutil.copy(request.getfixturevalue("_sqlite_template"), path)
    ids, old = _run_in_thread(_build(f"sqlite+aiosqlite:///{path}"))

    async def checkpoint() -> None:  # the last connection closing folds the WAL into the file we copy
        engine = make_engine(f"sqlite+aiosqlite:///{path}")
        await engine.dispose()

    _run_in_thread(checkpoint())
    yield World(str(path), ids, old)


@asynccontextmanager
async def fresh(world: World, tmp_path: Path) -> AsyncIterator[tuple[Harness, Refusals]]:
    """A core over a copy of the programme, for one example."""
    if PG_URL:
        name = f"mb_{uuid.uuid4().hex[:12]}"
        await _pg_admin(f'CREATE DATABASE "{name}" TEMPLATE "{world.location}"')
        url = _pg_url(name)
    else:
        path = tmp_path / f"{uuid.uuid4().hex[:12]}.db"
        shutil.copy(world.location, path)
        url = f"sqlite+aiosqlite:///{path}"
    core = await create_core(_settings(url), ManualClock(NOW), migrate=False)
    try:
        yield Harness(core), Refusals(core)
    finally:
        await core.close()
        if PG_URL:
            await _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        else:
            path.unlink(missing_ok=True)


# --- what hostile input looks like ------------------------------------------------------------------------

HOSTILE = [
    "",
    " ",
    "0",
    "-1",
    "-0",
    "1e5",
    " 7",
    "٣",
    "²",
    "99999999999999999999",
    "9223372036854775808",
    "1" * 5000,
    "x" * 5000,
    "<b>bold</b>",
    "<script>alert(1)</script>",
    "&amp; &lt; & <",
    "</b>",
    "\x00",
    "a\x00b",
    "\x1b[31mred",
    "\u202eevil",
    "\ud800",
    "😀" * 50,
    "Europe",
    "../../etc/passwd",
    "yesterday",
    "blursday",
    "31 February",
    "met yesterday on zoom, talked about my CV",
    "done",
    "yes",
    "no",
    "1, 3",
    "%",
    "_",
    "'; DROP TABLE users; --",
    "/start",
    "\n\n",
]

hostile_text = st.one_of(
    st.sampled_from(HOSTILE),
    st.text(max_size=40),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=300),
    st.text(alphabet=st.characters(categories=["Cc", "Cf", "Zs", "Zl", "Mn", "Nd", "No"]), max_size=20),
    st.integers().map(str),
)


def id_strategy(world: World) -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(world.ids).map(str),
        st.integers(min_value=-3, max_value=30).map(str),
        st.sampled_from(HOSTILE),
    )


def payload_strategy(world: World) -> st.SearchStrategy[str]:
    """What a forged button carries: an id, nonsense, or parts of either joined as compound payloads are
    ('pair.reason', 'student.mentor', 'form.step.choice')."""
    part = st.one_of(
        id_strategy(world),
        st.sampled_from(["x", "-", "ok", "student", "alumnus", *sorted(ending.REASONS), *sorted(goals.STATUSES)]),
        st.sampled_from(sorted(FORMS)),
    )
    return st.one_of(part, st.lists(part, min_size=2, max_size=4).map(".".join), hostile_text)


def command_names() -> list[str]:
    return [*sorted(registry.commands), "nosuchcommand", "START", "as", "clock"]


def action_names() -> list[str]:
    forms_verbs = [f"f.{verb}" for verb in ("pick", "tog", "done", "back", "skip", "keep", "cancel", "nope")]
    return [*sorted(registry.actions), *forms_verbs, "nosuch.action", ""]


# --- one event, checked -----------------------------------------------------------------------------------


def _buttons(replies: list[Reply]) -> list[tuple[str, str]]:
    return [(b.action, b.payload) for reply in replies for row in reply.buttons for b in row]


async def _step(
    data: st.DataObject,
    person: Person,
    refusals: Refusals,
    caplog: pytest.LogCaptureFixture,
    world: World,
    *,
    in_a_form: bool,
) -> None:
    """Draw one thing this person does, send it, check it. In a form, mostly answers and its buttons."""
    shown = [*_buttons(person.last), *_buttons(person.inbox[-3:]), *world.old_buttons.get(person.name, ())]
    kinds = ["command", "action", "forged", "text", "submit", "home"]
    if in_a_form:
        kinds += ["text"] * 4
    if shown:
        kinds += ["shown"] * (5 if in_a_form else 3)
    kind = data.draw(st.sampled_from(kinds), label="kind")
    if kind == "command":
        name = data.draw(st.sampled_from(command_names()), label="command")
        args = data.draw(hostile_text, label="args")
        event = Event(actor=person.actor, kind="command", command=name, args=args)
    elif kind == "shown":
        action, payload = data.draw(st.sampled_from(shown), label="button")
        event = Event(actor=person.actor, kind="action", action=action, payload=payload)
    elif kind in ("action", "forged"):
        action = data.draw(st.sampled_from(action_names()), label="action")
        payload = data.draw(payload_strategy(world), label="payload")
        event = Event(actor=person.actor, kind="action", action=action, payload=payload)
    elif kind == "text":
        event = Event(actor=person.actor, kind="text", text=data.draw(hostile_text, label="text"))
    elif kind == "submit":
        form = data.draw(st.sampled_from([*sorted(FORMS), "nosuchform"]), label="form")
        names = [f.name for f in FORMS[form].fields] if form in FORMS else ["x"]
        value = st.one_of(hostile_text, st.lists(hostile_text, max_size=3), st.booleans(), st.integers(), st.none())
        values = data.draw(st.dictionaries(st.sampled_from(names), value, max_size=len(names)), label="values")
        page = data.draw(st.sampled_from(["", "page", "last"]), label="page")
        event = Event(actor=person.actor, kind="form_submit", form=form, values=values, form_page=page)
    else:
        event = Event(actor=person.actor, kind="home")
    await send_checked(person, event, refusals, caplog)


async def _conversation(
    data: st.DataObject,
    world: World,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    people: tuple[str, ...],
    *,
    steps: int,
    opening: list[str] | None = None,
) -> None:
    async with fresh(world, tmp_path) as (harness, refusals):
        for _ in range(data.draw(st.integers(min_value=1, max_value=steps), label="steps")):
            who = data.draw(st.sampled_from(people), label="who")
            person = harness.person(who)
            if opening and not person.last:
                for line in opening:
                    await send_checked(person, Event.command_from_text(person.actor, line), refusals, caplog)
            await _step(data, person, refusals, caplog, world, in_a_form=bool(opening))


# --- the fuzzing: each role, then forms and forged buttons everywhere -----------------------------------------


@pytest.mark.parametrize(
    "people",
    [STUDENTS, MENTORS, STAFF, STRANGERS],
    ids=["students", "mentors", "staff", "strangers"],
)
@SETTINGS
@given(data=st.data())
async def test_anything_anyone_sends_is_answered_kindly(
    data: st.DataObject, people: tuple[str, ...], world: World, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    await _conversation(data, world, tmp_path, caplog, people, steps=8)


# Ways into each form, so the answers typed and the buttons pressed land part-way through one.
FORM_OPENINGS = {
    "profile (student)": ("guest", ["/start"]),
    "profile edit": ("lena", ["/profile"]),
    "report": ("alex", ["/report"]),
    "contact log": ("alex", ["/log"]),
    "goals": ("zhanna", ["/goals"]),
    "end": ("alex", ["/end"]),
}


@pytest.mark.parametrize("opening", sorted(FORM_OPENINGS))
@settings(SETTINGS, max_examples=max(1, round(12 * SCALE)))
@given(data=st.data())
async def test_answers_part_way_through_a_form_are_answered_kindly(
    data: st.DataObject, opening: str, world: World, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    who, lines = FORM_OPENINGS[opening]
    await _conversation(data, world, tmp_path, caplog, (who,), steps=12, opening=lines)


def test_the_fuzzing_reaches_every_command_action_and_form() -> None:
    """The strategies draw from the registry as it is, so a new command, button or form is fuzzed too."""
    assert set(registry.commands) <= set(command_names())
    assert set(registry.actions) <= set(action_names())
    assert len(FORMS) >= 10 and len(registry.commands) >= 20 and len(registry.actions) >= 50


async def test_the_programme_has_what_the_fuzzing_needs(world: World, tmp_path: Path) -> None:
    async with fresh(world, tmp_path) as (harness, _refusals):
        assert "Zhanna" in await harness.person("alex").say("/history")
        assert "Lena" in await harness.person("aigerim").say("/requests")
        assert "Erlan" in await harness.person("sam").say("/pending")
    assert any(action.startswith("nudge.") for action, _payload in world.old_buttons["alex"])
    assert any(action.startswith("rep.") for action, _payload in world.old_buttons["sam"])
