"""Telegram, on python-telegram-bot v22: updates become core Events, Replies become messages.

A thin adapter. Long polling by default, a webhook when TELEGRAM_WEBHOOK_URL is set. Inline keyboards carry
`action|payload` as callback data; a reply marked `edit` replaces the message whose button was pressed.
Messages to other people come from the outbox through `send_to_user` / `send_to_staff`, where Telegram's
refusals become the outbox's RetryLater / Unreachable, so retries and pacing stay in one place.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import datetime as dt
import hashlib
import hmac
import json
import logging
import math
import re
import warnings
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web
from telegram import (
    BotCommand,
    BotCommandScopeChat,
    BotCommandScopeDefault,
    Chat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    LinkPreviewOptions,
    Message,
    Update,
)
from telegram import User as TelegramUser
from telegram.constants import ChatType, ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
)
from telegram.ext import (
    Application,
    BaseRateLimiter,
    BaseUpdateProcessor,
    ContextTypes,
    ExtBot,
    TypeHandler,
)
from telegram.warnings import PTBDeprecationWarning

from bot.config import ConfigError, Settings
from bot.core.app import Core, MenuKey
from bot.core.delivery import Pace, Paces, RetryLater, Undeliverable, Unreachable
from bot.core.events import MAX_FILE_BYTES, Actor, Event, IncomingFile, Origin
from bot.core.intake import Due, Recorded
from bot.core.markup import shorten
from bot.core.outage import Outage, first_line
from bot.core.replies import Attachment, Button, Reply
from bot.i18n import LANGUAGES, _, supported, use_language
from bot.platforms.base import ChatKind, register
from bot.platforms.console import to_plain
from bot.platforms.telegram_request import AiohttpRequest
from storage.models import Identity

log = logging.getLogger(__name__)

PLATFORM = "telegram"
MAX_TEXT = 4096  # Telegram's message limit, in UTF-16 code units
ALLOWED_UPDATES = ["message", "callback_query"]
_COMMAND_NAME = re.compile(r"^[a-z0-9_]{1,32}$")
_WEBHOOK_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
# Requests that put something in a chat: the ones paced per chat.
_CHAT_WRITES = frozenset({"sendMessage", "sendDocument", "sendPhoto", "editMessageText", "editMessageReplyMarkup"})
MAX_PHOTO_BYTES = 10 * 1024 * 1024  # Telegram's limit for a photo; a larger image goes as a document
QUEUED = 1  # rate_limit_args marking a message from our outbox (as opposed to an answer to an update)


# --- pacing ----------------------------------------------------------------------------------------


class FloodPace(BaseRateLimiter[int]):
    """Telegram's flood limits, met on our side: every write (a message, a file, an edit) takes a place in
    the overall pace (TELEGRAM_MAX_MESSAGES_PER_SECOND) and in its chat's (a burst, then about one a second
    in a private chat; 20 a minute in a group). Answers to what a person just did go before messages from
    the outbox (sent with `rate_limit_args=QUEUED`) whenever both wait.

    A 429 that still comes goes straight back to the caller (no retry here, which would hold up the
    request's place): the outbox sends the message again after `retry_after`, so it is never lost."""

    def __init__(
        self, *, overall_per_second: float, group_per_minute: float, per_chat_per_second: float, chat_burst: int
    ) -> None:
        self.overall = Pace(overall_per_second)
        self.chats = Paces(
            lambda chat: (
                Pace(group_per_minute / 60, max(1, math.floor(group_per_minute)))
                if isinstance(chat, int) and chat < 0
                else Pace(per_chat_per_second, max(1, chat_burst))
            )
        )

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to tear down."""

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        chat_id = _int_or_none(data.get("chat_id"))
        if endpoint not in _CHAT_WRITES or chat_id is None:
            return await callback(*args, **kwargs)
        urgent = rate_limit_args != QUEUED
        # The chat's place first: a chat at its limit must not hold an overall place while it waits.
        async with self.chats(chat_id).slot(urgent=urgent), self.overall.slot(urgent=urgent):
            return await callback(*args, **kwargs)


# --- updates as they come ----------------------------------------------------------------------------


class RawUpdatesBot(ExtBot[int]):
    """PTB's bot, plus getUpdates answered as raw JSON: its own get_updates parses the whole batch at once,
    so one update it cannot read would fail every batch for good (and log the batch each time)."""

    async def get_raw_updates(self, offset: int | None, wait_seconds: float, read_timeout: float) -> list[Any]:
        """One long poll: Telegram holds it open up to `wait_seconds` when there is nothing new."""
        data: dict[str, Any] = {"timeout": int(wait_seconds), "allowed_updates": ALLOWED_UPDATES}
        if offset is not None:
            data["offset"] = offset
        result = await self._post("getUpdates", data, read_timeout=read_timeout)
        return list(result) if isinstance(result, list) else []


# --- updates side by side, each chat in order -----------------------------------------------------


class ChatOrderedUpdates(BaseUpdateProcessor):
    """Updates from different chats are handled side by side, so one slow chat (a send timing out) does
    not hold up everyone; updates from one chat are handled one after another, in the order they came,
    so quick taps on a form never race each other."""

    def __init__(self, max_concurrent_updates: int = 16) -> None:
        super().__init__(max_concurrent_updates)
        self._locks: dict[int, asyncio.Lock] = {}
        self._waiting: dict[int, int] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = _chat_key(update)
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._waiting[key] = self._waiting.get(key, 0) + 1
        try:
            async with lock:
                await coroutine
        finally:
            self._waiting[key] -= 1
            if not self._waiting[key]:  # nobody else queued for this chat: forget its lock
                del self._waiting[key], self._locks[key]

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to tear down."""


def _chat_key(update: object) -> int:
    if isinstance(update, Update):
        if update.effective_chat is not None:
            return update.effective_chat.id
        if update.effective_user is not None:
            return update.effective_user.id
    return 0


# --- text and keyboards ----------------------------------------------------------------------------


def to_telegram_html(text: str) -> str:
    """Telegram's HTML parse mode understands the markup subset and its three escapes as they are."""
    return text


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


_TAGS = re.compile(r"<(/?)(b|i|code)>")
_ATOMS = re.compile(r"</?(?:b|i|code)>|&#?\w+;|\s+|[^\s<&]+|[<&]")
_TAG_ROOM = 40  # room for re-opening and closing <b><i><code> around a chunk


def split_html(text: str, limit: int = MAX_TEXT) -> list[str]:
    """Cut a long HTML text into messages Telegram accepts: at line breaks where possible, then at spaces,
    never inside a tag or an entity, with <b>/<i>/<code> closed at the cut and reopened after it."""
    if utf16_len(text) <= limit:
        return [text] if text.strip() else []
    budget = limit - _TAG_ROOM
    pieces: list[str] = []  # each one fits the budget; "\n" joins lines back where they were
    for line in text.split("\n"):
        pieces.extend(_split_line(line, budget) if utf16_len(line) > budget else [line])
    chunks: list[str] = []
    current = ""
    for piece in pieces:
        candidate = piece if not current else current + "\n" + piece
        if current and utf16_len(candidate) > budget:
            chunks.append(current)
            current = piece
        else:
            current = candidate
    chunks.append(current)
    return _balance_tags([c for c in chunks if c.strip()])


def _split_line(line: str, budget: int) -> list[str]:
    parts: list[str] = []
    current = ""
    for atom in _ATOMS.findall(line):
        while utf16_len(atom) > budget:  # one enormous word: cut it hard
            head, atom = atom[: budget // 2], atom[budget // 2 :]
            if current:
                parts.append(current)
                current = ""
            parts.append(head)
        if utf16_len(current + atom) > budget:
            parts.append(current)
            current = atom.lstrip()
        else:
            current += atom
    if current:
        parts.append(current)
    return parts


def _balance_tags(chunks: list[str]) -> list[str]:
    balanced = []
    still_open: list[str] = []
    for chunk in chunks:
        prefix = "".join(f"<{tag}>" for tag in still_open)
        stack = list(still_open)
        for closing, tag in _TAGS.findall(chunk):
            if closing and tag in stack:
                stack.remove(tag)
            elif not closing:
                stack.append(tag)
        suffix = "".join(f"</{tag}>" for tag in reversed(stack))
        balanced.append(prefix + chunk + suffix)
        still_open = stack
    return balanced


def keyboard(buttons: list[list[Button]]) -> InlineKeyboardMarkup | None:
    rows = [[InlineKeyboardButton(b.label, callback_data=b.data) for b in row] for row in buttons if row]
    return InlineKeyboardMarkup(rows) if rows else None


def retry_seconds(exc: RetryAfter) -> float:
    """`retry_after` is an int or a timedelta depending on PTB 22.x and PTB_TIMEDELTA; take either."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, dt.timedelta) else float(value)


def _int_or_none(value: object) -> int | None:
    try:
        return int(value)  # type: ignore[call-overload, no-any-return]
    except (TypeError, ValueError):
        return None


def _not_modified(exc: BadRequest) -> bool:
    return "message is not modified" in exc.message.lower()


def _bad_markup(exc: BadRequest) -> bool:
    return "can't parse entities" in exc.message.lower()


# --- the platform ----------------------------------------------------------------------------------


@register
class TelegramPlatform:
    """The bot on Telegram; also the outbox's Transport for Telegram identities and the staff chat.

    Nothing Telegram hands us is lost to a crash: each batch of updates is written to the inbox before the
    next getUpdates confirms it (or before the webhook answers 200), then handled; handling writes the
    answers into the outbox in its own transaction, and they are sent from there. After a restart, what is
    still pending in the inbox is handled and what is still pending in the outbox is sent. An update the
    library cannot read is set aside (logged once, with its id) and polling moves past it.
    """

    platform = PLATFORM

    @classmethod
    def configured(cls, settings: Settings) -> bool:
        return settings.telegram_enabled

    def __init__(
        self,
        core: Core,
        *,
        listen: str | None = None,  # the webhook server's address; TELEGRAM_WEBHOOK_LISTEN by default
        poll_timeout: float = 10.0,
        request_timeout: float = 10.0,
        overall_per_second: float | None = None,  # TELEGRAM_MAX_MESSAGES_PER_SECOND by default
        group_per_minute: float = 20,
        per_chat_per_second: float = 1.0,
        chat_burst: int = 3,
        connect_retry: float = 1.0,
        replay_every: float = 15.0,
    ) -> None:
        settings = core.settings
        if settings.telegram_bot_token is None:
            raise ConfigError("TELEGRAM_BOT_TOKEN is not set, so the bot cannot start on Telegram.")
        self.core = core
        self.staff_chat_id: int | None = settings.telegram_staff_chat_id
        self._menus: dict[str, MenuKey] = {}  # private chat id -> the menu last set there (`_refresh_menu`)
        self.webhook_url = settings.telegram_webhook_url or None
        self.webhook_secret = (
            settings.telegram_webhook_secret.get_secret_value() if settings.telegram_webhook_secret else ""
        )
        if self.webhook_url and not _WEBHOOK_SECRET.match(self.webhook_secret):
            raise ConfigError(
                "Webhook mode needs TELEGRAM_WEBHOOK_SECRET: 1 to 256 letters, digits, '_' or '-', "
                "so that only Telegram can post updates to the bot."
            )
        self.listen = listen if listen is not None else settings.telegram_webhook_listen
        self.poll_timeout = poll_timeout
        self.request_timeout = request_timeout
        self.connect_retry = connect_retry
        self.replay_every = replay_every
        self.ready = asyncio.Event()  # set once updates are being received
        self.port: int | None = None  # the webhook server's port once it listens
        self._partial: dict[tuple[int, str], int] = {}  # long messages cut short mid-way: parts already sent
        self._webhook: web.AppRunner | None = None
        limiter = FloodPace(
            overall_per_second=overall_per_second or settings.telegram_max_messages_per_second,
            group_per_minute=group_per_minute,
            per_chat_per_second=per_chat_per_second,
            chat_burst=chat_burst,
        )
        bot = RawUpdatesBot(
            settings.telegram_bot_token.get_secret_value(),
            base_url=settings.telegram_api_base_url,
            base_file_url=settings.telegram_api_base_url.replace("/bot", "/file/bot"),
            request=AiohttpRequest(
                connect_timeout=request_timeout,
                read_timeout=request_timeout,
                write_timeout=request_timeout,
                media_write_timeout=request_timeout,
            ),
            get_updates_request=AiohttpRequest(
                connections=1, connect_timeout=request_timeout, read_timeout=request_timeout
            ),
            rate_limiter=limiter,
        )
        self.bot = bot
        self.app: Application[Any, Any, Any, Any, Any, Any] = (
            Application.builder()
            .bot(bot)
            .job_queue(None)  # our scheduler runs the timed work
            .updater(None)  # we fetch updates ourselves, so that none is confirmed before it is recorded
            .concurrent_updates(ChatOrderedUpdates())
            .build()
        )
        self.app.add_handler(TypeHandler(Update, self._on_update))
        self.app.add_error_handler(self._on_error)

    # --- running -----------------------------------------------------------------------------------

    async def run(self) -> None:
        """Receive updates until cancelled: long polling, or a webhook server when a webhook URL is set."""
        app = self.app
        await self._connect()
        if not self.core.settings.telegram_bot_username:  # the t.me links in invitations name the bot
            self.core.settings.telegram_bot_username = app.bot.username
        async with app:  # already initialised: this only shuts it down at the end
            await self._publish_commands()
            await app.start()
            # What a previous run recorded and did not finish, then what a failing database leaves pending.
            await self._dispatch_due(await self.core.inbox.claim_due(PLATFORM, everything=True))
            replaying = asyncio.create_task(
                self.core.inbox.take_up_forever(PLATFORM, self._dispatch_due, self.replay_every), name="telegram-replay"
            )
            receiving: asyncio.Task[None] | None = None
            try:
                if self.webhook_url:
                    await self._serve_webhook()
                    self.ready.set()
                    await asyncio.Event().wait()
                else:
                    receiving = asyncio.create_task(self._poll(), name="telegram-poll")
                    self.ready.set()
                    await receiving
            finally:
                self.ready.clear()
                for task in (receiving, replaying):
                    if task is not None:
                        task.cancel()
                await asyncio.gather(*(t for t in (receiving, replaying) if t is not None), return_exceptions=True)
                await self.stop()

    async def stop(self) -> None:
        """Stop receiving updates (`run` does it when cancelled; a second call finds nothing running)."""
        if self._webhook is not None:
            await self._webhook.cleanup()
            self._webhook = None
        if self.app.running:
            await self.app.stop()  # handles what is already queued first

    def chat_kind(self, chat_id: str) -> ChatKind:
        """Telegram gives groups negative ids, and a private chat the id of the person in it."""
        number = _int_or_none(chat_id)
        if number is not None and number == self.staff_chat_id:
            return "staff"
        return "group" if number is not None and number < 0 else "private"

    async def _connect(self, longest_wait: float = 60.0) -> None:
        """Reach Telegram (getMe). A wrong token stops the bot with one sentence; a network that is down
        for a while is waited out, so the rest of the bot keeps running meanwhile."""
        wait = self.connect_retry
        while True:
            try:
                await self.app.initialize()
                return
            except InvalidToken:
                raise ConfigError(
                    "Telegram refused TELEGRAM_BOT_TOKEN: copy the token again from @BotFather."
                ) from None
            except (NetworkError, RetryAfter) as exc:
                log.warning("cannot reach Telegram yet (%s); trying again in %.0f s", exc, wait)
                await asyncio.sleep(wait)
                wait = min(wait * 2, longest_wait)

    async def _publish_commands(self) -> None:
        """The command menus: a newcomer's by default, in each shipped language (Telegram picks the one of the
        person's app, the programme's language where none fits), and the career team's in the staff chat.
        Each person's own menu, once the bot knows their role, comes with their updates (`_refresh_menu`)."""
        programme = self.core.programme
        try:
            await self.app.bot.set_my_commands(
                _bot_commands(self.core.menu_everyone(programme.language)), scope=BotCommandScopeDefault()
            )
            for language in LANGUAGES:
                await self.app.bot.set_my_commands(
                    _bot_commands(self.core.menu_everyone(language)),
                    scope=BotCommandScopeDefault(),
                    language_code=language,
                )
            if self.staff_chat_id is not None:
                with use_language(programme.language):
                    staff = [
                        (spec.name, spec.description(programme) or spec.name)
                        for spec in self.core.registry.commands.values()
                        if spec.menu and (spec.roles == frozenset({"staff"}) or spec.name == "help")
                    ]
                await self.app.bot.set_my_commands(_bot_commands(staff), scope=BotCommandScopeChat(self.staff_chat_id))
        except TelegramError as exc:  # a menu is a convenience: run without it rather than not at all
            log.warning("could not publish the command menu: %s", exc)

    def _shown_by_default(self, key: MenuKey, actor: Actor) -> bool:
        """Whether Telegram already shows this menu in a chat that has none of its own: a newcomer's, in the
        language of their app when we publish one under exactly its code, else in the programme's."""
        if key.role is not None or key.is_staff:
            return False
        if actor.language in LANGUAGES:
            return key.language == actor.language
        return supported(actor.language) is None and key.language == self.core.programme.language

    async def _refresh_menu(self, actor: Actor) -> None:
        """A person's own menu in their private chat: a student's, a mentor's or the career team's commands,
        in their language, sent again only when one of those changed (a profile saved, /language)."""
        key = self.core.menu_key(actor)
        if key is None or actor.chat_id is None or self._menus.get(actor.chat_id) == key:
            return
        if actor.chat_id not in self._menus and self._shown_by_default(key, actor):
            return  # a newcomer's chat already shows it (`_publish_commands`): one call fewer per first message
        try:
            await self.app.bot.set_my_commands(
                _bot_commands(self.core.menu(key)), scope=BotCommandScopeChat(int(actor.chat_id))
            )
        except (TelegramError, ValueError) as exc:  # a convenience: the answer has gone already
            log.info("could not set the command menu of chat %s: %s", actor.chat_id, exc)
            return
        self._menus[actor.chat_id] = key

    # --- receiving: record first, confirm after -----------------------------------------------------

    async def _poll(self, longest_wait: float = 30.0) -> None:
        """Long polling. The offset that confirms a batch is sent only after the batch is recorded, so a
        crash between fetching and handling leaves every update either in Telegram's queue or in ours.
        Failures are waited out with growing pauses and logged when they start and when they end, never
        once per attempt."""
        offset: int | None = None
        wait = self.connect_retry
        trouble = Outage(log, "cannot receive Telegram updates")
        while True:
            try:
                batch = await self._get_updates(offset)
                if batch:
                    fresh = await self._record(batch)
            except asyncio.CancelledError:
                raise
            except RetryAfter as exc:
                await asyncio.sleep(retry_seconds(exc))
                continue
            except InvalidToken:
                log.error("Telegram no longer accepts TELEGRAM_BOT_TOKEN; no updates are received")
                raise
            except Exception as exc:  # Telegram unreachable, another poller (409), the database down
                trouble.failed(exc)
                await asyncio.sleep(wait)
                wait = min(wait * 2, longest_wait)
                continue
            trouble.recovered()
            wait = self.connect_retry
            ids = [raw["update_id"] for raw in batch if _is_update(raw)]
            if not ids:
                if batch:  # nothing in it we could ever confirm: do not ask again at once
                    log.warning("Telegram sent %d entries without an update id; ignored", len(batch))
                    await asyncio.sleep(wait)
                continue
            offset = max(ids) + 1
            for raw in batch:
                key = str(raw["update_id"]) if _is_update(raw) else None
                if key in fresh:
                    fresh.discard(key)  # the same update twice in one batch is handled once
                    await self._dispatch(raw)

    async def _get_updates(self, offset: int | None) -> list[Any]:
        return await self.bot.get_raw_updates(offset, self.poll_timeout, self.poll_timeout + self.request_timeout)

    async def _record(self, batch: list[Any]) -> set[str]:
        """Write the batch into the inbox (committed on return); the keys recorded now, not seen before."""
        items = [Recorded(str(raw["update_id"]), raw) for raw in batch if _is_update(raw)]
        return set(await self.core.inbox.record(PLATFORM, items))

    async def _dispatch(self, raw: dict[str, Any]) -> None:
        """Hand a recorded update to the application (which keeps each chat's updates in order); one the
        library cannot read is set aside, logged once by its id, and never tried again."""
        key = str(raw["update_id"])
        try:
            update = Update.de_json(raw, self.app.bot)
        except Exception as exc:
            log.error("telegram update %s cannot be read and is skipped: %s", key, first_line(exc))
            await self.core.inbox.set_aside(PLATFORM, key, "poison", repr(exc))
            return
        await self.app.update_queue.put(update)

    async def _dispatch_due(self, due: list[Due]) -> None:
        for row in due:
            await self._dispatch(row.payload)

    async def _serve_webhook(self) -> None:
        """Telegram posts each update to us; it gets its 200 only once the update is recorded (a 5xx makes
        it post the update again), and a wrong secret gets 403."""
        server = web.Application(client_max_size=4 * 1024 * 1024)
        path = "/" + urlsplit(self.webhook_url or "").path.lstrip("/")
        server.router.add_post(path, self._on_webhook)
        runner = web.AppRunner(server, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, self.listen, self.core.settings.telegram_webhook_port)
        await site.start()
        self._webhook = runner
        self.port = int(runner.addresses[0][1])
        await self.app.bot.set_webhook(
            url=self.webhook_url or "", secret_token=self.webhook_secret, allowed_updates=ALLOWED_UPDATES
        )
        log.info("Telegram: webhook listening on %s:%s%s", self.listen, self.port, path)

    async def _on_webhook(self, request: web.Request) -> web.Response:
        secret = request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
        if not hmac.compare_digest(secret.encode(), self.webhook_secret.encode()):
            return web.Response(status=403)
        try:
            raw = json.loads(await request.read())
        except ValueError:
            return web.Response(status=400, text="not JSON")
        if not _is_update(raw):
            return web.Response(status=400, text="not an update")
        try:
            fresh = await self._record([raw])
        except Exception as exc:
            log.warning("could not record telegram update %s: %s", raw["update_id"], first_line(exc))
            return web.Response(status=503)  # Telegram posts it again
        if fresh:
            await self._dispatch(raw)
        return web.Response(status=200)

    # --- updates in --------------------------------------------------------------------------------

    async def _on_update(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        key = str(update.update_id)
        if update.callback_query is not None:
            await self._on_button(update, key)
        elif update.message is not None:
            await self._on_message(update.message, key)
        else:  # an update kind we did not ask for: nothing to do
            await self.core.inbox.done(PLATFORM, key)

    async def _on_message(self, message: Message, key: str) -> None:
        chat, user, text = message.chat, message.from_user, message.text
        origin = self._origin(message)
        if message.sender_chat is not None:  # written as a chat: an anonymous admin, or a linked channel
            if message.sender_chat.id == chat.id and text is not None and self._meant_for_us(message, text):
                anonymous = _(
                    "You're writing as the group, so I can't tell who you are. Please turn off "
                    '"Remain anonymous" in your admin rights, or write to me as yourself.'
                )
                await self._say(origin, [Reply(anonymous)], key)
            else:
                await self.core.inbox.done(PLATFORM, key)
            return
        if user is None or user.is_bot or chat.type == ChatType.CHANNEL:
            await self.core.inbox.done(PLATFORM, key)
            return
        private = chat.type == ChatType.PRIVATE
        if text is None and private and message.document is not None:
            await self._on_document(message, key, origin)
            return
        if text is None:
            if private:  # a photo, a sticker, a voice note: say what works instead
                await self._say(origin, [Reply(_("I can only read text messages. /help lists what you can do."))], key)
            else:
                await self.core.inbox.done(PLATFORM, key)
            return
        if not private and not self._meant_for_us(message, text):
            await self.core.inbox.done(PLATFORM, key)  # group chatter that isn't a command to us
            return
        actor = self._actor(user, chat, private)
        event = Event.command_from_text(actor, text, update_key=key, recorded=True, origin=origin)
        await self.core.delivery.send_answers(await self.core.answer(event))
        await self._refresh_menu(event.actor)

    async def _on_document(self, message: Message, key: str, origin: Origin) -> None:
        """A file sent in a private chat: fetched from Telegram (getFile, then the download) unless it is over
        the size the core reads, and handed on with its caption."""
        document = message.document
        assert document is not None and message.from_user is not None
        name = document.file_name or "file"
        size = document.file_size or 0
        content = b""
        if size <= MAX_FILE_BYTES:
            found = await self.app.bot.get_file(document.file_id)
            if (found.file_size or 0) <= MAX_FILE_BYTES:
                content = bytes(await found.download_as_bytearray())
            size = max(size, found.file_size or 0, len(content))
        event = Event(
            actor=self._actor(message.from_user, message.chat, True),
            kind="file",
            text=message.caption or "",
            file=IncomingFile(name, content, size),
            update_key=key,
            recorded=True,
            origin=origin,
        )
        await self.core.delivery.send_answers(await self.core.answer(event))

    async def _on_button(self, update: Update, key: str) -> None:
        query = update.callback_query
        assert query is not None
        with contextlib.suppress(TelegramError):  # stop the spinner at once; an old query may refuse
            await query.answer()
        message = query.message
        if not query.data or message is None:
            await self.core.inbox.done(PLATFORM, key)
            return
        chat = message.chat
        origin = dataclasses.replace(self._origin(message), message_ref=f"{chat.id}:{message.message_id}")
        action, payload = Button.parse(query.data)
        event = Event(
            actor=self._actor(query.from_user, chat, chat.type == ChatType.PRIVATE),
            kind="action",
            action=action,
            payload=payload,
            update_key=key,
            recorded=True,
            message_ref=origin.message_ref,
            origin=origin,
        )
        await self.core.delivery.send_answers(await self.core.answer(event))
        await self._refresh_menu(event.actor)

    async def _say(self, origin: Origin, replies: list[Reply], key: str) -> None:
        await self.core.delivery.send_answers(await self.core.say(origin, replies, update_key=key))

    def _origin(self, message: Message | Any) -> Origin:
        chat = message.chat
        kind: ChatKind = "private" if chat.type == ChatType.PRIVATE else "group"
        if self.staff_chat_id is not None and chat.id == self.staff_chat_id:
            kind = "staff"
        # In a forum, a reply without the topic's id lands in General.
        topic = getattr(message, "message_thread_id", None) if getattr(message, "is_topic_message", False) else None
        username = self.app.bot.username  # known since getMe, before any update is handled
        return Origin(
            PLATFORM,
            str(chat.id),
            kind,
            thread=str(topic) if topic else None,
            private_link=f"https://t.me/{username}" if username else None,
        )

    def _meant_for_us(self, message: Message, text: str) -> bool:
        username = (self.app.bot.username or "").lower()
        if text.startswith("/"):
            head = text.split(maxsplit=1)[0]
            return "@" not in head or head.split("@", 1)[1].lower() == username
        replied = message.reply_to_message
        return replied is not None and replied.from_user is not None and replied.from_user.id == self.app.bot.id

    @staticmethod
    def _actor(user: TelegramUser, chat: Chat, private: bool) -> Actor:
        # Only a private chat is where we write to the person; a group press must not move their DMs.
        return Actor(
            platform=PLATFORM,
            external_id=str(user.id),
            chat_id=str(chat.id) if private else None,
            display_name=user.full_name,
            username=user.username,
            language=user.language_code,
        )

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        # A failure outside the core (the core answers its own): the update stays pending in the inbox
        # and is tried again once its lease runs out, a few times at most.
        log.error("telegram update %s failed", getattr(update, "update_id", "?"), exc_info=context.error)

    # --- Transport: answers and messages from the outbox ----------------------------------------------

    async def send_answer(self, origin: Origin, reply: Reply) -> None:
        chat_id = _int_or_none(origin.chat_id)
        if chat_id is None:
            raise Undeliverable(f"telegram chat {origin.chat_id!r} is not a chat id")
        private = self.chat_kind(origin.chat_id) == "private"
        pressed = _message_ref(origin.message_ref) if reply.edit else None
        try:
            await self._send(chat_id, reply, pressed=pressed, thread=_int_or_none(origin.thread))
        except RetryAfter as exc:
            raise RetryLater(retry_seconds(exc), str(exc)) from exc
        except Forbidden as exc:  # blocked the bot; in a group: the bot was removed
            raise (Unreachable(str(exc)) if private else Undeliverable(str(exc))) from exc
        except BadRequest as exc:  # (a NetworkError in PTB) this message can never be sent as it is
            if private and "chat not found" in exc.message.lower():
                raise Unreachable(str(exc)) from exc
            raise Undeliverable(str(exc)) from exc

    async def send_to_user(self, identity: Identity, reply: Reply) -> None:
        chat_id = _int_or_none(identity.chat_id) or _int_or_none(identity.external_id)
        if chat_id is None:
            raise Unreachable(f"telegram identity {identity.external_id!r} has no chat")
        try:
            await self._send(chat_id, reply, queued=True)
        except RetryAfter as exc:
            raise RetryLater(retry_seconds(exc), str(exc)) from exc
        except Forbidden as exc:  # blocked the bot, or deactivated their account
            raise Unreachable(str(exc)) from exc
        except BadRequest as exc:
            if "chat not found" in exc.message.lower():
                raise Unreachable(str(exc)) from exc
            raise

    async def send_to_staff(self, reply: Reply) -> bool:
        if self.staff_chat_id is None:
            return False
        try:
            await self._send(self.staff_chat_id, reply, queued=True)
        except ChatMigrated as moved:  # the group became a supergroup: follow it
            log.warning("staff chat moved to %s; update TELEGRAM_STAFF_CHAT_ID", moved.new_chat_id)
            self.staff_chat_id = moved.new_chat_id
            return await self.send_to_staff(reply)
        except RetryAfter as exc:
            raise RetryLater(retry_seconds(exc), str(exc)) from exc
        except Forbidden as exc:  # the bot was removed from the staff chat: staff get it one by one
            log.error("cannot post to the staff chat %s: %s", self.staff_chat_id, exc)
            return False
        return True

    # --- rendering ---------------------------------------------------------------------------------

    async def _send(
        self,
        chat_id: int,
        reply: Reply,
        *,
        pressed: tuple[int, int] | None = None,
        queued: bool = False,
        thread: int | None = None,
    ) -> None:
        """One Reply as Telegram messages: an edit of the pressed message when it asks for one and fits,
        otherwise its text in parts under the limit, then its file; the buttons go on the last one.
        `queued`: a notice from the outbox, which waits behind answers for its place. `thread`: the forum
        topic to stay in."""
        pace: dict[str, Any] = {"rate_limit_args": QUEUED} if queued else {}
        markup = keyboard(reply.buttons)
        chunks = split_html(to_telegram_html(reply.text))
        editable = len(chunks) == 1 and reply.attachment is None
        if pressed is not None and editable and await self._edit(pressed, chunks[0], markup, pace):
            return
        if thread is not None:
            pace["message_thread_id"] = thread
        parts: list[str | Attachment] = [*chunks, *([reply.attachment] if reply.attachment else [])]
        # A retry of a long message resumes after the parts already delivered instead of repeating them.
        key = (chat_id, _digest(reply))
        for index in range(self._partial.get(key, 0), len(parts)):
            part = parts[index]
            last_markup = markup if index == len(parts) - 1 else None  # buttons go under the last part
            if isinstance(part, Attachment):
                await self._send_file(chat_id, part, last_markup, pace)
            else:
                await self._send_text(chat_id, part, last_markup, pace)
            self._partial[key] = index + 1
        self._partial.pop(key, None)

    async def _send_text(
        self, chat_id: int, html: str, markup: InlineKeyboardMarkup | None, pace: dict[str, Any]
    ) -> None:
        bot = self.app.bot
        no_preview = LinkPreviewOptions(is_disabled=True)
        try:
            await bot.send_message(
                chat_id, html, parse_mode=ParseMode.HTML, reply_markup=markup, link_preview_options=no_preview, **pace
            )
        except BadRequest as exc:
            if not _bad_markup(exc):
                raise
            # Our markup should always parse; if it ever doesn't, the words still arrive, without styling.
            log.error("Telegram refused our HTML (%s); sending plain text", exc)
            await bot.send_message(
                chat_id, to_plain(html), reply_markup=markup, link_preview_options=no_preview, **pace
            )

    async def _send_file(
        self, chat_id: int, file: Attachment, markup: InlineKeyboardMarkup | None, pace: dict[str, Any]
    ) -> None:
        """A chart (a PNG) as a photo, shown in the chat as it is; anything else, or a picture Telegram
        won't take as a photo (too large, an odd shape), as a document to download."""
        bot = self.app.bot
        if file.mime == "image/png" and len(file.content) <= MAX_PHOTO_BYTES:
            try:
                await bot.send_photo(
                    chat_id, InputFile(file.content, filename=file.filename), reply_markup=markup, **pace
                )
                return
            except BadRequest as exc:
                log.info("Telegram would not take %s as a photo (%s); sending it as a document", file.filename, exc)
        await bot.send_document(chat_id, InputFile(file.content, filename=file.filename), reply_markup=markup, **pace)

    async def _edit(
        self, pressed: tuple[int, int], html: str, markup: InlineKeyboardMarkup | None, pace: dict[str, Any]
    ) -> bool:
        """Replace the pressed message; False when it can't be edited (too old, deleted) so we send anew."""
        chat_id, message_id = pressed
        bot = self.app.bot
        try:
            await bot.edit_message_text(
                html, chat_id=chat_id, message_id=message_id, parse_mode=ParseMode.HTML, reply_markup=markup, **pace
            )
        except BadRequest as exc:
            if _not_modified(exc):
                return True  # the same press twice: it already shows this
            if not _bad_markup(exc):
                log.info("could not edit message %s in chat %s: %s", message_id, chat_id, exc)
                return False
            log.error("Telegram refused our HTML (%s); editing with plain text", exc)
            with contextlib.suppress(BadRequest):
                await bot.edit_message_text(
                    to_plain(html), chat_id=chat_id, message_id=message_id, reply_markup=markup, **pace
                )
                return True
            return False
        return True


def _is_update(raw: object) -> bool:
    return isinstance(raw, dict) and type(raw.get("update_id")) is int


def _message_ref(ref: str | None) -> tuple[int, int] | None:
    chat, _sep, message = (ref or "").partition(":")
    chat_id, message_id = _int_or_none(chat), _int_or_none(message)
    return (chat_id, message_id) if chat_id is not None and message_id is not None else None


def _bot_commands(commands: list[tuple[str, str]]) -> list[BotCommand]:
    """Telegram's menu entries: names it accepts, descriptions within its length, a hundred at most."""
    return [
        BotCommand(name, shorten(description, 256)) for name, description in commands if _COMMAND_NAME.match(name)
    ][:100]


def _digest(reply: Reply) -> str:
    raw = repr((reply.text, [[b.data for b in row] for row in reply.buttons], reply.attachment is not None))
    return hashlib.sha256(raw.encode()).hexdigest()[:16]
