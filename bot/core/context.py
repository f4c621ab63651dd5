"""What a handler gets: the event, the person (from the database), a transaction, and ways to speak."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlalchemy import ARRAY, Integer, Text, bindparam, event, insert, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from bot.core.daytime import zone_for
from bot.core.events import Event, Origin
from bot.core.language import reader_language, staff_language
from bot.core.replies import Reply
from bot.i18n import use_language
from storage.db import json_text
from storage.models import Outbox, User

if TYPE_CHECKING:
    from bot.core.app import Core
    from bot.core.registry import RenderEnv


RENDER_ENV = "render_env"  # the key in Session.info under which a core's sessions carry their RenderEnv


def bind_sessions(sessions: async_sessionmaker[AsyncSession], env: RenderEnv) -> None:
    """Every session these make can render outcomes (the core and the scheduler's sessions)."""
    sessions.configure(info={RENDER_ENV: env})


# A message for someone else, as its caller gives it: a Reply already in words (the same in every language:
# a colleague's broadcast), an outcome a service reported, or a function writing the words, called in the
# reader's language.
Message = Reply | Callable[[], Reply] | object

_TO_RENDER = "outbox_to_render"  # Session.info: the outbox rows queued since the last flush, with their message
_FOR_THE_WORKER = "outbox_for_the_worker"  # Session.info: messages were queued that the delivery worker sends


def render(session: AsyncSession | Session, message: Message) -> Reply:
    """A reply as it is, or an outcome a service reported, in the words its capability's handler gave it, in
    the language in use."""
    if isinstance(message, Reply):
        return message
    if callable(message) and not isinstance(message, type):
        return message()  # type: ignore[no-any-return]
    env: RenderEnv | None = session.info.get(RENDER_ENV)
    if env is None:
        raise RuntimeError("this session was not made by a core, so it cannot render outcomes")
    return env.registry.render(message, env)


def queue_message(
    session: AsyncSession,
    now: dt.datetime,
    reply: Message,
    *,
    user_id: int | None = None,
    to_staff: bool = False,
    not_before: dt.datetime | None = None,
) -> Outbox:
    """Write a message for someone else into the outbox, inside the caller's transaction: a Reply, or an
    outcome (a service's dataclass saying what happened) that is rendered by its registered renderer in the
    reader's language when the transaction next writes (`_render_queued`).

    It is sent after the transaction commits, so a refused or failed action never tells anyone anything.
    """
    row = Outbox(user_id=user_id, to_staff=to_staff, reply={}, not_before=not_before or now, created_at=now)
    session.add(row)
    session.info.setdefault(_TO_RENDER, []).append((row, reply))
    session.info[_FOR_THE_WORKER] = True
    return row


def queued_for_delivery(session: AsyncSession) -> bool:
    """Whether this session's transaction queued messages for someone else, which the delivery worker sends
    (answers are sent by whoever handled the update): only then is the worker woken when it commits, so
    a busy bot does not make it look at the outbox after every update. Asking forgets it."""
    return bool(session.info.pop(_FOR_THE_WORKER, False))


@dataclass(frozen=True)
class Queued:
    """A person's message of one local day (`day_key`, see bot.core.notices), already in their words, and when
    it may go out."""

    user_id: int
    reply: Reply
    not_before: dt.datetime
    day_key: str


async def queue_day_messages(session: AsyncSession, now: dt.datetime, messages: list[Queued]) -> dict[str, int]:
    """Write people's messages of the day (each in its reader's language) into the outbox, inside the caller's
    transaction, in one INSERT; a day somebody queued a message for already is left alone (its key is unique).
    Returns the day keys written, with their outbox ids.

    For the scheduler's batches: the same guarantees as `queue_message` (sent only after the commit), without
    a round trip per message, and the day claimed by the message itself rather than by a row beside it."""
    if not messages:
        return {}
    session.info[_FOR_THE_WORKER] = True
    if session.get_bind().dialect.name == "postgresql":
        found = await session.execute(
            _DAYS_FROM_ARRAYS,
            {
                "created_at": now,
                "user_ids": [m.user_id for m in messages],
                "not_befores": [m.not_before for m in messages],
                "replies": [json_text(m.reply.to_dict()) for m in messages],
                "day_keys": [m.day_key for m in messages],
            },
        )
    else:
        dialect = session.get_bind().dialect  # the column's own conversion, as SQLite's driver stores it
        when = _NOT_BEFORE.type.dialect_impl(dialect).bind_processor(dialect) or (lambda moment: moment)
        rows = json_text([[m.user_id, when(m.not_before), m.reply.to_dict(), m.day_key] for m in messages])
        found = await session.execute(_DAYS_FROM_JSON, {"created_at": now, "rows": rows})
    return {day_key: row_id for day_key, row_id in found}


# The whole batch in one statement, its rows as arrays (PostgreSQL) or one JSON array (SQLite): SQLAlchemy's
# per-row parameter handling of a multi-row INSERT cost more than the database's own work. Each reply travels
# as JSON text: PostgreSQL's as the text the column would have written (json_text), SQLite's inside the one
# array, where json_extract hands an object back as its JSON text (encoding it once, not text within text);
# the defaults are the columns' own. Rows go in in the order given (each takes the next id), and a day key
# given twice is written once, by its first message. (SQLite needs the WHERE to read ON CONFLICT as the
# INSERT's, not as a join's.)
_NOT_BEFORE: Any = Outbox.__table__.c.not_before
_DAYS_FROM_ARRAYS = text(
    """
    INSERT INTO outbox (user_id, to_staff, reply, status, attempts, not_before, last_error, created_at, day_key)
    SELECT m.user_id, false, CAST(m.reply AS json), 'pending', 0, m.not_before, '', :created_at, m.day_key
    FROM unnest(:user_ids, :not_befores, :replies, :day_keys) WITH ORDINALITY
        AS m(user_id, not_before, reply, day_key, place)
    ORDER BY m.place
    ON CONFLICT (day_key) WHERE day_key IS NOT NULL DO NOTHING
    RETURNING day_key, id
    """
).bindparams(
    bindparam("created_at", type_=_NOT_BEFORE.type),
    bindparam("user_ids", type_=ARRAY(Integer)),
    bindparam("not_befores", type_=ARRAY(_NOT_BEFORE.type)),
    bindparam("replies", type_=ARRAY(Text)),
    bindparam("day_keys", type_=ARRAY(Text)),
)
_DAYS_FROM_JSON = text(
    """
    INSERT INTO outbox (user_id, to_staff, reply, status, attempts, not_before, last_error, created_at, day_key)
    SELECT json_extract(m.value, '$[0]'), 0, json_extract(m.value, '$[2]'), 'pending', 0,
        json_extract(m.value, '$[1]'), '', :created_at, json_extract(m.value, '$[3]')
    FROM json_each(:rows) AS m
    WHERE true
    ORDER BY m.key
    ON CONFLICT (day_key) WHERE day_key IS NOT NULL DO NOTHING
    RETURNING day_key, id
    """
).bindparams(bindparam("created_at", type_=_NOT_BEFORE.type), bindparam("rows", type_=Text))


@event.listens_for(Session, "before_flush")
def _render_queued(session: Session, _flush: object, _instances: object) -> None:
    """Each message queued for someone else, in the language they read (the staff chat: the programme's).
    Here, where the transaction is about to write, the readers' languages can be read from the database for
    all of them at once, whichever code queued the message and however it was called."""
    queued: list[tuple[Outbox, Message]] = session.info.pop(_TO_RENDER, [])
    if not queued:
        return
    env: RenderEnv | None = session.info.get(RENDER_ENV)
    readers = {row.user_id for row, _message in queued if row.user_id is not None}
    known = {uid: session.identity_map.get(identity_key(User, uid)) for uid in readers}
    missing = [uid for uid, user in known.items() if user is None]
    languages = {uid: user.language for uid, user in known.items() if user is not None}
    if missing:
        chosen = session.execute(select(User.id, User.language).where(User.id.in_(missing)))
        languages.update({uid: code for uid, code in chosen})
    for row, message in queued:
        if env is None:
            language = None
        elif row.to_staff or row.user_id is None:
            language = staff_language(env.programme)
        else:
            language = reader_language(languages.get(row.user_id), env.programme)
        with use_language(language):
            row.reply = render(session, message).to_dict()


@event.listens_for(Session, "after_soft_rollback")
def _forget_queued(session: Session, _previous: object) -> None:
    session.info.pop(_TO_RENDER, None)  # rolled back with the rows they were for
    session.info.pop(_FOR_THE_WORKER, None)


# An answer is written already claimed by the process that handles the update, which sends it at once
# (Delivery.send_answers); the delivery worker takes it only when this lease has run out: that process died.
# Three times the platforms' request timeout, so a slow send is never overtaken by the worker's copy.
ANSWER_LEASE = dt.timedelta(seconds=30)


async def queue_answers(session: AsyncSession, origin: Origin, replies: list[Reply], now: dt.datetime) -> list[Outbox]:
    """The answers to the person who acted, addressed to the chat they acted in, inside the caller's
    transaction; returns their outbox rows in order (what Delivery.send_answers sends, without reading them
    back). (They name a chat, not a person: /forget deletes the
    person in the transaction that answers them.)"""
    values = []
    edit_ref = origin.message_ref
    for reply in replies:
        if not (reply.text or reply.buttons or reply.attachment or reply.form):
            continue
        values.append(
            {
                "platform": origin.platform,
                "chat_id": origin.chat_id,
                "thread": origin.thread,
                "message_ref": edit_ref if reply.edit else None,
                "reply": reply.to_dict(),
                "to_staff": False,
                "status": "pending",
                "attempts": 1,
                "last_error": "",
                "not_before": now + ANSWER_LEASE,
                "created_at": now,
            }
        )
        if reply.edit:
            edit_ref = None  # one message shows one thing: a second edit becomes a new message
    if not values:
        return []
    await session.flush()  # what the handling queued before (for someone else) keeps its place in line
    # Written as rows in one INSERT … RETURNING, not through the unit of work, whose bookkeeping for them cost
    # more than the statement itself; nobody changes an answer in its transaction, so the caller gets plain
    # objects for Delivery, made of the very values written (every column but the id the database gives).
    ids = (await session.execute(_ANSWERS, values)).scalars().all()
    return [Outbox(id=row_id, user_id=None, sent_at=None, **row) for row_id, row in zip(ids, values, strict=True)]


_OUTBOX: Any = Outbox.__table__
_ANSWERS = insert(_OUTBOX).returning(_OUTBOX.c.id, sort_by_parameter_order=True)


@dataclass
class Context:
    event: Event
    session: AsyncSession
    user: User
    core: Core
    now: dt.datetime
    extra_replies: list[Reply] = field(default_factory=list)

    @property
    def programme(self):  # type: ignore[no-untyped-def]
        return self.core.programme

    @property
    def settings(self):  # type: ignore[no-untyped-def]
        return self.core.settings

    @property
    def zone(self) -> ZoneInfo:
        """The acting person's time zone (theirs, else the programme's)."""
        return zone_for(self.user, self.settings)

    def notify(self, user_id: int, reply: Message, *, not_before: dt.datetime | None = None) -> None:
        """Tell another person something (through the outbox, after commit)."""
        queue_message(self.session, self.now, reply, user_id=user_id, not_before=not_before)

    def render(self, outcome: Reply | object) -> Reply:
        """An outcome in the words its capability's handler gave it (for a reply to the acting person)."""
        return render(self.session, outcome)

    def notify_staff(self, reply: Message) -> None:
        """Tell the career team, in their staff chat(s)."""
        queue_message(self.session, self.now, reply, to_staff=True)
