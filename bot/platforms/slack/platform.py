"""Slack: the whole bot on slack-bolt's AsyncApp. A thin adapter: Slack requests become core Events, the
core's Replies become Block Kit messages, modals and the Home tab.

Every listener acknowledges Slack within its 3 seconds: the work runs after the ack in a task this class
keeps track of. The one exception is a modal's submission, whose answer (errors in place, the next page,
or close) must travel in the ack itself; it costs one or two short transactions and no Slack call.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import html
import json
import logging
import re
from collections.abc import Coroutine
from typing import Any

from aiohttp import web
from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import select

from bot.config import Settings
from bot.core.app import Core
from bot.core.context import queue_message
from bot.core.delivery import RetryLater
from bot.core.events import Actor, Event, Origin
from bot.core.replies import Button, FormView, Reply
from bot.i18n import _
from bot.platforms.base import ChatKind, register
from bot.platforms.slack import blocks, endpoint
from bot.platforms.slack.client import Sleep, error_code, make_client, translate
from bot.platforms.slack.commands import SLASH, command_in_dm, resolve
from storage.models import Identity

log = logging.getLogger(__name__)

PLATFORM = "slack"
EVENTS_PATH = "/slack/events"
# Edits that can't be made (the message is gone or too old) become a new message instead.
EDIT_FAILURES = frozenset({"message_not_found", "cant_update_message", "edit_window_closed", "channel_not_found"})


@register
class SlackPlatform:
    """The bot on Slack; also the outbox's Transport for Slack identities and the staff channel."""

    platform = PLATFORM

    @classmethod
    def configured(cls, settings: Settings) -> bool:
        return settings.slack_enabled

    def __init__(self, core: Core, *, sleep: Sleep = asyncio.sleep, client: AsyncWebClient | None = None) -> None:
        settings = core.settings
        if settings.slack_bot_token is None or settings.slack_signing_secret is None:
            raise ValueError("Slack needs SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET")
        self.core = core
        self.settings = settings
        self.client = client or make_client(
            settings.slack_bot_token.get_secret_value(), settings.slack_api_url, sleep=sleep
        )
        self.app = AsyncApp(
            client=self.client,
            signing_secret=settings.slack_signing_secret.get_secret_value(),
            # HTTP replies as soon as ack() is called; the rest of a listener runs afterwards.
            process_before_response=False,
            request_verification_enabled=True,
        )
        self._dm: dict[str, str] = {}  # Slack user id -> the bot's DM channel with them
        self._names: dict[str, tuple[str, str | None]] = {}  # Slack user id -> (real name, handle)
        self._tasks: set[asyncio.Task[None]] = set()
        self._runner: web.AppRunner | None = None
        self._register()

    # --- running -----------------------------------------------------------------------------------

    async def run(self) -> None:
        """Socket Mode when an app token is set, else an HTTP server for Slack's requests."""
        if self.settings.slack_app_token is not None:
            from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

            handler = AsyncSocketModeHandler(self.app, self.settings.slack_app_token.get_secret_value())
            try:
                await handler.start_async()
            finally:
                await handler.close_async()
            return
        await self.start_http("0.0.0.0", self.settings.slack_port)  # noqa: S104 - Slack must reach it
        log.info("Slack: listening on port %s at %s", self.settings.slack_port, EVENTS_PATH)
        try:
            await asyncio.Event().wait()
        finally:
            await self.stop()

    async def start_http(self, host: str, port: int) -> int:
        """Serve Slack's requests at /slack/events; returns the port (useful when 0 asked for any)."""
        secret = self.settings.slack_signing_secret
        assert secret is not None  # checked when the platform was made
        front = endpoint.handler(secret.get_secret_value(), self.app.async_dispatch)
        self._runner = web.AppRunner(endpoint.application(EVENTS_PATH, front), access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        return int(self._runner.addresses[0][1])

    async def stop(self) -> None:
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
        # Slack has its 200 already; a failure here is logged, never turned into a retry storm.
        try:
            await work
        except Exception:
            log.exception("Slack: work after the acknowledgement failed")

    # --- listeners ---------------------------------------------------------------------------------

    def _register(self) -> None:
        app = self.app

        @app.command(SLASH)
        async def on_slash(ack: Any, body: dict[str, Any]) -> None:
            if self.chat_kind(str(body.get("channel_id", ""))) == "private":
                await ack()
            else:  # typed in a channel: a note only they see, the answer in their DM
                await ack(_("I'll answer you in our direct messages."))
            self._after_ack(self._slash(body))

        @app.action(re.compile(r"^mb\.\w+"))
        async def on_button(ack: Any, body: dict[str, Any], action: dict[str, Any]) -> None:
            await ack()
            self._after_ack(self._button(body, action))

        @app.action(blocks.OPEN_FORM)
        async def on_open_form(ack: Any, body: dict[str, Any]) -> None:
            await ack()
            self._after_ack(self._open_form(body))

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
                    self._after_ack(self._deliver(str(body["user"]["id"]), [Reply(sorry)]))

        @app.event("app_home_opened")
        async def on_home(event: dict[str, Any]) -> None:
            if event.get("tab", "home") == "home":
                self._after_ack(self.publish_home(str(event["user"])))

        @app.event("message")
        async def on_message(event: dict[str, Any], body: dict[str, Any]) -> None:
            # Only what a person typed in their DM with the bot; edits, joins and bots' posts are not ours.
            if event.get("channel_type") != "im" or event.get("subtype") or event.get("bot_id"):
                return
            self._after_ack(self._direct_message(event, body))

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
            return BoltResponse(status=200, body="")

    # --- from Slack to the core --------------------------------------------------------------------

    @property
    def _known(self) -> set[str]:
        return set(self.core.registry.commands)

    async def _actor(self, user_id: str, channel: str | None = None) -> Actor:
        name, handle = await self._name(user_id)
        if channel and channel.startswith("D"):
            self._dm[user_id] = channel
        return Actor(
            platform=PLATFORM,
            external_id=user_id,
            chat_id=self._dm.get(user_id),
            display_name=name,
            username=handle,
        )

    async def _name(self, user_id: str, *, lookup: bool = True) -> tuple[str, str | None]:
        if user_id in self._names or not lookup:
            return self._names.get(user_id, ("", None))
        try:
            response = await self.client.users_info(user=user_id)
            person = response.get("user") or {}
            profile = person.get("profile") or {}
            found = (str(profile.get("real_name") or person.get("real_name") or ""), person.get("name"))
        except SlackApiError as error:
            log.warning("Slack: users.info for %s failed: %s", user_id, error_code(error))
            return "", None
        self._names[user_id] = found
        return found

    async def _slash(self, body: dict[str, Any]) -> None:
        user = str(body["user_id"])
        command, args = resolve(str(body.get("text", "")), self._known)
        event = Event(
            actor=await self._actor(user, str(body.get("channel_id", ""))),
            kind="command",
            command=command,
            args=args,
            update_key=_key("cmd", body.get("trigger_id")),
        )
        await self._deliver(user, await self.core.handle(event), trigger=body.get("trigger_id"))

    async def _button(self, body: dict[str, Any], action: dict[str, Any]) -> None:
        user = str(body["user"]["id"])
        name, payload = Button.parse(str(action.get("value", "")))
        container = body.get("container") or {}
        message = None
        if container.get("type") == "message":
            message = (str(container["channel_id"]), str(container["message_ts"]))
        event = Event(
            actor=await self._actor(user, (body.get("channel") or {}).get("id")),
            kind="action",
            action=name,
            payload=payload,
            update_key=self._action_key(body),
            message_ref=f"{message[0]}:{message[1]}" if message else None,
        )
        await self._deliver(user, await self.core.handle(event), trigger=body.get("trigger_id"), message=message)
        if (body.get("view") or {}).get("type") == "home":
            await self.publish_home(user)  # the Home tab shows the state after the press

    async def _open_form(self, body: dict[str, Any]) -> None:
        """The 'Open the form' button: a modal is certain, so it opens at once (the trigger lives 3 s) and
        is filled in once /start has found the form in progress."""
        user = str(body["user"]["id"])
        opened = await self.client.views_open(
            trigger_id=str(body.get("trigger_id", "")), view=blocks.notice_modal(_("One moment…"))
        )
        view_id = str(opened["view"]["id"])
        event = Event(actor=await self._actor(user), kind="command", command="start", update_key=self._action_key(body))
        replies = await self.core.handle(event)
        form = next((r.form for r in replies if r.form is not None), None)
        if form is not None:
            await self.client.views_update(view_id=view_id, view=blocks.first_modal(form))
            return
        closed = _("There's no form waiting for you any more. Your messages here show what's next.")
        await self.client.views_update(view_id=view_id, view=blocks.notice_modal(closed))
        await self._deliver(user, replies)

    @staticmethod
    def _action_key(body: dict[str, Any]) -> str | None:
        action = (body.get("actions") or [{}])[0]
        stamp = action.get("action_ts")
        return _key("act", f"{body['user']['id']}:{stamp}" if stamp else None)

    async def _direct_message(self, event: dict[str, Any], body: dict[str, Any]) -> None:
        user = str(event["user"])
        # Slack escapes &, < and > in message text; the core gets what the person typed.
        text = html.unescape(str(event.get("text", "")))
        actor = await self._actor(user, str(event.get("channel", "")))
        key = _key("ev", body.get("event_id") or event.get("client_msg_id"))
        named = command_in_dm(text, self._known)
        if named is not None:
            core_event = Event(actor=actor, kind="command", command=named[0], args=named[1], update_key=key)
        else:
            core_event = Event(actor=actor, kind="text", text=text, update_key=key)
        await self._deliver(user, await self.core.handle(core_event))

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
            self._after_ack(self._deliver(user, saved))
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
        replies = await self.core.handle(
            Event(actor=actor, kind="form_submit", form=form.form, form_page="last", update_key=key and key + ":last")
        )
        errors = next((r.errors for r in replies if r.errors), None)
        if errors:  # a rule across pages: shown on this page, naming the question it is about
            labels = {f.name: f.label for f in form.fields}
            await ack(response_action="errors", errors=blocks.field_errors(errors, page, labels))
            return
        await ack(response_action="clear")
        self._after_ack(self._deliver(user, replies))

    async def _actor_without_lookup(self, user_id: str) -> Actor:
        # Before an ack there is no time for users.info; the person opened this modal, so we know them.
        name, handle = await self._name(user_id, lookup=False)
        return Actor(PLATFORM, user_id, self._dm.get(user_id), name, handle)

    # --- from the core to Slack --------------------------------------------------------------------

    async def _deliver(
        self,
        user: str,
        replies: list[Reply],
        *,
        trigger: str | None = None,
        message: tuple[str, str] | None = None,
    ) -> None:
        for reply in replies:
            try:
                if reply.form is not None:
                    await self._show_form(user, reply.form, trigger)
                    trigger = None  # a trigger works once
                elif reply.edit and message is not None:
                    await self._edit(user, message, reply)
                else:
                    await self._post(await self._dm_channel(user), reply)
            except SlackApiError as error:
                log.warning("Slack: answering %s failed: %s", user, error_code(error))
                wait = translate(error)
                if isinstance(wait, RetryLater) and reply.attachment is None and reply.form is None:
                    await self._answer_later(user, reply, wait.seconds)

    async def _answer_later(self, slack_user: str, reply: Reply, seconds: float) -> None:
        """Slack asked us to slow down for longer than a request may wait: the answer goes through the
        outbox, which sends it once Slack is ready, so it is not lost."""
        now = self.core.clock.now()
        async with self.core.sessions() as session, session.begin():
            user_id = await session.scalar(
                select(Identity.user_id).where(Identity.platform == PLATFORM, Identity.external_id == slack_user)
            )
            if user_id is not None:
                later = Reply(reply.text, buttons=reply.buttons)
                queue_message(session, now, later, user_id=user_id, not_before=now + dt.timedelta(seconds=seconds))

    async def _show_form(self, user: str, form: FormView, trigger: str | None) -> None:
        if trigger:
            try:
                await self.client.views_open(trigger_id=trigger, view=blocks.first_modal(form))
                return
            except SlackApiError as error:  # the trigger expired (3 s): a button opens it instead
                log.warning("Slack: views.open for %s failed: %s", user, error_code(error))
        channel = await self._dm_channel(user)
        prompt = blocks.open_form_message(form)
        await self.client.chat_postMessage(
            channel=channel, text=blocks.fallback_text(prompt), blocks=blocks.open_form_blocks(form)
        )

    async def _edit(self, user: str, message: tuple[str, str], reply: Reply) -> None:
        try:
            await self.client.chat_update(
                channel=message[0],
                ts=message[1],
                text=blocks.fallback_text(reply),
                blocks=blocks.reply_blocks(reply),
            )
        except SlackApiError as error:
            if error_code(error) not in EDIT_FAILURES:
                raise
            await self._post(await self._dm_channel(user), reply)

    async def _post(self, channel: str, reply: Reply) -> None:
        if reply.attachment is not None:
            # Files go up through files.uploadV2 with the text as its comment; buttons follow in a message.
            await self.client.files_upload_v2(
                channel=channel,
                content=reply.attachment.content,
                filename=reply.attachment.filename,
                initial_comment=blocks.mrkdwn_text(reply.text) or None,
            )
            if not reply.buttons:
                return
            reply = Reply(buttons=reply.buttons)
        await self.client.chat_postMessage(
            channel=channel, text=blocks.fallback_text(reply), blocks=blocks.reply_blocks(reply)
        )

    async def _dm_channel(self, user: str) -> str:
        if user not in self._dm:
            response = await self.client.conversations_open(users=user)
            self._dm[user] = str(response["channel"]["id"])
        return self._dm[user]

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

    # --- Transport: messages from the outbox -------------------------------------------------------

    async def send_to_user(self, identity: Identity, reply: Reply) -> None:
        try:
            await self._post(await self._dm_channel(identity.external_id), reply)
        except SlackApiError as error:
            raise translate(error) from error

    async def send_answer(self, origin: Origin, reply: Reply) -> None:
        try:
            await self._post(origin.chat_id, reply)
        except SlackApiError as error:
            raise translate(error) from error

    async def send_to_staff(self, reply: Reply) -> bool:
        channel = self.settings.slack_staff_channel
        if not channel:
            return False
        try:
            await self._post(channel, reply)
        except SlackApiError as error:
            raise translate(error) from error
        return True


def _key(kind: str, ident: object) -> str | None:
    """The core's deduplication key for a Slack delivery; None (no deduplication) without an id, so two
    different requests can never be mistaken for one."""
    return f"{kind}:{ident}" if ident else None
