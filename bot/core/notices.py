"""Claiming a notice exactly once, and gathering what is due for one person into one message a day.

A notice is a row with a unique key (subject, kind, period), inserted with ON CONFLICT DO NOTHING in the
transaction that queues its message: whoever inserts the row sends the notice; a second sweep, a second
process or a rerun after a crash finds the key taken and sends nothing.

Everything the scheduler tells one person on one local day travels in one outbox message, whose row holds
that day's unique key (day:<user>:<date>): whoever writes the row queues the day's message. A later sweep
that finds more for that person adds it to that message while it still waits for their daytime; once it
has gone out, the news waits for the next day.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ARRAY, Integer, String, Text, bindparam, inspect, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.core.context import Queued, queue_day_messages, queue_message, render
from bot.core.daytime import daytime_start_on, local_day, next_daytime, zone_for
from bot.core.language import reader_language
from bot.core.replies import Button, Reply
from bot.i18n import use_language
from bot.programme import Programme
from storage.db import json_text
from storage.lists import one_of
from storage.models import Notice, Outbox, SweepMark, User

DAY = "day"
MAX_DAYS_AHEAD = 14  # how far one person's news may be pushed back to keep one message a day


@dataclass
class Note:
    """One piece of an unsolicited message to one person: combined with their other news of the day."""

    user_id: int
    text: str = ""
    buttons: list[list[Button]] = field(default_factory=list)
    outcome: object | None = None  # what happened, in its capability's words once rendered (post_notes)


def insert_for(session: AsyncSession):  # type: ignore[no-untyped-def]
    """The dialect's INSERT, which knows ON CONFLICT (the same words on PostgreSQL and SQLite)."""
    return pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert


async def claim(
    session: AsyncSession,
    key: str,
    kind: str,
    now: dt.datetime,
    *,
    user_id: int | None = None,
    pair_id: int | None = None,
    request_id: int | None = None,
    data: dict[str, Any] | None = None,
) -> int | None:
    """Insert the notice row; its id when this caller won it, None when it exists already."""
    stmt = (
        insert_for(session)(Notice)
        .values(
            key=key,
            kind=kind,
            user_id=user_id,
            pair_id=pair_id,
            request_id=request_id,
            data=data or {},
            created_at=now,
        )
        .on_conflict_do_nothing(index_elements=["key"])
        .returning(Notice.id)
    )
    return (await session.execute(stmt)).scalar_one_or_none()


@dataclass(frozen=True)
class Claim:
    """A notice to claim: its unique key (subject, kind, period) and what it is about."""

    key: str
    kind: str
    user_id: int | None = None
    pair_id: int | None = None
    data: dict[str, Any] = field(default_factory=dict)
    request_id: int | None = None


async def claim_many(session: AsyncSession, now: dt.datetime, claims: list[Claim]) -> dict[str, int]:
    """Claim several notices at once; returns the keys won, with their ids (a key someone holds already, or
    that appears twice here, is won at most once).

    One INSERT ... ON CONFLICT DO NOTHING for the whole batch, its rows sent as arrays (PostgreSQL) or one
    JSON array (SQLite): the statement text is the same whatever the batch holds, so it is compiled and
    planned once, not once per batch, and no row goes through SQLAlchemy's parameter handling one by one."""
    if not claims:
        return {}
    if session.get_bind().dialect.name == "postgresql":
        return await _claim_on_postgresql(session, now, claims)
    return await _claim_on_sqlite(session, now, claims)


# PostgreSQL takes the whole batch as one array per column: one statement text and one plan whatever the batch
# holds, where a multi-row VALUES is a new statement for the server to parse and plan at every batch size.
_CLAIMS_FROM_ARRAYS = text(
    """
    INSERT INTO notices (key, kind, user_id, pair_id, request_id, data, created_at)
    SELECT c.key, c.kind, c.user_id, c.pair_id, c.request_id, CAST(c.data AS json), :created_at
    FROM unnest(:keys, :kinds, :user_ids, :pair_ids, :request_ids, :datas)
        AS c(key, kind, user_id, pair_id, request_id, data)
    ON CONFLICT (key) DO NOTHING
    RETURNING key, id
    """
).bindparams(
    bindparam("created_at", type_=Notice.__table__.c.created_at.type),
    bindparam("keys", type_=ARRAY(String)),
    bindparam("kinds", type_=ARRAY(String)),
    bindparam("user_ids", type_=ARRAY(Integer)),
    bindparam("pair_ids", type_=ARRAY(Integer)),
    bindparam("request_ids", type_=ARRAY(Integer)),
    bindparam("datas", type_=ARRAY(Text)),
)


