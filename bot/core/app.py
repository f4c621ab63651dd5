"""The core: one object that turns an Event into Replies, the same for every platform."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import Any, Literal

from sqlalchemy import bindparam, insert, inspect, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.orm import make_transient_to_detached, selectinload
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from bot.config import Settings
from bot.core import forms
from bot.core.clock import Clock, SystemClock
from bot.core.context import Context, bind_sessions, queue_answers, queued_for_delivery
from bot.core.delivery import Delivery
from bot.core.errors import Refusal, database_unavailable
from bot.core.events import Actor, Event, Origin
from bot.core.intake import Inbox, mark_handled, take_recorded
from bot.core.language import reader_language
from bot.core.markup import fmt
from bot.core.payloads import quoted
from bot.core.registry import ActionSpec, CommandSpec, Registry, RenderEnv, registry
from bot.core.replies import Reply
from bot.i18n import _, supported, switch_language, use_language
from bot.programme import Programme, load_programme
from storage.db import make_engine, make_sessionmaker, transaction
from storage.migrate import upgrade
from storage.models import Identity, Outbox, ProcessedUpdate, User

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class MenuKey:
    """What a person's command menu depends on: their role, whether they are staff, their language."""

    role: str | None
    is_staff: bool
    language: str


@dataclass
class _Where:
    """Where one event's answers go when not in the chat it came from: its person's private chat, once the
    handling has decided so (a refusal after that point is answered there too)."""

    private: Origin | None = None


