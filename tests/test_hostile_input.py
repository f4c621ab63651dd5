"""Hostile and broken input, as forged clients, stale buttons and odd keyboards send it: every case is
answered kindly, changes nothing, and never ends in "Sorry, something went wrong".

Each crash found by hand or by tests/test_fuzz.py keeps a plain test here."""

from __future__ import annotations

import logging
import re
import sqlite3
from collections.abc import Awaitable, Callable
from contextlib import closing
from functools import cache
from typing import Any

import pytest
from sqlalchemy import Select, select
from sqlalchemy.dialects import sqlite

from bot.core.app import Core
from bot.core.context import Context
from bot.core.errors import Refusal
from bot.core.events import Event
from bot.core.payloads import MAX_ID, id_in, index_in
from bot.core.registry import registry
from bot.core.replies import Reply
from storage.models import Base, FormProgress, MentorProfile, MentorshipRequest, User
from tests.lifecycle_support import add_person, zhanna_and_alex
from tests.support import Harness, Person

CRASH = "Sorry, something went wrong"
STALE = "That button no longer works"

# Columns every event may touch without changing anything a person did.
VOLATILE = {("identities", "last_seen_at")}


# --- what the checks below share with tests/test_fuzz.py -------------------------------------------------


def _queries() -> dict[str, Select[Any]]:
    return {
        table.name: select(*[c for c in table.columns if (table.name, c.name) not in VOLATILE])
        for table in Base.metadata.sorted_tables
    }


@cache
def _sqlite_queries() -> dict[str, str]:
    return {name: str(query.compile(dialect=sqlite.dialect())) for name, query in _queries().items()}