async def _claim_on_postgresql(session: AsyncSession, now: dt.datetime, claims: list[Claim]) -> dict[str, int]:
    result = await session.execute(
        _CLAIMS_FROM_ARRAYS,
        {
            "created_at": now,
            "keys": [c.key for c in claims],
            "kinds": [c.kind for c in claims],
            "user_ids": [c.user_id for c in claims],
            "pair_ids": [c.pair_id for c in claims],
            "request_ids": [c.request_id for c in claims],
            "datas": [json_text(c.data) for c in claims],
        },
    )
    return {key: notice_id for key, notice_id in result}


# SQLite takes the whole batch as one JSON array, unpacked by json_each in C: SQLAlchemy's per-row parameter
# handling of a multi-row INSERT cost more than the database's own work. Each row's data (always an object)
# travels inside the array, and json_extract hands an object back as its JSON text, what the JSON column
# reads: encoded once, not as text within text. A row's place in the array is its order of insertion, so a
# key given twice is won by its first claim.
_CLAIMS_FROM_JSON = text(
    """
    INSERT INTO notices (key, kind, user_id, pair_id, request_id, data, created_at)
    SELECT json_extract(c.value, '$[0]'), json_extract(c.value, '$[1]'), json_extract(c.value, '$[2]'),
        json_extract(c.value, '$[3]'), json_extract(c.value, '$[4]'), json_extract(c.value, '$[5]'), :created_at
    FROM json_each(:rows) AS c
    WHERE true
    ORDER BY c.key
    ON CONFLICT (key) DO NOTHING
    RETURNING key, id
    """
).bindparams(bindparam("created_at", type_=Notice.__table__.c.created_at.type), bindparam("rows", type_=Text))


async def _claim_on_sqlite(session: AsyncSession, now: dt.datetime, claims: list[Claim]) -> dict[str, int]:
    rows = json_text([[c.key, c.kind, c.user_id, c.pair_id, c.request_id, c.data] for c in claims])
    result = await session.execute(_CLAIMS_FROM_JSON, {"created_at": now, "rows": rows})
    return {key: notice_id for key, notice_id in result}


claim_notices = claim_many  # the batch API under the name the scheduler's callers use


async def taken_keys(session: AsyncSession, keys: Iterable[str]) -> set[str]:
    """Which of these keys are claimed already (one indexed lookup for them all), to skip them cheaply."""
    wanted = list(dict.fromkeys(keys))
    return set(await session.scalars(select(Notice.key).where(one_of(Notice.key, wanted)))) if wanted else set()


def _rendered(session: AsyncSession, note: Note) -> Note:
    if note.outcome is None:
        return note
    reply = render(session, note.outcome)
    about = _subject(note.outcome)
    buttons = [[b if b.about or not about else b.about_whom(about) for b in row] for row in reply.buttons]
    return Note(note.user_id, reply.text, buttons)


def _subject(outcome: object) -> str:
    """Whom a piece of news is about, when it names the other person (a nudge, a check-in ...)."""
    other = getattr(outcome, "other", None)
    return str(getattr(other, "first_name", "") or "") if other is not None else ""


def combine(notes: list[Note], existing: Reply | None = None) -> Reply:
    """Several pieces as one message: texts one after another, each piece's buttons under it all. When more
    than one piece has buttons, each button names whom it is about ("It's going well · Alex"), so that a
    mentor with two students, or a nudge beside a check-in, can tell which button answers what."""
    texts = [existing.text] if existing is not None and existing.text else []
    groups = [existing.buttons] if existing is not None and existing.buttons else []
    for note in notes:
        texts.append(note.text)
        if note.buttons:
            groups.append(note.buttons)
    if len(groups) > 1:
        buttons = [[_named(b) for b in row] for group in groups for row in group]
    else:  # one piece with buttons (a scheduler's batch is mostly these): its rows as they are
        buttons = [list(row) for group in groups for row in group]
    return Reply("\n\n".join(texts), buttons=buttons)


def _named(button: Button) -> Button:
    suffix = f" · {button.about}"
    if not button.about or button.label.endswith(suffix):
        return button
    return replace(button, label=button.label + suffix)


async def post_notes(
    session: AsyncSession, now: dt.datetime, programme: Programme, settings: Settings, notes: list[Note]
) -> int:
    """Queue the notes, one message per person per local day, in their daytime. Returns messages touched."""
    readers = await users_by_id(session, {note.user_id for note in notes})  # the sweep has most of them loaded
    in_language: dict[str, list[Note]] = {}  # a batch's readers read a few languages: each is set up once
    for note in notes:
        reader = readers.get(note.user_id)
        in_language.setdefault(reader_language(reader.language if reader else None, programme), []).append(note)
    by_user: dict[int, list[Note]] = {}
    for language, written in in_language.items():
        with use_language(language):  # in their own words; a person's news keeps its order, all in one language
            for note in written:
                by_user.setdefault(note.user_id, []).append(_rendered(session, note))
    slow = await _post_first_of_day(session, now, programme, settings, by_user, readers)
    for user_id in sorted(slow):  # one order everywhere, so two sweepers never wait on each other in a circle
        await _post_for(session, now, programme, settings, user_id, by_user[user_id])
    return len(by_user)