@dataclass
class Core:
    settings: Settings
    programme: Programme
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    clock: Clock
    delivery: Delivery
    inbox: Inbox
    registry: Registry = field(default_factory=lambda: registry)
    # (platform, external id) -> their menu's key when this process last handled them (`menu_key`)
    _menu_keys: dict[tuple[str, str], MenuKey] = field(default_factory=dict, repr=False)
    _together: _Together | None = field(default=None, repr=False)  # see `answer`

    @classmethod
    async def create(
        cls, settings: Settings, clock: Clock | None = None, *, migrate: bool = True, using: Registry = registry
    ) -> Core:
        """A core over what `using` holds: the composition root (bot.app) discovers the capabilities first."""
        programme = load_programme(settings.programme)
        using.prepare(programme)
        engine = make_engine(settings.database_url, pool_size=settings.database_pool_size)
        if migrate:
            try:
                await upgrade(engine)
            except BaseException:
                await engine.dispose()  # its driver's thread must not outlive the event loop
                raise
        sessions = make_sessionmaker(engine)
        bind_sessions(sessions, RenderEnv(programme, settings, using))
        try:
            await revoke_former_staff(sessions, settings)
        except BaseException:
            await engine.dispose()
            raise
        clock = clock or SystemClock()
        delivery, inbox = Delivery(sessions, clock), Inbox(sessions, clock)
        return cls(settings, programme, engine, sessions, clock, delivery, inbox, using)

    async def close(self) -> None:
        if self._together is not None:
            await self._together.stop()
        await self.engine.dispose()

    # --- the one entry point ------------------------------------------------------------------------

    async def handle(self, event: Event) -> list[Reply]:
        """Handle one event in one transaction and return the answers. A refusal or a failure changes
        nothing. (The terminal and tests; a chat platform uses `answer`.)"""
        replies, _answers = await self._handle(event, queue=False)
        return replies

    async def answer(self, event: Event) -> list[Outbox]:
        """Handle an event from a chat (`event.origin`): its answers are written into the outbox, addressed to
        that chat, in the same transaction as the change they report (and the inbox row, if any, is marked
        handled there too), so a crash after the commit still delivers them. Returns the outbox rows, in
        order, for the platform to send at once (Delivery.send_answers)."""
        if event.origin is None:
            raise ValueError("Core.answer needs the event's origin")
        if event.recorded and self.engine.dialect.name == "sqlite":
            # SQLite takes one writer at a time, so updates side by side only queue for its lock; those
            # waiting are handled together instead, in one transaction (see _Together).
            if self._together is None:
                self._together = _Together(self)
            return await self._together.answer(event)
        _replies, answers = await self._handle(event, queue=True)
        return answers

    async def _answer_in_one(self, events: list[Event]) -> list[list[Outbox]] | None:
        """Recorded events handled one after another in one transaction; their answers, or None if any was
        refused or failed (nothing of them is kept, and the caller handles each on its own)."""
        answers: list[list[Outbox]] = []
        try:
            async with transaction(self.sessions) as session:
                for event in events:
                    with use_language(self._platform_language(event)):
                        now = self.clock.now()
                        _replies, queued = await self._handle_within(session, event, event.origin, now, _Where())
                    answers.append(queued)
        except Exception:
            return None
        if queued_for_delivery(session):
            self.delivery.kick()
        return answers

    async def answer_submission(self, event: Event) -> tuple[list[Reply], list[Outbox]]:
        """A whole form submitted where the answer travels in the platform's acknowledgement (a Slack modal):
        the replies come back for it; unless the form is refused field by field (shown in the form itself),
        they are also written into the outbox, addressed to `event.origin`, in the transaction that saved the
        form, so a crash after the acknowledgement still delivers them."""
        if event.origin is None:
            raise ValueError("Core.answer_submission needs the event's origin")
        return await self._handle(event, queue=True, unless_refused_in_form=True)

    async def say(self, origin: Origin, replies: list[Reply], *, update_key: str | None = None) -> list[Outbox]:
        """Answer an update the core has nothing to do with (a sticker, a photo) through the outbox as well,
        marking it handled. Returns the outbox rows to send at once; none when the database is unavailable
        (the update stays pending and is handled again later)."""
        now = self.clock.now()
        try:
            async with self.sessions() as session, session.begin():
                answers = await queue_answers(session, origin, replies, now)
                if update_key:
                    await mark_handled(session, origin.platform, update_key, now)
        except Exception as exc:
            log.warning("could not record the answer to %s chat %s: %s", origin.platform, origin.chat_id, exc)
            return []
        return answers  # answers only: the caller sends them (nothing here for the delivery worker)

    async def _handle(
        self, event: Event, *, queue: bool, unless_refused_in_form: bool = False
    ) -> tuple[list[Reply], list[Outbox]]:
        with use_language(self._platform_language(event)):
            return await self._handle_in_language(event, queue=queue, unless_refused_in_form=unless_refused_in_form)

    def _platform_language(self, event: Event) -> str:
        """What an event is handled in until the database says which language its person chose (identify,
        then switch_language): the one the platform says they read, else the programme's."""
        return supported(event.actor.language) or self.programme.language

    async def _handle_in_language(
        self, event: Event, *, queue: bool, unless_refused_in_form: bool
    ) -> tuple[list[Reply], list[Outbox]]:
        now = self.clock.now()
        origin = event.origin if queue else None
        where = _Where()  # where the answers go instead, when not in the chat itself
        error = ""
        # An update the inbox holds is handled again if a power cut takes this commit back; one it does not
        # (a Slack form's submission, answered in its acknowledgement; the terminal) would be gone.
        durable = not event.recorded
        try:
            async with transaction(self.sessions, durable=durable) as session:
                if durable:
                    session.info[_SEEN_LATER] = []
                replies, answers = await self._handle_within(session, event, origin, now, where, unless_refused_in_form)
            await self._record_seen(session)  # before delivery is woken: it picks where to reach people by it
            if queued_for_delivery(session):
                self.delivery.kick()
            return replies, answers
        except Refusal as refusal:
            replies = [refusal.reply()]
        except Exception as exc:
            if origin is not None and event.update_key and database_unavailable(exc):
                # Not the update's fault: it stays pending in the inbox and is handled once the database
                # is back (the person's answer comes then), instead of "sorry, try again".
                log.warning("database unavailable for %s update %s: %s", origin.platform, event.update_key, exc)
                return [], []
            log.exception("handling %s %s failed", event.kind, event.command or event.action)
            error = repr(exc)
            replies = [
                Reply(
                    _("Sorry, something went wrong on our side and nothing was changed. Please try again in a moment.")
                )
            ]
        if origin is None:
            return replies, []
        # Nothing of the event was kept; the refusal or the apology is recorded on its own (in private, too,
        # when the answer would have been: "you have no mentor yet" is nobody else's business).
        try:
            async with transaction(self.sessions, durable=durable) as session:
                answers = await self._queue(session, event, origin, where.private, replies, now, error)
        except Exception as exc:
            # The database itself is failing: the update stays pending in the inbox and is handled again
            # once its lease runs out, so the person is answered then.
            log.warning("could not record the answer to %s %s: %s", event.kind, event.command or event.action, exc)
            return replies, []
        return replies, answers

    async def _record_seen(self, session: AsyncSession) -> None:
        """The moment a person was last seen, left by `identify` for after a durable transaction: written in a
        transaction of its own that does not wait for the disk. A power cut could take it back, which costs
        nothing (the next message stamps it again), where the durable commit of a page that otherwise only
        read would wait for the disk for it alone."""
        seen: list[dict[str, Any]] = session.info.pop(_SEEN_LATER, None) or []
        if not seen:
            return
        try:
            async with self.engine.begin() as stamping:  # one statement: no session needed around it
                await stamping.execute(_STAMP_SEEN, seen)
        except Exception as exc:  # bookkeeping: the person has their answer whatever happens here
            log.warning("could not record when %s was last seen: %s", [row["row_id"] for row in seen], exc)

    async def _handle_within(
        self,
        session: AsyncSession,
        event: Event,
        origin: Origin | None,
        now: dt.datetime,
        where: _Where,
        unless_refused_in_form: bool = False,
    ) -> tuple[list[Reply], list[Outbox]]:
        """The event handled in the caller's transaction: its answers, queued when `origin` says where to."""
        if event.update_key and not await self._first_delivery(session, event, now):
            if origin is not None and not event.recorded:
                await mark_handled(session, origin.platform, event.update_key, now)
            return [], []
        user, identity = await identify(session, event.actor, self.settings, now)
        switch_language(reader_language(user.language, self.programme))
        place = where_to_answer(event, self.registry)
        reachable = private_origin(origin, identity)
        if place == "elsewhere" or (place == "private" and reachable is None):
            replies = [not_here(origin)]  # not run: it would answer where others read it
        else:
            where.private = reachable if place == "private" else None
            ctx = Context(event=event, session=session, user=user, core=self, now=now)
            replies = await self._route(ctx)
            replies = [*replies, *ctx.extra_replies]
            self._menu_keys[(event.actor.platform, event.actor.external_id)] = MenuKey(
                user.role, user.is_staff, reader_language(user.language, self.programme)
            )
            in_public = origin is not None and origin.kind != "private"
            if where.private is None and in_public and any(asks(reply) for reply in replies):
                # A form asks its questions in private; without a private chat it waits for /start.
                where.private = reachable
                if where.private is None:
                    replies = [not_here(origin)]
        shown_in_form = unless_refused_in_form and any(reply.errors for reply in replies)
        if origin is None or shown_in_form:
            return replies, []
        return replies, await self._queue(session, event, origin, where.private, replies, now, taken=event.recorded)

    @staticmethod
    async def _queue(
        session: AsyncSession,
        event: Event,
        origin: Origin,
        private: Origin | None,
        replies: list[Reply],
        now: dt.datetime,
        error: str = "",
        *,
        taken: bool = False,
    ) -> list[Outbox]:
        """The answers into the outbox (to the private chat instead, when `private`), and the update done
        (`taken`: its inbox row was marked so when this transaction began, see `_first_delivery`)."""
        if private is not None:
            answers = await queue_answers(session, private, replies, now)
            if event.kind == "command":  # a button press moves on without a word in the group
                answers += await queue_answers(session, origin, [answered_in_private()], now)
        else:
            answers = await queue_answers(session, origin, replies, now)
        if event.update_key and not taken:
            await mark_handled(session, origin.platform, event.update_key, now, error)
        return answers

    async def _first_delivery(self, session: AsyncSession, event: Event, now) -> bool:  # type: ignore[no-untyped-def]
        """Whether this transaction is the first to handle the event's update: its inbox row, when the platform
        recorded it, taken from pending to handled in this transaction (one statement for both ends), else
        the update's key added to those processed."""
        assert event.update_key is not None
        if event.recorded:
            return await take_recorded(session, event.actor.platform, event.update_key, now)
        values = {"platform": event.actor.platform, "update_key": event.update_key, "created_at": now}
        result = await session.execute(_FIRST_DELIVERY[session.get_bind().dialect.name], values)
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def _route(self, ctx: Context) -> list[Reply]:
        event = ctx.event
        if event.kind == "command":
            spec = self.registry.commands.get(event.command)
            if spec is None:
                unknown = _("I don't know /{command}. /help lists what you can do.")
                raise Refusal(fmt(unknown, command=quoted(event.command)))
            authorise(spec, ctx.user)
            return _as_list(await spec.handler(ctx))
        if event.kind == "action":
            if event.action.startswith("f."):
                return await forms.on_action(ctx)
            action = self.registry.actions.get(event.action)
            if action is None:
                raise Refusal(_("That button no longer works. /help shows what you can do now."))
            authorise(action, ctx.user)
            return _as_list(await action.handler(ctx))
        if event.kind == "form_submit":
            return await forms.on_submit(ctx)
        if event.kind == "home":
            home = self.registry.home_handler
            return _as_list(await home(ctx)) if home is not None else []
        if event.kind == "file":
            reader = self.registry.file_handler
            if reader is None:
                return [Reply(_("I can only read text messages. /help lists what you can do."))]
            return _as_list(await reader(ctx))
        progress = await forms.current_progress(ctx)
        if progress is not None:
            return await forms.on_text(ctx, progress)
        if self.registry.text_fallback is not None:
            return _as_list(await self.registry.text_fallback(ctx))
        return [Reply(_("I didn't catch that. /help lists what you can do."))]

    def commands_for(self, user: User | None) -> list[CommandSpec]:
        """The commands a person may run, for /help and the platforms' command menus."""
        return [spec for spec in self.registry.commands.values() if user is None or allowed(spec, user)]

    def menu_key(self, actor: Actor) -> MenuKey | None:
        """What a person's command menu depends on, as of the last update of theirs this process handled."""
        return self._menu_keys.get((actor.platform, actor.external_id))

    def menu(self, key: MenuKey) -> list[tuple[str, str]]:
        """A person's command menu: the commands they may run (a student's, a mentor's, the career team's),
        each with its description in their language."""
        person = User(role=key.role, is_staff=key.is_staff)
        with use_language(key.language):
            return [
                (spec.name, spec.description(self.programme) or spec.name)
                for spec in self.commands_for(person)
                if spec.menu
            ]

    def menu_everyone(self, language: str) -> list[tuple[str, str]]:
        """The menu before the bot knows someone (Telegram's default, per language)."""
        return self.menu(MenuKey(None, False, language))