async def snapshot(core: Core) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table (the volatile columns left out), to compare before and after an event."""
    tables: dict[str, list[tuple[Any, ...]]] = {}
    if core.engine.dialect.name == "sqlite" and core.engine.url.database:
        # The file read directly: twenty queries through the async driver's thread take 10 ms an event.
        with closing(sqlite3.connect(core.engine.url.database)) as conn:
            for name, sql in _sqlite_queries().items():
                tables[name] = sorted((tuple(row) for row in conn.execute(sql)), key=repr)
        return tables
    async with core.engine.connect() as conn:
        for name, query in _queries().items():
            tables[name] = sorted((tuple(row) for row in (await conn.execute(query)).all()), key=repr)
    return tables


class Refusals:
    """Watches a core: `refused` says whether the last event was refused (a Refusal raised anywhere on its
    way: the role check, a handler, a service, the form engine), which Core.handle turns into a reply."""

    def __init__(self, core: Core) -> None:
        self.refused = False
        route: Callable[[Context], Awaitable[list[Reply]]] = core._route

        async def watched(ctx: Context) -> list[Reply]:
            self.refused = False
            try:
                return await route(ctx)
            except Refusal:
                self.refused = True
                raise

        core._route = watched  # type: ignore[method-assign]


_TAG = re.compile(r"<(/?)([a-z]+)>")
_ENTITY = re.compile(r"&(amp|lt|gt|quot|#\d+);")


def markup_problem(text: str) -> str | None:
    """Why `text` is not the markup subset of bot.core.markup (<b>, <i>, <code>, escapes), or None."""
    open_tags: list[str] = []
    position = 0
    for tag in _TAG.finditer(text):
        between = text[position : tag.start()]
        if "<" in between or ">" in between:
            return f"a bare < or > before {tag.group(0)!r}"
        closing, name = tag.groups()
        if name not in ("b", "i", "code"):
            return f"tag {name!r} is not in the subset"
        if not closing:
            if name in open_tags:
                return f"<{name}> inside <{name}>"
            open_tags.append(name)
        elif not open_tags or open_tags.pop() != name:
            return f"</{name}> closes nothing"
        position = tag.end()
    if "<" in text[position:] or ">" in text[position:]:
        return "a bare < or >"
    if open_tags:
        return f"<{open_tags[-1]}> is never closed"
    if "&" in _ENTITY.sub("", text):
        return "a bare &"
    return None


def assert_friendly(replies: list[Reply]) -> None:
    assert replies, "no reply at all"
    for reply in replies:
        assert reply.text.strip() or reply.form is not None, "an empty reply"
        assert CRASH not in reply.text
        problem = markup_problem(reply.text)
        assert problem is None, f"{problem}: {reply.text!r}"


def failures(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "bot.core.app" and r.levelno >= logging.ERROR]


async def send_checked(
    person: Person,
    event: Event,
    refusals: Refusals,
    caplog: pytest.LogCaptureFixture,
    *,
    refused: bool | None = None,
    deliver: bool = True,
) -> list[Reply]:
    """Send one event; check it crashed nothing, read well, and (when refused) changed nothing."""
    core = person.harness.core
    caplog.clear()
    before = await snapshot(core)
    with caplog.at_level(logging.ERROR, logger="bot.core.app"):
        replies = await core.handle(event)
    assert not failures(caplog), f"{event} crashed: {failures(caplog)}"
    assert_friendly(replies)
    if refused is not None:
        assert refusals.refused is refused, f"{event} -> {replies[0].text!r}"
    if refusals.refused:
        assert await snapshot(core) == before, f"{event} was refused but changed the database"
    if deliver:
        await core.delivery.flush()
    person.last = replies
    return replies


@pytest.fixture
def refusals(core: Core) -> Refusals:
    return Refusals(core)


def command(person: Person, name: str, args: str) -> Event:
    """A command exactly as given (Event.command_from_text would strip the arguments)."""
    return Event(actor=person.actor, kind="command", command=name, args=args)


def press(person: Person, action: str, payload: str) -> Event:
    return Event(actor=person.actor, kind="action", action=action, payload=payload)


# --- 1. time zones ------------------------------------------------------------------------------------

BAD_ZONES = [
    "Europe",  # a folder of zone files: IsADirectoryError
    "x" * 5000,  # File name too long
    "../../etc/passwd",
    "UTC/../x",
    "/etc/localtime",
    "Europe/",
    "Europe/\x00Berlin",
    "\x00",
    "😀",
    "Nowhere/Atlantis",
    "<b>Berlin</b>",
    "   ",
]


@pytest.mark.parametrize("who", ["guest", "alex"])
async def test_a_bad_time_zone_name_is_refused_kindly_and_changes_nothing(
    harness: Harness, refusals: Refusals, caplog: pytest.LogCaptureFixture, who: str
) -> None:
    await zhanna_and_alex(harness.core)
    person = harness.person(who)
    await person.say("/start")
    for name in BAD_ZONES:
        replies = await send_checked(person, command(person, "timezone", name), refusals, caplog, refused=True)
        assert "I don't know the time zone" in replies[0].text
        assert "Try a city like /timezone Almaty" in replies[0].text
        assert len(replies[0].text) < 300  # 5,000 characters are not read back
        assert "\x00" not in replies[0].text


async def test_an_empty_time_zone_shows_the_current_one(harness: Harness, refusals: Refusals, caplog) -> None:  # type: ignore[no-untyped-def]
    guest = harness.person("guest")
    replies = await send_checked(guest, command(guest, "timezone", ""), refusals, caplog, refused=False)
    assert "Your time zone is UTC" in replies[0].text


@pytest.mark.parametrize(
    ("typed", "zone"),
    [
        ("Berlin", "Europe/Berlin"),
        ("europe/berlin", "Europe/Berlin"),
        ("  Almaty ", "Asia/Almaty"),
        ("UTC", "UTC"),
        ("buenos aires", "America/Argentina/Buenos_Aires"),
        ("Etc/GMT+5", "Etc/GMT+5"),
    ],
)
async def test_good_time_zone_names_still_work(harness: Harness, typed: str, zone: str) -> None:
    guest = harness.person("guest")
    assert f"your time zone is now {zone}" in await guest.say(f"/timezone {typed}")
    async with harness.core.sessions() as session:
        user = await session.scalar(select(User).where(User.name == "Guest"))
        assert user is not None and user.timezone == zone


# --- 2. ids in payloads and arguments --------------------------------------------------------------------

BAD_IDS = [
    "99999999999999999999",  # over 64 bits: OverflowError from the database driver
    str(MAX_ID + 1),
    "1" * 5000,  # over Python's 4,300 digits for int()
    "-1",
    "-0",
    "0",
    "1e5",
    " 7",
    "7 ",
    "+7",
    "٣",  # Arabic-Indic three: str.isdigit() says yes, and int() reads it as 3
    "²",  # superscript two: isdigit() says yes, int() fails
    "",
    "abc",
    "\x00",
    "<b>1</b>",
]


def test_id_in_accepts_only_ascii_digits_within_64_bits() -> None:
    assert id_in("7") == 7
    assert id_in("007") == 7
    assert id_in(str(MAX_ID)) == MAX_ID
    assert id_in(42) == 42
    for bad in BAD_IDS:
        with pytest.raises(Refusal, match=STALE):
            id_in(bad)
    for bad_number in (0, -1, MAX_ID + 1):
        with pytest.raises(Refusal):
            id_in(bad_number)
    with pytest.raises(Refusal, match="not yours"):
        id_in("1e5", "not yours")


def test_index_in_reads_small_ascii_positions_only() -> None:
    assert index_in("0") == 0
    assert index_in("3", 4) == 3
    assert index_in("4", 4) is None
    for bad in ("1" * 5000, "٣", "-1", " 1", "", "x"):
        assert index_in(bad) is None


# Who presses a button meant for each role.
ACTING_AS = {"member": "alex", "any": "guest", "staff": "sam", "alumnus": "zhanna", "student": "alex"}


def _roles_to_act_as(roles: frozenset[str]) -> list[str]:
    return sorted({ACTING_AS[role] for role in roles})


async def test_every_button_refuses_a_forged_id_kindly(
    harness: Harness, refusals: Refusals, caplog: pytest.LogCaptureFixture
) -> None:
    """Each registered action, pressed by someone it is for, with ids no button of ours carries: a kind
    answer, nothing changed. (Before: OverflowError or ValueError from 30 of them.)"""
    ids = await zhanna_and_alex(harness.core)
    await add_person(harness.core, "aigerim", "Aigerim Nurlanova", "alumnus")
    for name in ("sam", "guest"):
        await harness.person(name).say("/start")
    # The ways each crashed before, and ids inside the compound payloads ('pair.reason', 'student.mentor').
    huge = "9" * 20
    payloads = ["99999999999999999999", "1" * 5000, "-1", "٣", "1e5", "", f"{ids.pair}.{huge}", f"{huge}.{ids.pair}"]
    for spec in registry.actions.values():
        for who in _roles_to_act_as(spec.roles):
            person = harness.person(who)
            for payload in payloads:
                await send_checked(person, press(person, spec.name, payload), refusals, caplog, deliver=False)


async def test_a_forged_request_id_reads_as_not_addressed_to_you(harness: Harness) -> None:
    await add_person(harness.core, "aigerim", "Aigerim Nurlanova", "alumnus")
    aigerim = harness.person("aigerim")
    for forged in ("99999999999999999999", "٣", "-0", "1e5"):
        assert "isn't addressed to you" in await aigerim.press_data("req.acc", forged)
        assert "isn't addressed to you" in await aigerim.press_data("req.dec", forged)


async def test_a_forged_match_id_reads_as_a_student_not_found(harness: Harness) -> None:
    await zhanna_and_alex(harness.core)
    sam = harness.person("sam")
    await sam.say("/start")
    assert "couldn't find that student" in await sam.press_data("match.stu", "99999999999999999999")
    assert "couldn't find that student" in await sam.press_data("match.ok", "٣.1")


async def test_browsing_with_a_huge_card_number_shows_the_first_cards(harness: Harness) -> None:
    """browse.pg with 5,000 digits: ValueError from int() (over 4,300 digits)."""
    await zhanna_and_alex(harness.core)
    await add_person(harness.core, "lena", "Lena Petrova", "student")
    lena = harness.person("lena")
    for payload in ("1" * 5000, "99999999999999999999.1" + "9" * 30, "٣.٣.٣"):
        text = await lena.press_data("browse.pg", payload)
        assert CRASH not in text and "Mentor 1 of" in text


# --- typed answers and commands -------------------------------------------------------------------------


async def _progress(harness: Harness) -> FormProgress:
    async with harness.core.sessions() as session:
        return (await session.scalars(select(FormProgress))).one()


async def _student_form_at_year(harness: Harness) -> Person:
    guest = harness.person("guest")
    await guest.say("/start")
    await guest.press("student")
    await guest.say("Guest Student")
    await guest.say("BSc Physics")
    return guest


async def test_a_superscript_digit_answer_to_a_choice_is_asked_again(harness: Harness, caplog) -> None:  # type: ignore[no-untyped-def]
    """'²' to a choice question: str.isdigit() said yes, int() raised ValueError."""
    await zhanna_and_alex(harness.core)
    guest = await _student_form_at_year(harness)
    await guest.say("3")  # the year of study
    await guest.say("Find an internship")  # the goals; the areas come next (a multiple choice)
    with caplog.at_level(logging.ERROR, logger="bot.core.app"):
        text = await guest.say("²")
    assert not failures(caplog)
    assert "I don't know '²'" in text


async def test_another_scripts_digits_pick_an_option(harness: Harness) -> None:
    await zhanna_and_alex(harness.core)
    guest = await _student_form_at_year(harness)
    await guest.say("3")
    await guest.say("Find an internship")
    text = await guest.say("١")  # Arabic-Indic one: the first area
    assert CRASH not in text
    assert (await _progress(harness)).answers["areas"] == [harness.core.programme.areas[0].key]


@pytest.mark.parametrize("answer", ["Guest\x00Student", "Guest\x1bStudent", "Guest\ud800"])
async def test_an_invisible_control_character_in_an_answer_is_refused(harness: Harness, answer: str) -> None:
    """A NUL byte cannot be stored by PostgreSQL, a lone surrogate by any database."""
    guest = harness.person("guest")
    await guest.say("/start")
    await guest.press("student")
    text = await guest.say(answer)
    assert "invisible control character" in text and CRASH not in text
    async with harness.core.sessions() as session:
        progress = (await session.scalars(select(FormProgress))).one()
        assert progress.answers == {} and progress.step == 0


async def test_line_breaks_and_emoji_are_kept(harness: Harness) -> None:
    guest = harness.person("guest")
    await guest.say("/start")
    await guest.press("student")
    await guest.say("Guest 🌟 Student\twith a tab")
    async with harness.core.sessions() as session:
        progress = (await session.scalars(select(FormProgress))).one()
        assert progress.answers["name"] == "Guest 🌟 Student\twith a tab"


@pytest.mark.parametrize(
    "values",
    [
        {"name": 5},
        {"name": ["x"]},
        {"name": {"a": 1}},
        {"year_of_study": [3]},
        {"areas": True},  # found by tests/test_fuzz.py: TypeError, a bool is not a list of options
        {"areas": 1},
        {"areas": {"jobs": 1}},
        {"areas": [None, 3]},
        {"topics": "-0"},
    ],
)
async def test_a_forged_form_submission_is_answered_field_by_field(harness: Harness, values: dict[str, Any]) -> None:
    guest = harness.person("guest")
    await guest.say("/start")
    replies = await guest.submit("mentee", values)
    assert replies and replies[0].errors and CRASH not in replies[0].text


@pytest.mark.parametrize(("name", "args"), [("log", "met \x00 yesterday"), ("report", "help\x00"), ("match", "a\x00")])
async def test_control_characters_in_command_words_are_refused(
    harness: Harness, refusals: Refusals, caplog: pytest.LogCaptureFixture, name: str, args: str
) -> None:
    await zhanna_and_alex(harness.core)
    person = harness.person("sam" if name == "match" else "alex")
    await person.say("/start")
    replies = await send_checked(person, command(person, name, args), refusals, caplog, refused=True)
    assert "invisible control character" in replies[0].text


async def test_a_long_search_is_not_read_back_whole(harness: Harness) -> None:
    await zhanna_and_alex(harness.core)
    sam = harness.person("sam")
    await sam.say("/start")
    text = await sam.say("/match " + "x" * 5000)
    assert "No student without a mentor is called 'xxx" in text and len(text) < 300


async def test_notes_after_log_keep_the_form_s_length_limit(
    harness: Harness, refusals: Refusals, caplog: pytest.LogCaptureFixture
) -> None:
    """'/log met yesterday on zoom, <3,000 characters>' saved notes the form would have refused."""
    await zhanna_and_alex(harness.core)
    alex = harness.person("alex")
    event = command(alex, "log", "met yesterday on zoom, " + "we talked " * 300)
    replies = await send_checked(alex, event, refusals, caplog, refused=True)
    assert "please keep it under 2000 characters" in replies[0].text


# --- 3. stale buttons never drop answers ------------------------------------------------------------------


@pytest.mark.parametrize("stale", ["I'm a student", "alumnus"])
async def test_a_stale_role_button_mid_profile_carries_on_with_the_answers(harness: Harness, stale: str) -> None:
    guest = harness.person("guest")
    await guest.say("/start")
    welcome = list(guest.last)
    await guest.press("student")
    await guest.say("Guest Student")
    await guest.say("BSc Physics")
    text = await guest.press(stale, among=welcome)
    assert "your answers so far are kept" in text
    assert "Which year of study are you in?" in text and "3 of" in text
    progress = await _progress(harness)
    assert progress.form == "mentee"
    assert progress.answers == {"name": "Guest Student", "programme_of_study": "BSc Physics"}
    await guest.say("2")  # and the form goes on from there
    assert (await _progress(harness)).answers["year_of_study"] == 2


async def test_the_other_role_can_still_be_chosen_before_any_answer(harness: Harness) -> None:
    guest = harness.person("guest")
    await guest.say("/start")
    welcome = list(guest.last)
    await guest.press("student")
    await guest.press("alumnus", among=welcome)  # a slip, noticed at once: nothing is lost by switching
    assert (await _progress(harness)).form == "mentor"


async def test_a_stale_edit_button_mid_edit_keeps_the_changes(harness: Harness) -> None:
    await add_person(harness.core, "lena", "Lena Petrova", "student")
    lena = harness.person("lena")
    await lena.say("/profile")
    card = list(lena.last)
    await lena.press("Edit", among=card)
    await lena.say("Lena P.")
    text = await lena.press("Edit", among=card)
    assert "let's carry on where you left off" in text
    assert (await _progress(harness)).answers["name"] == "Lena P."


async def test_a_stale_role_button_after_the_profile_is_refused(harness: Harness, refusals, caplog) -> None:  # type: ignore[no-untyped-def]
    await add_person(harness.core, "lena", "Lena Petrova", "student")
    lena = harness.person("lena")
    replies = await send_checked(lena, press(lena, "start.role", "alumnus"), refusals, caplog, refused=True)
    assert "You already have a profile" in replies[0].text
    async with harness.core.sessions() as session:
        assert await session.get(MentorProfile, 1) is None
        assert not list(await session.scalars(select(MentorshipRequest)))


async def test_a_button_of_something_else_mid_form_keeps_the_form(harness: Harness) -> None:
    """Alex, part-way through a new goal, presses an old 'Log a contact' button and an old 'Edit my profile':
    the goal's answers stay, and he is told how to leave the form instead."""
    ids = await zhanna_and_alex(harness.core)
    alex = harness.person("alex")
    await alex.say("/goals")
    await alex.press("Add a goal")
    await alex.press("short")
    before = await _progress(harness)
    assert before.form == "goal" and before.answers
    for action, payload in (("log.new", str(ids.pair)), ("profile.edit", "")):
        text = await alex.press_data(action, payload)
        assert "part-way through something else" in text and "/cancel" in text, action
        after = await _progress(harness)
        assert (after.form, after.step, after.answers) == (before.form, before.step, before.answers)


async def test_a_command_typed_on_purpose_still_starts_another_form(harness: Harness) -> None:
    await zhanna_and_alex(harness.core)
    alex = harness.person("alex")
    await alex.say("/goals")
    await alex.press("Add a goal")
    await alex.press("short")
    await alex.say("/report")
    assert (await _progress(harness)).form == "report"


async def test_a_display_name_or_command_no_database_can_keep_is_answered(core) -> None:  # type: ignore[no-untyped-def]
    from bot.core.events import Actor, Event

    odd = Actor("telegram", "4242", "4242", "Ali\x00ce " + "x" * 500)
    replies = await core.handle(Event(actor=odd, kind="command", command="help"))
    assert "What you can do" in replies[0].text
    long = await core.handle(Event(actor=odd, kind="command", command="y" * 5000))
    assert "I don't know" in long[0].text and len(long[0].text) < 200