async def _post_first_of_day(
    session: AsyncSession,
    now: dt.datetime,
    programme: Programme,
    settings: Settings,
    by_user: dict[int, list[Note]],
    users: dict[int, User],
) -> set[int]:
    """The common cases in a few statements for the whole batch: people with nothing from us yet that day get
    that day's message; people whose message of that day still waits get the news added to it. Returns the
    people left for the one-by-one path."""
    if not by_user:
        return set()
    plans: dict[int, tuple[str, dt.datetime]] = {}
    days: dict[ZoneInfo, tuple[dt.date, dt.datetime]] = {}  # a batch's readers live in a few time zones
    for user_id in sorted(by_user):
        zone = zone_for(users.get(user_id), settings)
        if zone not in days:
            send_at = next_daytime(now, zone, programme)
            days[zone] = (local_day(send_at, zone), send_at)
        day, send_at = days[zone]
        plans[user_id] = (day_key(user_id, day), send_at)
    # Every day's message is written at once, in one order; a day that has its message already (an earlier
    # sweep of this run, another sweeper just now) is left as it is by the insert, which says so, and the news
    # joins that message while it waits. No lookup first: the insert's own check on the key is that lookup.
    written = await queue_day_messages(
        session, now, [Queued(u, combine(by_user[u]), at, key) for u, (key, at) in plans.items()]
    )
    won = {u for u, (key, _at) in plans.items() if key in written}
    added = await _add_to_waiting_many(
        session, {u: (key, by_user[u]) for u, (key, _at) in plans.items() if u not in won}
    )
    return set(by_user) - won - added


def day_key(user_id: int, day: dt.date) -> str:
    """The unique key of a person's message of one local day."""
    return f"{DAY}:{user_id}:{day.isoformat()}"


async def _add_to_waiting_many(session: AsyncSession, wanted: dict[int, tuple[str, list[Note]]]) -> set[int]:
    """Add each person's news to that day's message (person -> the day's key, their news) if it has not started
    going out (never claimed by delivery), for a whole batch in two statements: the waiting messages locked
    in one order, one UPDATE for all. Returns the people served; the others (their message has started going
    out) take the one-by-one path to a later day."""
    if not wanted:
        return set()
    owner = {key: user_id for user_id, (key, _notes) in wanted.items()}
    # Locked, so delivery claims them only after this transaction: with the added text, or not at all yet.
    waiting = await session.execute(
        select(Outbox.id, Outbox.day_key, Outbox.reply)
        .where(
            Outbox.day_key.is_not(None),
            one_of(Outbox.day_key, owner),
            Outbox.status == "pending",
            Outbox.attempts == 0,
        )
        .order_by(Outbox.id)
        .with_for_update()
    )
    merged = {
        outbox_id: (owner[key], combine(wanted[owner[key]][1], Reply.from_dict(reply)).to_dict())
        for outbox_id, key, reply in waiting
    }
    if not merged:
        return set()
    table: Any = Outbox.__table__
    await session.execute(
        update(table)
        .where(table.c.id == bindparam("row_id"), table.c.status == "pending", table.c.attempts == 0)
        .values(reply=bindparam("merged")),
        [{"row_id": outbox_id, "merged": reply} for outbox_id, (_user, reply) in merged.items()],
    )
    return {user_id for user_id, _reply in merged.values()}


async def _post_for(
    session: AsyncSession, now: dt.datetime, programme: Programme, settings: Settings, user_id: int, notes: list[Note]
) -> None:
    user = await session.get(User, user_id)
    zone = zone_for(user, settings)
    send_at = next_daytime(now, zone, programme)
    for _attempt in range(MAX_DAYS_AHEAD):
        day = local_day(send_at, zone)
        key = day_key(user_id, day)
        if await queue_day_messages(session, now, [Queued(user_id, combine(notes), send_at, key)]):
            return
        if user_id in await _add_to_waiting_many(session, {user_id: (key, notes)}):  # unless it has gone out
            return
        send_at = daytime_start_on(day + dt.timedelta(days=1), zone, programme)
    # Two weeks of daily messages already: say it anyway rather than lose it.
    queue_message(session, now, combine(notes), user_id=user_id, not_before=send_at)


# --- what every sweep shares ---------------------------------------------------------------------------