# --- privacy in groups -------------------------------------------------------------------------------

# "here": answered in the chat; "private": run, and answered in the person's private chat; "elsewhere":
# not taken here at all (what someone types in a group is never an answer to a form).
Place = Literal["here", "private", "elsewhere"]


def where_to_answer(event: Event, registry: Registry) -> Place:
    """The one rule for groups: in a chat others read, the bot answers only what shows nothing about the
    person (/help, /privacy), and the career team's own commands and buttons in the staff chat; everything
    else (a profile, requests, a form, a data copy) is answered in the person's private chat."""
    origin = event.origin
    if origin is None or origin.kind == "private":
        return "here"
    spec: CommandSpec | ActionSpec | None = None
    if event.kind == "command":
        spec = registry.commands.get(event.command)
        if spec is None:
            return "here"  # "I don't know /x" says nothing about anyone
    elif event.kind == "action":
        spec = registry.actions.get(event.action)
    if spec is None:
        return "elsewhere" if event.kind in ("text", "form_submit") else "private"
    if spec.public:
        return "here"
    return "here" if origin.kind == "staff" and spec.roles == {"staff"} else "private"


def private_origin(origin: Origin | None, identity: Identity) -> Origin | None:
    """The person's private chat with the bot on this platform, when they have one."""
    if origin is None or not identity.chat_id:
        return None
    return Origin(origin.platform, identity.chat_id, "private")


