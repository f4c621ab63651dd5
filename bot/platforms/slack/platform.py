"""Slack: the whole bot on slack-bolt's AsyncApp. A thin adapter: Slack requests become core Events, the
core's Replies become Block Kit messages, modals and the Home tab.

Nothing Slack hands the bot is lost to a crash. Every slash command, button press, "Open the form" press,
DM and opening of the Home tab is written into the inbox (bot.core.intake) before Slack gets its
acknowledgement: Bolt runs with `process_before_response`, so the HTTP answer (or the Socket Mode ack)
leaves only once the listener has recorded the request, which is one short transaction and no Slack call.
The work runs after the ack in a task this class keeps track of: Core.answer handles the request and
writes the answers into the outbox in one transaction (marking the inbox row handled there too), and they
are sent from there at once, a live trigger_id opening a modal for a form. After a restart, what is still
pending in the inbox is handled the same way (without a trigger: a form becomes the "Open the form"
message), and a periodic pass takes up what a failing database left pending once its lease has run out.

When the database cannot record a request, Slack is not told it arrived: an event gets a 503 (Slack sends
it again), a slash command is acknowledged with a polite "try again", and a button press gets a direct
message saying so (Slack repeats neither).

A modal's submission is the exception: its answer (errors in place, the next page, or close) must travel
in the ack itself, so it is handled directly (deduplicated on the submission's own key). When the form is
finished, its follow-up messages are written into the outbox in the transaction that saved it
(Core.answer_submission, addressed to the person's DM), and sent after the ack. The one window left: a
person whose DM with the bot this process has not learnt yet (it needs conversations.open, and there is no
time for it before the ack) has the follow-ups written right after the ack instead, so a crash in between
loses them (what was submitted is saved; `/mentor start` shows where the person is).

The answer to a person always goes to their DM with the bot (conversations.open), never to the channel a
slash command was typed in: that may be a DM between two people, where the bot cannot post.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import html
import json
import logging
import re
from collections.abc import Coroutine
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from aiohttp import web
from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.config import ConfigError, Settings
from bot.core.app import Core
from bot.core.delivery import Unreachable
from bot.core.events import MAX_FILE_BYTES, Actor, Event, EventKind, IncomingFile, Origin
from bot.core.intake import Due, Recorded
from bot.core.replies import Button, FormView, Reply
from bot.i18n import _
from bot.platforms.base import ChatKind, register
from bot.platforms.slack import blocks, endpoint
from bot.platforms.slack.client import Sleep, error_code, make_client, translate
from bot.platforms.slack.commands import SLASH, command_in_dm, resolve
from bot.platforms.slack.intake import Incoming, Unreadable, person, read
from bot.platforms.slack.intake import key as _key
from storage.models import Identity, Outbox

log = logging.getLogger(__name__)

PLATFORM = "slack"
EVENTS_PATH = "/slack/events"
# Edits that can't be made (the message is gone or too old) become a new message instead.
EDIT_FAILURES = frozenset({"message_not_found", "cant_update_message", "edit_window_closed", "channel_not_found"})
# The staff channel is gone or the bot was removed from it: staff hear in their DMs instead.
STAFF_CHANNEL_GONE = frozenset({"channel_not_found", "not_in_channel", "is_archived"})

# What recording a request came to.
FRESH, SEEN, FAILED = "fresh", "seen", "failed"


def _sorry_busy() -> str:
    return _("Sorry, I can't take that right now. Please try again in a moment.")


def _only_text() -> str:
    return _("I can only read text messages. /help lists what you can do.")


def _files_not_read() -> str:
    return _("I can't open files, so I read only the words you sent with it.")


def _event(incoming: Incoming, actor: Actor, origin: Origin, kind: EventKind, **what: Any) -> Event:
    """The core's event for what Slack delivered: its key, and whether the inbox holds it under that key,
    always travel with it (every kind is handled once, by the inbox row when it is recorded)."""
    return Event(actor=actor, kind=kind, update_key=incoming.key, recorded=incoming.recorded, origin=origin, **what)


@register
class SlackPlatform:
    """The bot on Slack; also the outbox's Transport for Slack identities, the staff channel and answers."""

    platform = PLATFORM

    @classmethod
    def configured(cls, settings: Settings) -> bool:
        return settings.slack_enabled

    def __init__(
        self,
        core: Core,
        *,
        sleep: Sleep = asyncio.sleep,
        client: AsyncWebClient | None = None,
        replay_every: float = 15.0,
    ) -> None:
        settings = core.settings
        if settings.slack_bot_token is None or not settings.slack_enabled:
            raise ValueError("Slack needs SLACK_BOT_TOKEN, and SLACK_SIGNING_SECRET or SLACK_APP_TOKEN (Socket Mode)")
        self.core = core
        self.settings = settings
        self.replay_every = replay_every
        self.client = client or make_client(
            settings.slack_bot_token.get_secret_value(), settings.slack_api_url, sleep=sleep
        )
        self.app = AsyncApp(
            client=self.client,
            # Only HTTP requests are verified with it; Socket Mode's come over the app token's connection.
            signing_secret=settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else "",
            # The HTTP answer leaves when a listener returns: each records its request, acks, and hands
            # the work to a task, so Slack hears back only about what is written down.
            process_before_response=True,
            request_verification_enabled=True,
        )
        # Slack user id -> the bot's DM channel with them: only from conversations.open and from what the
        # person wrote in that DM, never from the channel a slash command came from.
        self._dm: dict[str, str] = {}
        self._names: dict[str, tuple[str, str | None]] = {}  # Slack user id -> (real name, handle)
        self._locales: dict[str, str] = {}  # Slack user id -> their Slack locale ("ru-RU"), where Slack says
        self._tasks: set[asyncio.Task[None]] = set()
        self._runner: web.AppRunner | None = None
        self._replaying: asyncio.Task[None] | None = None
        self._register()

    # --- running -----------------------------------------------------------------------------------

    async def run(self) -> None:
        """Socket Mode when an app token is set, else an HTTP server for Slack's requests."""
        if self.settings.slack_app_token is not None:
            from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

            handler = AsyncSocketModeHandler(self.app, self.settings.slack_app_token.get_secret_value())
            await self._begin_replay()
            try:
                await handler.start_async()
            finally:
                await handler.close_async()
                await self.stop()
            return
        await self.start_http(self.settings.slack_listen, self.settings.slack_port)
        log.info("Slack: listening on port %s at %s", self.settings.slack_port, EVENTS_PATH)
        try:
            await asyncio.Event().wait()
        finally:
            await self.stop()

    async def start_http(self, host: str, port: int) -> int:
        """Serve Slack's requests at /slack/events; returns the port (useful when 0 asked for any). What a
        previous run recorded and did not finish is taken up first."""
        await self._begin_replay()
        secret = self.settings.slack_signing_secret
        if secret is None:
            raise ConfigError("Slack's HTTP mode needs SLACK_SIGNING_SECRET (or set SLACK_APP_TOKEN for Socket Mode).")
        front = endpoint.handler(secret.get_secret_value(), self.app.async_dispatch)
        self._runner = web.AppRunner(endpoint.application(EVENTS_PATH, front), access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        return int(self._runner.addresses[0][1])

    async def stop(self) -> None:
        if self._replaying is not None:
            self._replaying.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._replaying
            self._replaying = None
        await self.settle()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    def chat_kind(self, chat_id: str) -> ChatKind:
        """Slack's direct-message channels start with D; the staff channel is SLACK_STAFF_CHANNEL."""
        if chat_id and chat_id == self.settings.slack_staff_channel:
            return "staff"
        return "private" if chat_id.startswith("D") else "group"

    async def settle(self) -> None:
        """Wait for the work still running after acks (tests, and a clean shutdown)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    def _after_ack(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(self._guarded(work))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    @staticmethod
    async def _guarded(work: Coroutine[Any, Any, None]) -> None:
        # Slack has its 200 already; a failure here is logged, never turned into a retry storm. What was
        # recorded stays pending in the inbox and is taken up again once its lease runs out.
        try:
            await work
        except Exception:
            log.exception("Slack: work after the acknowledgement failed")

    # --- the inbox: recorded before the ack, handled after it, taken up again after a crash ----------

    async def _begin_replay(self) -> None:
        """At start: everything still pending (a previous run died before handling it) is handled now, and
        from then on what a failing database left pending, once its lease has run out."""
        try:
            due = await self.core.inbox.claim_due(PLATFORM, everything=True)
        except Exception as exc:  # the database is down: the periodic pass takes them up later
            log.warning("Slack: could not look for unfinished requests: %r", exc)
            due = []
        if due:
            log.info("Slack: handling %d request(s) a previous run did not finish", len(due))
            self._after_ack(self._handle_due(due))
        if self._replaying is None:
            self._replaying = asyncio.create_task(
                self.core.inbox.take_up_forever(PLATFORM, self._handle_due, self.replay_every), name="slack-replay"
            )

    async def _handle_due(self, due: list[Due]) -> None:
        for row in due:
            try:
                incoming = read(row.payload)
            except Unreadable as exc:
                log.error("Slack: recorded request %s cannot be read and is set aside: %s", row.update_key, exc)
                await self.core.inbox.set_aside(PLATFORM, row.update_key, "poison", repr(exc))
                continue
            if incoming is None:
                await self.core.inbox.done(PLATFORM, row.update_key)
                continue
            # Its trigger_id expired long ago: a form it asks for is offered as a message instead.
            await self._guarded(self._handle(dataclasses.replace(incoming, key=row.update_key, trigger=None)))

    def _read(self, body: Any) -> Incoming | None:
        """The request a listener got, or None for one that is nothing for us or cannot be read (logged)."""
        try:
            return read(body)
        except Unreadable as exc:
            log.warning("Slack: a request of an unexpected shape was ignored: %s", exc)
            return None

    async def _record(self, incoming: Incoming, body: dict[str, Any]) -> str:
        """Write the request into the inbox before Slack is told we have it. A request without an id to
        deduplicate on (Slack always sends one) is handled unrecorded."""
        if incoming.key is None:
            return FRESH
        # Kept as Slack sent it, less the legacy verification token Slack still puts in some bodies.
        payload = {name: value for name, value in body.items() if name != "token"}
        try:
            fresh = await self.core.inbox.record(PLATFORM, [Recorded(incoming.key, payload)])
        except Exception as exc:
            log.warning("Slack: could not record %s %s: %r", incoming.kind, incoming.key, exc)
            return FAILED
        return FRESH if fresh else SEEN  # seen: a redelivery, handled (or being handled) already

    # --- listeners ---------------------------------------------------------------------------------

    def _register(self) -> None:
        app = self.app

        @app.command(SLASH)
        async def on_slash(ack: Any, body: dict[str, Any]) -> None:
            incoming = self._read(body)
            if incoming is None:
                await ack()
                return
            recorded = await self._record(incoming, body)
            if recorded == FAILED:
                await ack(_sorry_busy())
                return
            if self._dm.get(incoming.user) == incoming.channel:
                await ack()  # typed in our DM, where the answer follows
            else:  # a channel, or a DM between two people: a note only they see, the answer in our DM
                await ack(_("I'll answer you in our direct messages."))
            if recorded == FRESH:
                self._after_ack(self._handle(incoming))

        @app.action(re.compile(r"^mb\.\w+"))
        async def on_button(ack: Any, body: dict[str, Any]) -> None:
            await self._on_action(ack, body)

        @app.action(blocks.OPEN_FORM)
        async def on_open_form(ack: Any, body: dict[str, Any]) -> None:
            await self._on_action(ack, body)

        @app.view_submission(blocks.FORM_CALLBACK)
        async def on_submission(ack: Any, body: dict[str, Any]) -> None:
            try:
                await self._submission(ack, body)
            except Exception:
                # A 2xx all the same: Slack counts failures, and the person hears what happened.
                log.exception("Slack: a modal submission failed")
                if ack.response is None:
                    await ack(response_action="clear")
                    sorry = _("Sorry, something went wrong on our side. Please try again in a moment.")
                    self._after_ack(self._say_to(str(body["user"]["id"]), [Reply(sorry)]))

        @app.event("app_home_opened")
        async def on_home(body: dict[str, Any]) -> BoltResponse | None:
            return await self._on_event(body)

        @app.event("message")
        async def on_message(body: dict[str, Any]) -> BoltResponse | None:
            return await self._on_event(body)

        @app.error
        async def on_error(
            error: Exception, request: AsyncBoltRequest, response: BoltResponse | None
        ) -> BoltResponse | None:
            log.error("Slack: a listener failed: %r", error, exc_info=error)
            if response is None:
                return None
            # A 2xx all the same (Slack counts failures; the person hears what happened by message): the
            # acknowledgement already given if there was one, else an empty one.
            ack = request.context.ack
            given = ack.response if ack is not None else None
            if given is not None and given.status < 500:
                return given
            user = person(request.body)
            if user is not None:
                sorry = _("Sorry, something went wrong on our side. Please try again in a moment.")
                self._after_ack(self._post_to(user, Reply(sorry)))
            return BoltResponse(status=200, body="")

    async def _on_action(self, ack: Any, body: dict[str, Any]) -> None:
        incoming = self._read(body)
        if incoming is None:
            await ack()
            return
        recorded = await self._record(incoming, body)
        await ack()
        if recorded == FAILED:  # Slack does not send a press again: say so, straight to the DM
            self._after_ack(self._post_to(incoming.user, Reply(_sorry_busy())))
        elif recorded == FRESH:
            self._after_ack(self._handle(incoming))

    async def _on_event(self, body: dict[str, Any]) -> BoltResponse | None:
        incoming = self._read(body)  # an edit, a bot's post, a channel message: nothing to record
        if incoming is None:
            return None
        recorded = await self._record(incoming, body)
        if recorded == FAILED:
            return BoltResponse(status=503, body="")  # Slack sends the event again shortly
        if recorded == FRESH:
            self._after_ack(self._handle(incoming))
        return None  # Bolt acknowledges the event

    # --- from Slack to the core --------------------------------------------------------------------

    @property
    def _known(self) -> set[str]:
        return set(self.core.registry.commands)

    async def _handle(self, incoming: Incoming) -> None:
        """One recorded request, live or taken up again. It ends with its inbox row marked handled, or
        leaves it pending when the database or Slack failed for a moment (taken up again later)."""
        try:
            if incoming.kind == "slash":
                await self._slash(incoming)
            elif incoming.kind == "button":
                await self._button(incoming)
            elif incoming.kind == "open_form":
                await self._open_form(incoming)
            elif incoming.kind == "message":
                await self._direct_message(incoming)
            else:
                await self._home(incoming)
        except SlackApiError as error:
            # Slack refused what handling needs first (the DM, the person's name): a person who cannot be
            # reached is done with; anything else is tried again once the lease runs out.
            if isinstance(translate(error), Unreachable) and incoming.key is not None:
                log.info(
                    "Slack: %s cannot be reached (%s); request %s dropped",
                    incoming.user,
                    error_code(error),
                    incoming.key,
                )
                await self.core.inbox.done(PLATFORM, incoming.key)
                return
            log.warning("Slack: handling %s %s failed for now: %s", incoming.kind, incoming.key, error_code(error))

    async def _actor(self, user_id: str) -> Actor:
        name, handle = await self._name(user_id)
        return Actor(
            platform=PLATFORM,
            external_id=user_id,
            chat_id=self._dm.get(user_id),
            display_name=name,
            username=handle,
            language=self._locales.get(user_id),
        )

    async def _name(self, user_id: str, *, lookup: bool = True) -> tuple[str, str | None]:
        if user_id in self._names or not lookup:
            return self._names.get(user_id, ("", None))
        try:
            response = await self.client.users_info(user=user_id, include_locale=True)
            person = response.get("user") or {}
            if person.get("locale"):
                self._locales[user_id] = str(person["locale"])
            profile = person.get("profile") or {}
            found = (str(profile.get("real_name") or person.get("real_name") or ""), person.get("name"))
        except SlackApiError as error:
            log.warning("Slack: users.info for %s failed: %s", user_id, error_code(error))
            return "", None
        self._names[user_id] = found
        return found

    async def _in_dm(self, user: str) -> tuple[Actor, Origin]:
        """The person, and their DM with the bot as the place to answer them."""
        origin = Origin(PLATFORM, await self._dm_channel(user), "private")
        return await self._actor(user), origin

    async def _answer(self, event: Event, send: _LiveAnswer | None = None) -> list[Outbox]:
        answers = await self.core.answer(event)
        await self.core.delivery.send_answers(answers, send or _LiveAnswer(self))
        return answers

    async def _slash(self, incoming: Incoming) -> None:
        actor, origin = await self._in_dm(incoming.user)
        command, args = resolve(incoming.text, self._known)
        event = _event(incoming, actor, origin, "command", command=command, args=args)
        await self._answer(event, _LiveAnswer(self, trigger=incoming.trigger))

    async def _button(self, incoming: Incoming) -> None:
        actor, origin = await self._in_dm(incoming.user)
        if incoming.channel and not incoming.on_home:  # on a message: answers go where it is, edits replace it
            ref = f"{incoming.channel}:{incoming.message_ts}" if incoming.message_ts else None
            kind = self.chat_kind(incoming.channel)
            origin = Origin(PLATFORM, incoming.channel, kind, thread=incoming.thread, message_ref=ref)
        name, payload = Button.parse(incoming.value)
        event = _event(incoming, actor, origin, "action", action=name, payload=payload, message_ref=origin.message_ref)
        await self._answer(event, _LiveAnswer(self, trigger=incoming.trigger))
        if incoming.on_home:
            await self.publish_home(incoming.user)  # the Home tab shows the state after the press

    async def _open_form(self, incoming: Incoming) -> None:
        """The 'Open the form' button: a modal is certain, so it opens at once (the trigger lives 3 s) and
        is filled in once /start has found the form in progress."""
        view_id = None
        if incoming.trigger:
            try:
                opened = await self.client.views_open(
                    trigger_id=incoming.trigger, view=blocks.notice_modal(_("One moment…"))
                )
                view_id = str(opened["view"]["id"])
            except SlackApiError as error:  # the trigger expired: the form comes as a message instead
                log.warning("Slack: views.open for %s failed: %s", incoming.user, error_code(error))
        actor, origin = await self._in_dm(incoming.user)
        event = _event(incoming, actor, origin, "command", command="start")
        live = _LiveAnswer(self, view_id=view_id)
        answers = await self._answer(event, live)
        if view_id is not None and not live.filled:
            if answers:
                text = _("There's no form waiting for you any more. Your messages here show what's next.")
            else:  # the database failed: the press is taken up again shortly
                text = _("Sorry, something went wrong on our side. Please try again in a moment.")
            with contextlib.suppress(SlackApiError):
                await self.client.views_update(view_id=view_id, view=blocks.notice_modal(text))

    async def _direct_message(self, incoming: Incoming) -> None:
        user = incoming.user
        self._dm[user] = incoming.channel  # written in the person's DM with the bot (channel_type "im")
        actor = await self._actor(user)
        origin = Origin(PLATFORM, incoming.channel, "private", thread=incoming.thread)
        # Slack escapes &, < and > in message text; the core gets what the person typed.
        text = html.unescape(incoming.text)
        if incoming.file_url:  # a text file (a CSV): the core reads it, with the words sent along
            file = await self._download(incoming)
            event = _event(incoming, actor, origin, "file", text=text, file=file)
            await self.core.delivery.send_answers(await self.core.answer(event), _LiveAnswer(self))
            return
        if not text.strip():  # a file on its own, or nothing to read
            answers = await self.core.say(origin, [Reply(_only_text())], update_key=incoming.key)
            await self.core.delivery.send_answers(answers, _LiveAnswer(self))
            return
        named = command_in_dm(text, self._known)
        if named is not None:
            event = _event(incoming, actor, origin, "command", command=named[0], args=named[1])
        else:
            event = _event(incoming, actor, origin, "text", text=text)
        answers = await self.core.answer(event)
        if incoming.files and answers:  # the words are read; the file is not, and the person hears it once
            answers += await self.core.say(origin, [Reply(_files_not_read())])
        await self.core.delivery.send_answers(answers, _LiveAnswer(self))

    async def _download(self, incoming: Incoming) -> IncomingFile:
        """A shared file's bytes, fetched with the bot token, only from Slack's own hosts (or the API's host,
        for a proxy) and only up to the size the core reads."""
        if incoming.file_size > MAX_FILE_BYTES:
            return IncomingFile(incoming.file_name, b"", incoming.file_size)
        url = urlsplit(incoming.file_url)
        api = urlsplit(self.settings.slack_api_url)
        slack_host = url.scheme == "https" and (url.hostname or "").endswith(".slack.com")
        if not (slack_host or (url.scheme, url.netloc) == (api.scheme, api.netloc)):
            log.warning("Slack: a shared file from an unexpected host was not fetched")
            return IncomingFile(incoming.file_name, b"", 0)
        token = self.settings.slack_bot_token.get_secret_value() if self.settings.slack_bot_token else ""
        timeout = aiohttp.ClientTimeout(total=30)
        async with (
            aiohttp.ClientSession(timeout=timeout) as session,
            session.get(incoming.file_url, headers={"Authorization": f"Bearer {token}"}) as response,
        ):
            response.raise_for_status()
            content = await response.content.read(MAX_FILE_BYTES + 1)
        return IncomingFile(incoming.file_name, content, max(incoming.file_size, len(content)))

    async def _home(self, incoming: Incoming) -> None:
        try:
            await self.publish_home(incoming.user)
        except SlackApiError as error:  # the next opening publishes it again
            log.warning("Slack: views.publish for %s failed: %s", incoming.user, error_code(error))
        if incoming.key is not None:
            await self.core.inbox.done(PLATFORM, incoming.key)

    async def _submission(self, ack: Any, body: dict[str, Any]) -> None:
        """A modal page submitted: saved as a page; the next page, the errors, or the finished form."""
        view = body["view"]
        meta = json.loads(view.get("private_metadata") or "{}")
        page: list[str] = list(meta.get("page", []))
        done: list[str] = list(meta.get("done", []))
        user = str(body["user"]["id"])
        actor = await self._actor_without_lookup(user)
        # Each submission carries its own trigger_id (the view's hash stays the same after errors).
        key = _key("view", body.get("trigger_id"))
        values = blocks.submitted_values(view.get("state", {}).get("values", {}), page)
        saved = await self.core.handle(
            Event(
                actor=actor,
                kind="form_submit",
                form=meta.get("form", ""),
                values=values,
                form_page="page",
                update_key=key and key + ":page",
            )
        )
        errors = next((r.errors for r in saved if r.errors), None)
        if errors:
            await ack(response_action="errors", errors=blocks.field_errors(errors, page, {}))
            return
        form = next((r.form for r in saved if r.form is not None), None)
        if form is None:  # refused (the form closed meanwhile) or a repeated submission
            await ack(response_action="clear")
            self._after_ack(self._say_to(user, saved))
            return
        done = [*done, *page]
        following = blocks.next_page(form, done)
        if following:
            more = blocks.pages_left(form, [*done, *(f.name for f in following)]) > 0
            number = int(meta.get("n", 1)) + 1
            await ack(response_action="update", view=blocks.modal(form, following, done=done, number=number, more=more))
            return
        await self._finish(ack, user, actor, form, key, page)

    async def _finish(
        self, ack: Any, user: str, actor: Actor, form: FormView, key: str | None, page: list[str]
    ) -> None:
        last = key and key + ":last"
        event = Event(actor=actor, kind="form_submit", form=form.form, form_page="last", update_key=last)
        dm = self._dm.get(user)
        answers: list[Outbox] = []
        if dm:  # the answers are written with the form (no time for conversations.open before the ack)
            event.origin = Origin(PLATFORM, dm, "private")
            replies, answers = await self.core.answer_submission(event)
        else:
            replies = await self.core.handle(event)
        errors = next((r.errors for r in replies if r.errors), None)
        if errors:  # a rule across pages: shown on this page, naming the question it is about
            labels = {f.name: f.label for f in form.fields}
            await ack(response_action="errors", errors=blocks.field_errors(errors, page, labels))
            return
        await ack(response_action="clear")
        if answers:
            self._after_ack(self._send_queued(answers))
        else:
            self._after_ack(self._say_to(user, replies))

    async def _send_queued(self, answers: list[Outbox]) -> None:
        await self.core.delivery.send_answers(answers, _LiveAnswer(self))

    async def _actor_without_lookup(self, user_id: str) -> Actor:
        # Before an ack there is no time for users.info; the person opened this modal, so we know them.
        name, handle = await self._name(user_id, lookup=False)
        return Actor(PLATFORM, user_id, self._dm.get(user_id), name, handle, self._locales.get(user_id))

    async def _say_to(self, user: str, replies: list[Reply]) -> None:
        """What a submission answered, after its ack: through the outbox into the person's DM."""
        replies = [r for r in replies if r.text or r.buttons or r.attachment or r.form]
        if not replies:
            return
        origin = Origin(PLATFORM, await self._dm_channel(user), "private")
        answers = await self.core.say(origin, replies)
        if answers:
            await self.core.delivery.send_answers(answers, _LiveAnswer(self))
            return
        # The database failed just after the submission was saved: straight to the DM, best we can do.
        for reply in replies:
            try:
                await self.send_answer(origin, reply)
            except Exception as exc:
                log.error("Slack: the answer to %s's submission is lost: %r", user, exc)

    async def _post_to(self, user: str, reply: Reply) -> None:
        """Straight to the person's DM, not through the outbox: for when the database is what failed."""
        await self.send_answer(Origin(PLATFORM, await self._dm_channel(user), "private"), reply)

    # --- from the core to Slack --------------------------------------------------------------------

    async def _dm_channel(self, user: str) -> str:
        if user not in self._dm:
            response = await self.client.conversations_open(users=user)
            self._dm[user] = str(response["channel"]["id"])
        return self._dm[user]

    async def _post(self, channel: str, reply: Reply, *, thread: str | None = None) -> None:
        if reply.form is not None:
            # No modal can open here (there is no trigger): a button that opens it.
            prompt = blocks.open_form_message(reply.form)
            await self.client.chat_postMessage(
                channel=channel,
                thread_ts=thread,
                text=blocks.fallback_text(prompt),
                blocks=blocks.open_form_blocks(reply.form),
            )
            return
        if reply.attachment is not None:
            # Files go up through files.uploadV2 with the text as its comment; buttons follow in a message.
            await self.client.files_upload_v2(
                channel=channel,
                thread_ts=thread,
                content=reply.attachment.content,
                filename=reply.attachment.filename,
                initial_comment=blocks.mrkdwn_text(reply.text) or None,
            )
            if not reply.buttons:
                return
            reply = Reply(buttons=reply.buttons)
        await self.client.chat_postMessage(
            channel=channel, thread_ts=thread, text=blocks.fallback_text(reply), blocks=blocks.reply_blocks(reply)
        )

    async def _edit(self, message_ref: str, reply: Reply) -> bool:
        """Replace the pressed message; False when it can't be (gone, too old), so a new one is posted."""
        channel, _sep, ts = message_ref.partition(":")
        if not channel or not ts or reply.attachment is not None:
            return False
        try:
            await self.client.chat_update(
                channel=channel, ts=ts, text=blocks.fallback_text(reply), blocks=blocks.reply_blocks(reply)
            )
        except SlackApiError as error:
            if error_code(error) not in EDIT_FAILURES:
                raise
            log.info("Slack: could not edit %s (%s); posting anew", message_ref, error_code(error))
            return False
        return True

    async def publish_home(self, user_id: str) -> None:
        """The App Home tab: the cards the core answers a "home" event with, for this person as they are now
        (someone opening it first is identified there like at any first contact)."""
        cards = await self.core.handle(Event(actor=await self._actor(user_id), kind="home"))
        known = [self._only_known_buttons(card) for card in cards]
        await self.client.views_publish(user_id=user_id, view=blocks.home_view(known))

    def _only_known_buttons(self, card: Reply) -> Reply:
        """The Home tab offers only what the running bot can do."""
        rows = [[b for b in row if b.action in self.core.registry.actions] for row in card.buttons]
        return Reply(card.text, buttons=[row for row in rows if row])

    # --- Transport: answers and messages from the outbox -------------------------------------------

    async def send_answer(self, origin: Origin, reply: Reply) -> None:
        """An answer in the chat it belongs to (the person's DM, or the staff channel for its own buttons),
        in its thread; `edit` replaces the pressed message. Nothing is opened: a form comes as a message
        with a button that opens it."""
        try:
            if reply.edit and reply.form is None and origin.message_ref and await self._edit(origin.message_ref, reply):
                return
            await self._post(origin.chat_id, reply, thread=origin.thread)
        except SlackApiError as error:
            raise translate(error) from error

    async def send_to_user(self, identity: Identity, reply: Reply) -> None:
        try:
            await self._post(await self._dm_channel(identity.external_id), reply)
        except SlackApiError as error:
            raise translate(error) from error

    async def send_to_staff(self, reply: Reply) -> bool:
        channel = self.settings.slack_staff_channel
        if not channel:
            return False
        try:
            await self._post(channel, reply)
        except SlackApiError as error:
            if error_code(error) in STAFF_CHANNEL_GONE:  # staff get it one by one instead
                log.error("Slack: cannot post to the staff channel %s: %s", channel, error_code(error))
                return False
            raise translate(error) from error
        return True


class _LiveAnswer:
    """Sends the answers to a request that has just arrived: what only works for a moment is used here,
    the rest goes as the outbox would send it. A form opens as a modal through the request's trigger_id
    (or fills the modal the "Open the form" press opened); without one it comes as a message."""

    def __init__(self, platform: SlackPlatform, *, trigger: str | None = None, view_id: str | None = None) -> None:
        self.platform = platform
        self.trigger = trigger
        self.view_id = view_id
        self.filled = False  # the opened modal was given a form

    async def __call__(self, origin: Origin, reply: Reply) -> None:
        client = self.platform.client
        if reply.form is not None and self.view_id is not None:
            view_id, self.view_id = self.view_id, None
            self.filled = True
            try:
                await client.views_update(view_id=view_id, view=blocks.first_modal(reply.form))
            except SlackApiError as error:  # the outbox sends it later, as a message with a button
                raise translate(error) from error
            return
        if reply.form is not None and self.trigger:
            trigger, self.trigger = self.trigger, None  # a trigger works once
            try:
                await client.views_open(trigger_id=trigger, view=blocks.first_modal(reply.form))
                return
            except SlackApiError as error:  # the trigger expired (3 s): a button opens it instead
                log.warning("Slack: views.open failed: %s", error_code(error))
        await self.platform.send_answer(origin, reply)