CATCH_UP = dt.timedelta(days=60)

# At most this many due subjects per transaction: on SQLite a sweep's transaction holds the write lock,
# so people pressing buttons never wait behind a long sweep; the rest follow in the next transaction.
BATCH = 250


class Batch(list[Note]):
    """A sweep's notes; `more` says it stopped at BATCH and should run again at once."""

    more: bool = False


def batch(notes: list[Note], more: bool) -> Batch:
    batch = Batch(notes)
    batch.more = more
    return batch


# Session.info: where the scheduler keeps, for one run of one sweep, the ids its first batch found due and
# left for the batches after it (scheduler.sweeps._run_one).
LEFT_OVER = "sweep_left_over"


async def this_batch(session: AsyncSession, find_due: Callable[[], Awaitable[Sequence[int]]]) -> tuple[list[int], bool]:
    """The ids of this transaction's BATCH of what one run of a sweep has due (in their order), and whether more
    follow. The run's first batch asks the database (`find_due`: the ids of everything due, in order), keeps
    BATCH of them and leaves the rest over; the batches after it take theirs from what is left instead of
    asking again, which, with the BATCH a transaction serves, would cost one full query per batch. Outside a
    run (no place to leave ids over) every call asks. Only ids travel between batches: each batch reads its own
    subjects again, in its own transaction, and the sweep's rules have the last word on them there."""
    held: dict[str, list[int]] | None = session.info.get(LEFT_OVER)
    left = held.get("ids") if held is not None else None
    due = list(await find_due()) if left is None else left
    if held is not None:
        held["ids"] = due[BATCH:]
    return due[:BATCH], len(due) > BATCH


# How far back each run looks again beyond the previous run's mark (clock skew between two bot processes).
OVERLAP = dt.timedelta(days=1)


async def users_by_id(session: AsyncSession, ids: set[int]) -> dict[int, User]:
    """These people, in one query for those the transaction has not loaded yet (a query would hand back the
    loaded ones as they are anyway)."""
    found: dict[int, User] = {}
    loaded = session.identity_map
    for user_id in ids:
        # The identity key as `identity_key(User, user_id)` spells it (class, primary key, token), written out:
        # a sweep asks for thousands of people it has loaded, and the call cost more than the lookup. Were the
        # spelling ever to change, a miss only means the person is read again.
        user = loaded.get((User, (user_id,), None))
        if user is not None and not inspect(user).expired_attributes:
            found[user_id] = user
    missing = sorted(ids - found.keys())
    if missing:
        found.update({u.id: u for u in await session.scalars(select(User).where(one_of(User.id, missing)))})
    return found


async def unanswered_for(
    session: AsyncSession, kind: str, wait: dt.timedelta, sweep: str, now: dt.datetime
) -> list[Notice]:
    """Notices of `kind` still unanswered `wait` after they were sent, that became so since the sweep's
    last run."""
    since = await since_last_run(session, sweep, now)
    return list(
        await session.scalars(
            select(Notice)
            .where(
                Notice.kind == kind,
                Notice.answered_at.is_(None),
                Notice.created_at <= now - wait,
                Notice.created_at > since - wait,
            )
            .order_by(Notice.id)
        )
    )


async def since_last_run(session: AsyncSession, name: str, now: dt.datetime) -> dt.datetime:
    """The start of this run's window: the last run's mark (less an overlap), at most CATCH_UP ago; this run's
    mark is set at once, for a sweep that does its window in one transaction.

    What fell due before it was handled by that run; claimed keys make the overlap harmless."""
    start = await window_start(session, name, now)
    await mark_run(session, name, now)
    return start


async def window_start(session: AsyncSession, name: str, now: dt.datetime) -> dt.datetime:
    """The start of this run's window, leaving the mark as it is: a sweep that does its window in several
    transactions marks the run (`mark_run`) in the one that finishes it, so that a run cut short half-way is
    done again from the same start by the next, and what the cut left undone is not lost."""
    mark = await session.get(SweepMark, name)
    start = now - CATCH_UP
    if mark is not None:
        start = max(start, min(mark.until, now) - OVERLAP)
    return start


async def mark_run(session: AsyncSession, name: str, now: dt.datetime) -> None:
    """This run has done its window up to `now`: the next starts from here (less the overlap)."""
    await session.execute(
        insert_for(session)(SweepMark)
        .values(name=name, until=now)
        .on_conflict_do_update(index_elements=["name"], set_={"until": now})
    )


async def taken_at(session: AsyncSession, keys: Sequence[str]) -> dict[str, dt.datetime]:
    if not keys:
        return {}
    rows = await session.execute(select(Notice.key, Notice.created_at).where(one_of(Notice.key, keys)))
    return {key: created for key, created in rows}