def asks(reply: Reply) -> bool:
    return reply.expects_text or reply.form is not None


def not_here(origin: Origin | None) -> Reply:
    link = origin.private_link if origin is not None else None
    if link:
        return Reply(
            fmt(
                _("Let's talk in private, where only you can see what I show you: open {link} and press Start."),
                link=link,
            )
        )
    return Reply(_("Let's talk in private, where only you can see what I show you: write to me directly."))


def answered_in_private() -> Reply:
    return Reply(_("I've answered you in our private chat."))


def allowed(spec: CommandSpec | ActionSpec, user: User) -> bool:
    if "any" in spec.roles:
        return True
    if "staff" in spec.roles and user.is_staff:
        return True
    if "member" in spec.roles and (user.role is not None or user.is_staff):
        return True
    return user.role is not None and (
        ("student" in spec.roles and user.role == "student") or ("alumnus" in spec.roles and user.role == "alumnus")
    )


def authorise(spec: CommandSpec | ActionSpec, user: User) -> None:
    if allowed(spec, user):
        return
    if spec.roles == {"staff"}:
        raise Refusal(_("That command is for the career team only."))
    if user.role is None:
        raise Refusal(_("Let's set up your profile first: send /start."))
    if spec.roles == {"student"}:
        raise Refusal(_("That's something students do. /help lists what you can do."))
    if spec.roles == {"alumnus"}:
        raise Refusal(_("That's something mentors do. /help lists what you can do."))
    raise Refusal(_("That isn't available to you. /help lists what you can do."))


