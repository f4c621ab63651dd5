"""Drives the real Bolt app the way Slack does: correctly signed HTTP requests (slash commands, button
presses, modal submissions, events), and reads what the bot did from the fake Web API."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import aiohttp

from bot.core.app import Core
from bot.platforms.slack import SlackPlatform
from tests.slack.fake_api import FakeSlackApi

SECRET = "test-signing-secret"
_counter = itertools.count(1)


def sign(body: str, timestamp: int, secret: str = SECRET) -> str:
    base = f"v0:{timestamp}:{body}".encode()
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


@dataclass
class Response:
    status: int
    text: str

    def json(self) -> dict[str, Any]:
        return json.loads(self.text) if self.text else {}


def block_text(blocks: list[dict[str, Any]]) -> str:
    parts = []
    for block in blocks:
        text = block.get("text")
        if isinstance(text, dict):
            parts.append(text.get("text", ""))
        for element in block.get("elements", []) if block.get("type") == "context" else []:
            parts.append(element.get("text", ""))
    return "\n".join(parts)


def buttons(blocks: list[dict[str, Any]]) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """(block, element) for every button in the blocks."""
    return [
        (block, element)
        for block in blocks
        if block.get("type") == "actions"
        for element in block.get("elements", [])
        if element.get("type") == "button"
    ]


@dataclass
class Workspace:
    platform: SlackPlatform
    fake: FakeSlackApi
    url: str
    core: Core
    http: aiohttp.ClientSession

    def user(self, user_id: str, name: str) -> SlackUser:
        self.fake.users[user_id] = name
        return SlackUser(self, user_id, name)

    async def post(
        self,
        body: str,
        content_type: str,
        *,
        timestamp: int | None = None,
        secret: str = SECRET,
        headers: dict[str, str] | None = None,
    ) -> Response:
        stamp = int(time.time()) if timestamp is None else timestamp
        all_headers = {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": str(stamp),
            "X-Slack-Signature": sign(body, stamp, secret),
            **(headers or {}),
        }
        async with self.http.post(self.url, data=body.encode(), headers=all_headers) as response:
            result = Response(response.status, await response.text())
        await self.settle()
        return result

    async def post_form(self, fields: dict[str, str], **options: Any) -> Response:
        return await self.post(urlencode(fields), "application/x-www-form-urlencoded", **options)

    async def post_payload(self, payload: dict[str, Any], **options: Any) -> Response:
        return await self.post_form({"payload": json.dumps(payload)}, **options)

    async def post_event(self, event: dict[str, Any], *, event_id: str | None = None, **options: Any) -> Response:
        body = {
            "token": "legacy",
            "team_id": "T1",
            "api_app_id": "A1",
            "type": "event_callback",
            "event_id": event_id or f"Ev{next(_counter):08d}",
            "event_time": int(time.time()),
            "event": event,
        }
        return await self.post(json.dumps(body), "application/json", **options)

    async def settle(self) -> None:
        """Let the work after the acks finish and the outbox deliver, as the running bot would."""
        await self.platform.settle()
        # A failed delivery can queue a message of its own (staff told someone is unreachable): a few passes.
        for _ in range(3):
            await self.core.delivery.flush()
            await self.platform.settle()

    def staff_text(self, channel: str = "CSTAFF") -> str:
        return "\n".join(block_text(m["blocks"]) or m["text"] for m in self.fake.messages.get(channel, []))


@dataclass
class SlackUser:
    ws: Workspace
    id: str
    name: str
    modal_id: str | None = None  # the modal open on this person's screen
    modal_errors: dict[str, str] = field(default_factory=dict)
    _triggers: list[str] = field(default_factory=list)

    @property
    def channel(self) -> str:
        return "D" + self.id

    @property
    def messages(self) -> list[dict[str, Any]]:
        return self.ws.fake.messages.get(self.channel, [])

    def text(self, last: int | None = None) -> str:
        shown = self.messages if last is None else self.messages[-last:]
        return "\n".join(block_text(m["blocks"]) or m["text"] for m in shown)

    @property
    def home(self) -> dict[str, Any]:
        return self.ws.fake.home.get(self.id, {})

    def home_text(self) -> str:
        return block_text(self.home.get("blocks", []))

    def _trigger(self) -> str:
        trigger = f"{next(_counter)}.{self.id}.trigger"
        self._triggers.append(trigger)
        return trigger

    @property
    def modal(self) -> dict[str, Any] | None:
        return self.ws.fake.views.get(self.modal_id) if self.modal_id else None

    def close_modal(self) -> None:
        self.modal_id = None

    def _pick_up_modal(self) -> None:
        for trigger in list(self._triggers):
            if trigger in self.ws.fake.opened:
                self.modal_id = self.ws.fake.opened[trigger]
                self._triggers.remove(trigger)

    # --- what a person does ------------------------------------------------------------------------

    async def slash(self, text: str, *, channel: str | None = None) -> Response:
        response = await self.ws.post_form(
            {
                "token": "legacy",
                "team_id": "T1",
                "team_domain": "uni",
                "channel_id": channel or self.channel,
                "channel_name": "directmessage",
                "user_id": self.id,
                "user_name": self.name.split()[0].lower(),
                "command": "/mentor",
                "text": text,
                "api_app_id": "A1",
                "response_url": "https://hooks.invalid/commands/1",
                "trigger_id": self._trigger(),
            }
        )
        self._pick_up_modal()
        return response

    async def dm(
        self,
        text: str,
        *,
        event_id: str | None = None,
        retry: int = 0,
        thread: str | None = None,
        files: list[dict[str, Any]] | None = None,
    ) -> Response:
        """Write to the bot in the DM with it: in a thread when `thread` (a message's ts), with files."""
        headers = {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"} if retry else None
        self.ws.fake.open_dm(self.id)  # writing there, the person is in their DM with the bot
        event: dict[str, Any] = {
            "type": "message",
            "channel": self.channel,
            "channel_type": "im",
            "user": self.id,
            "text": text,
            "ts": f"{time.time():.6f}",
            "client_msg_id": f"m{next(_counter)}",
        }
        if thread is not None:
            event["thread_ts"] = thread
        if files is not None:
            event.update(subtype="file_share", files=files)
        return await self.ws.post_event(event, event_id=event_id, headers=headers)

    async def open_home(self) -> Response:
        return await self.ws.post_event(
            {"type": "app_home_opened", "user": self.id, "channel": self.channel, "tab": "home"}
        )

    def find_button(
        self, label: str, *, home: bool = False, channel: str | None = None
    ) -> tuple[dict[str, Any] | None, dict[str, Any]]:
        """The newest button whose label contains `label`, with the message it is on (None on the Home tab)."""
        if home:
            for _block, element in buttons(self.home.get("blocks", [])):
                if label.lower() in element["text"]["text"].lower():
                    return None, element
        else:
            for message in reversed(self.ws.fake.messages.get(channel or self.channel, [])):
                for _block, element in buttons(message["blocks"]):
                    if label.lower() in element["text"]["text"].lower():
                        return message, element
        seen = [e["text"]["text"] for m in self.messages for _b, e in buttons(m["blocks"])]
        raise AssertionError(f"no button {label!r} among {seen}")

    async def press(self, label: str, *, home: bool = False, channel: str | None = None) -> Response:
        """Press a button in the DM with the bot (or in `channel`, or on the Home tab)."""
        message, element = self.find_button(label, home=home, channel=channel)
        return await self.press_element(element, message, channel or self.channel)

    async def press_element(
        self, element: dict[str, Any], message: dict[str, Any] | None, channel: str | None = None
    ) -> Response:
        channel = channel or self.channel
        payload: dict[str, Any] = {
            "type": "block_actions",
            "user": {"id": self.id, "username": self.name.split()[0].lower(), "team_id": "T1"},
            "api_app_id": "A1",
            "token": "legacy",
            "team": {"id": "T1", "domain": "uni"},
            "trigger_id": self._trigger(),
            "actions": [
                {
                    "type": "button",
                    "action_id": element["action_id"],
                    "block_id": "b",
                    "value": element.get("value", ""),
                    "text": element["text"],
                    "action_ts": f"{time.time():.6f}{next(_counter)}",
                }
            ],
        }
        if message is not None:
            payload["container"] = {
                "type": "message",
                "message_ts": message["ts"],
                "channel_id": channel,
                "is_ephemeral": False,
            }
            payload["channel"] = {"id": channel, "name": "directmessage" if channel.startswith("D") else "staff"}
            payload["message"] = {"ts": message["ts"], "text": message["text"], "blocks": message["blocks"]}
            if message.get("thread_ts"):  # a message in a thread
                payload["container"]["thread_ts"] = message["thread_ts"]
                payload["message"]["thread_ts"] = message["thread_ts"]
        else:
            payload["container"] = {"type": "view", "view_id": "VHOME"}
            payload["view"] = {"id": "VHOME", "type": "home", **self.home}
        response = await self.ws.post_payload(payload)
        self._pick_up_modal()
        return response

    def modal_fields(self) -> list[str]:
        return [b["block_id"] for b in (self.modal or {}).get("blocks", []) if b.get("type") == "input"]

    async def submit(self, answers: dict[str, Any]) -> Response:
        """Fill the open modal's inputs (values, or option labels) and press its submit button."""
        assert self.modal is not None, "no modal is open"
        values = {}
        for block in self.modal["blocks"]:
            if block.get("type") == "input":
                values[block["block_id"]] = {"v": _state(block["element"], answers.get(block["block_id"]))}
        view = {**self.modal, "state": {"values": values}}
        payload = {
            "type": "view_submission",
            "team": {"id": "T1", "domain": "uni"},
            "user": {"id": self.id, "username": self.name.split()[0].lower(), "team_id": "T1"},
            "api_app_id": "A1",
            "token": "legacy",
            "trigger_id": self._trigger(),
            "view": view,
        }
        response = await self.ws.post_payload(payload)
        answer = response.json()
        action = answer.get("response_action")
        self.modal_errors = answer.get("errors", {}) if action == "errors" else {}
        if action == "update":  # Slack shows the new view in place of this one
            self.ws.fake.views[self.modal["id"]] = {**answer["view"], "id": self.modal["id"], "hash": "updated"}
        elif action in ("clear", None) and response.status == 200:
            self.modal_id = None
        return response


def _option_for(element: dict[str, Any], wanted: Any) -> dict[str, Any] | None:
    for option in element.get("options", []):
        if str(wanted).lower() in (option["value"].lower(), option["text"]["text"].lower()):
            return option
    return None


def _state(element: dict[str, Any], answer: Any) -> dict[str, Any]:
    kind = element["type"]
    if kind in ("checkboxes", "multi_static_select"):
        chosen = [_option_for(element, a) for a in (answer or [])]
        return {"type": kind, "selected_options": [o for o in chosen if o is not None]}
    if kind in ("radio_buttons", "static_select"):
        return {"type": kind, "selected_option": _option_for(element, answer) if answer is not None else None}
    if kind == "datepicker":
        return {"type": kind, "selected_date": answer}
    return {"type": kind, "value": None if answer is None else str(answer)}