# The statements every update runs, built once: building one and working out its cache key again for each
# update cost about as much as running it on SQLite.
_PROCESSED: Any = ProcessedUpdate.__table__
_FIRST_DELIVERY = {
    "postgresql": pg_insert(_PROCESSED).on_conflict_do_nothing(),
    "sqlite": sqlite_insert(_PROCESSED).on_conflict_do_nothing(),
}


# A person and how they reached us, read and written as rows and put in the session as loaded objects made of
# those very values. Loading them through the ORM (its row processors, built anew at every statement, even
# one that finds no row) cost three times the statements themselves: about a tenth of all the work of a
# busy bot answering newcomers.
_USERS: Any = User.__table__
_IDENTITIES: Any = Identity.__table__
_IDENTITY_ROW = (
    select(*_IDENTITIES.c, *_USERS.c)
    .join_from(_IDENTITIES, _USERS, _IDENTITIES.c.user_id == _USERS.c.id)
    .where(_IDENTITIES.c.platform == bindparam("platform"), _IDENTITIES.c.external_id == bindparam("external_id"))
)
_IDENTITY_KEYS, _USER_KEYS = tuple(_IDENTITIES.c.keys()), tuple(_USERS.c.keys())  # a row's two halves, in order
_NEW_USER = insert(_USERS).returning(_USERS.c.id)
_NEW_IDENTITY = insert(_IDENTITIES).returning(_IDENTITIES.c.id)


def _column_defaults(table: Any) -> dict[str, Any]:
    """Every column but the id, with the model's default where it has one: a newcomer's row is written with
    all its values, so that the object made of them has nothing left to load. Only plain values can be
    known here; a column whose default is worked out when the row is written (a function, the server's)
    would be written as NULL, so such a column stops the module loading instead."""
    for c in table.c:
        if c.server_default is not None or (c.default is not None and not c.default.is_scalar):
            raise TypeError(f"{table.name}.{c.key}: a newcomer's row is written with plain defaults only")
    return {c.key: c.default.arg if c.default is not None else None for c in table.c if not c.primary_key}


_USER_COLUMNS = _column_defaults(_USERS)
_IDENTITY_COLUMNS = _column_defaults(_IDENTITIES)


def _as_loaded(session: AsyncSession, model: Any, values: dict[str, Any]) -> Any:
    """The object of a row read or written, in the session as if a query had loaded it (the one the session
    holds already, if it does, as a query would give)."""
    held = session.identity_map.get(identity_key(model, values["id"]))
    if held is not None:
        for name in inspect(held).expired_attributes & values.keys():  # what a query would have refreshed
            set_committed_value(held, name, values[name])
        return held
    obj = model(**values)
    make_transient_to_detached(obj)  # what it holds counts as loaded from the database, not as changes
    session.add(obj)
    return obj


async def _found(session: AsyncSession, actor: Actor) -> tuple[User, Identity] | None:
    row = (await session.execute(_IDENTITY_ROW, {"platform": actor.platform, "external_id": actor.external_id})).first()
    if row is None:
        return None
    split = len(_IDENTITY_KEYS)
    identity = _as_loaded(session, Identity, dict(zip(_IDENTITY_KEYS, row[:split], strict=True)))
    user = _as_loaded(session, User, dict(zip(_USER_KEYS, row[split:], strict=True)))
    set_committed_value(identity, "user", user)
    return user, identity


async def _added(session: AsyncSession, statement: Any, values: dict[str, Any]) -> dict[str, Any]:
    """Write one row; its values, with the id the database gave it."""
    return {"id": (await session.execute(statement, values)).scalar_one(), **values}


# Where to reach a person is the identity they wrote from last (Delivery); to the minute is enough, and
# someone answering a form step by step does not rewrite the row at every step.
LAST_SEEN_PRECISION = dt.timedelta(minutes=1)
# Session.info, while a durable transaction handles an event: the last-seen stamps `identify` leaves for after
# it (Core._record_seen), as the parameters of _STAMP_SEEN.
_SEEN_LATER = "seen_later"
_STAMP_SEEN = (
    update(_IDENTITIES)
    .where(
        _IDENTITIES.c.id == bindparam("row_id"),
        or_(_IDENTITIES.c.last_seen_at.is_(None), _IDENTITIES.c.last_seen_at < bindparam("seen")),
    )
    .values(last_seen_at=bindparam("seen"))
)


async def identify(session: AsyncSession, actor: Actor, settings: Settings, now) -> tuple[User, Identity]:  # type: ignore[no-untyped-def]
    """The person behind a platform identity and that identity, created on first contact; staff status from the
    database, granted by STAFF_IDS."""
    found = await _found(session, actor)
    if found is None:
        # A name with NUL is storable too; the language the platform reports is theirs until they choose.
        # What a newcomer has is known, so it is set as loaded instead of being looked up when asked: this
        # identity, and no profile yet.
        person = {
            **_USER_COLUMNS,
            "name": quoted(actor.display_name, 120),
            "language": supported(actor.language),
            "created_at": now,
        }
        user = _as_loaded(session, User, await _added(session, _NEW_USER, person))
        reached = {
            **_IDENTITY_COLUMNS,
            "user_id": user.id,
            "platform": actor.platform,
            "external_id": actor.external_id,
            "chat_id": actor.chat_id,
            "username": actor.username,
            "created_at": now,
            "last_seen_at": now,
        }
        identity = _as_loaded(session, Identity, await _added(session, _NEW_IDENTITY, reached))
        set_committed_value(identity, "user", user)
        for name, value in (("identities", [identity]), ("mentor_profile", None), ("mentee_profile", None)):
            set_committed_value(user, name, value)
    else:
        user, identity = found
        if actor.chat_id and identity.chat_id != actor.chat_id:
            identity.chat_id = actor.chat_id
        if actor.username and identity.username != actor.username:
            identity.username = actor.username
        if identity.last_seen_at is None or now - identity.last_seen_at >= LAST_SEEN_PRECISION:
            later: list[dict[str, Any]] | None = session.info.get(_SEEN_LATER)
            if later is not None:  # a durable transaction: written after it (Core._record_seen)
                set_committed_value(identity, "last_seen_at", now)
                later.append({"row_id": identity.id, "seen": now})
            else:
                identity.last_seen_at = now
    if user.blocked_bot_at is not None:
        user.blocked_bot_at = None  # they wrote to us, so they can hear us again
    if (actor.platform, actor.external_id) in settings.staff_identities and not user.is_staff:
        user.is_staff, user.staff_source = True, "settings"
    return user, identity


# The terminal has no sign-in (whoever types is whoever /as names), so its demo career team is not STAFF_IDS'.
UNAUTHENTICATED_PLATFORMS = frozenset({"console"})


async def revoke_former_staff(sessions: async_sessionmaker[AsyncSession], settings: Settings) -> int:
    """STAFF_IDS says who the career team began with. At start, anyone it made staff whom it no longer names
    (on a platform people sign in to) stops being staff; whom it names become staff on their next message
    (`identify`). Members a colleague added in the chat (/staff add) stay until a colleague removes them.
    Returns how many lost staff rights."""
    async with sessions() as session, session.begin():
        staff = list(
            await session.scalars(select(User).where(User.is_staff.is_(True)).options(selectinload(User.identities)))
        )
        revoked = 0
        for user in staff:
            signed_in = [i for i in user.identities if i.platform not in UNAUTHENTICATED_PLATFORMS]
            named = any((i.platform, i.external_id) in settings.staff_identities for i in user.identities)
            if signed_in and not named and user.staff_source != "chat":
                user.is_staff, user.staff_source = False, None
                revoked += 1
                log.warning("user %s is no longer in STAFF_IDS: their career-team rights are withdrawn", user.id)
    return revoked


def _as_list(result: Reply | list[Reply] | None) -> list[Reply]:
    if result is None:
        return []
    return result if isinstance(result, list) else [result]


class _Together:
    """Recorded updates handled together: one task takes the updates waiting (up to TOGETHER) and handles them
    one after another in one transaction, as SQLite would have run their transactions one after another.
    Beginning and committing a transaction, and taking a connection for it, were a tenth of a busy bot's
    work for every update. A refusal or a failure of any of them takes the whole batch back; each is then
    handled on its own, the usual way, so it is answered and recorded as if it had come alone. A quiet bot's
    batches hold one update."""

    TOGETHER = 16  # as many as the platforms hand over side by side; the write lock is held about 20 ms

    def __init__(self, core: Core) -> None:
        self._core = core
        self._waiting: list[tuple[Event, asyncio.Future[list[Outbox]]]] = []
        self._queued = asyncio.Event()
        self._task = asyncio.create_task(self._run(), name="updates handled together")

    async def answer(self, event: Event) -> list[Outbox]:
        answered: asyncio.Future[list[Outbox]] = asyncio.get_running_loop().create_future()
        self._waiting.append((event, answered))
        self._queued.set()
        return await answered

    async def stop(self) -> None:
        self._task.cancel()
        await asyncio.gather(self._task, return_exceptions=True)
        for _event, answered in self._waiting:
            answered.cancel()

    async def _run(self) -> None:
        while True:
            await self._queued.wait()
            self._queued.clear()
            while self._waiting:
                batch = self._waiting[: self.TOGETHER]
                del self._waiting[: self.TOGETHER]
                try:
                    await self._answer(batch)
                except Exception as exc:  # not one update's doing (each failure is answered in `_handle`)
                    for _event, answered in batch:
                        if not answered.done():
                            answered.set_exception(exc)
                except BaseException:
                    for _event, answered in batch:
                        answered.cancel()
                    raise

    async def _answer(self, batch: list[tuple[Event, asyncio.Future[list[Outbox]]]]) -> None:
        core = self._core
        together = await core._answer_in_one([event for event, _answered in batch]) if len(batch) > 1 else None
        for n, (event, answered) in enumerate(batch):
            if together is not None:
                answers = together[n]
            else:
                _replies, answers = await core._handle(event, queue=True)
            if not answered.done():  # its caller may have given up waiting
                answered.set_result(answers)
