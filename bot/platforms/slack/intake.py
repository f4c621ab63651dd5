"""What a Slack request asks of the bot, read from its body: the same reading for a request that has just
arrived and for one recorded in the inbox before a restart, so both are handled by the same code.

Each request has a key the inbox and the core deduplicate on (Slack sends a retried event with the same
event_id; a slash command and a button press have no id of their own but a trigger_id or an action_ts).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from bot.platforms.slack.blocks import BUTTON_PREFIX, OPEN_FORM

Kind = Literal["slash", "button", "open_form", "message", "home"]

# Message subtypes that are a person writing: a plain message, one with files, a thread reply also sent to
# the channel. Edits, deletions, joins and bots' posts are not ours to answer.
_WRITTEN = frozenset({"", "file_share", "thread_broadcast"})


class Unreadable(ValueError):
    """A body that is not what Slack sends for this kind of request."""


@dataclass(frozen=True)
class Incoming:
    kind: Kind
    user: str  # the Slack user id of the person who acted
    key: str | None = None  # None: no id to deduplicate on (then it is neither recorded nor deduplicated)
    trigger: str | None = None  # lives 3 s: opens a modal for a live request, useless on a replay
    # slash: the channel it was typed in (never the bot's DM for certain); button: the channel of the
    # message it is on; message: the DM with the bot it was written in
    channel: str = ""
    text: str = ""
    value: str = ""  # a button's value (Button.data)
    message_ts: str | None = None  # button: the message it is on
    thread: str | None = None  # the thread the message (or the pressed message) is in
    on_home: bool = False  # a button on the Home tab
    files: bool = False  # a message that carries files
    # The first of them, when it is a text file (a CSV) the bot can read: its name, size and download URL.
    file_name: str = ""
    file_size: int = 0
    file_url: str = ""

    @property
    def recorded(self) -> bool:
        """Handled only once it is in the inbox (SlackPlatform._record, or taken up from it after a restart)."""
        return self.key is not None


def key(kind: str, ident: object) -> str | None:
    """The deduplication key for a Slack delivery; None (no deduplication) without an id, so two different
    requests can never be mistaken for one."""
    return f"{kind}:{ident}" if ident else None


def read(body: Any) -> Incoming | None:
    """The request a body carries, or None when it is nothing for the bot to answer (an edit, a bot's post,
    a message outside the bot's DMs, another tab). Raises Unreadable for a body of the wrong shape."""
    if not isinstance(body, dict):
        raise Unreadable("the body is not an object")
    if "command" in body:
        return _slash(body)
    kind = body.get("type")
    if kind == "block_actions":
        return _action(body)
    if kind == "event_callback":
        return _event(body)
    return None


def person(body: Any) -> str | None:
    """Who a request came from, read as leniently as possible (to tell them when it could not be handled);
    None for a bot's post or a body without a person in it."""
    if not isinstance(body, dict):
        return None
    found: Any = body.get("user_id")
    if found is None and isinstance(body.get("user"), dict):
        found = body["user"].get("id")
    event = body.get("event")
    if found is None and isinstance(event, dict) and event.get("channel_type") == "im" and not event.get("bot_id"):
        found = event.get("user")
    return found if isinstance(found, str) and found else None


def _slash(body: dict[str, Any]) -> Incoming:
    trigger = _optional(body, "trigger_id")
    return Incoming(
        "slash",
        _required(body, "user_id"),
        key=key("cmd", trigger),
        trigger=trigger,
        channel=_optional(body, "channel_id") or "",
        text=_optional(body, "text") or "",
    )


def _action(body: dict[str, Any]) -> Incoming | None:
    user = _required(_object(body, "user"), "id")
    actions = body.get("actions")
    if not isinstance(actions, list) or not actions or not isinstance(actions[0], dict):
        raise Unreadable("a button press without its action")
    action = actions[0]
    action_id = _optional(action, "action_id") or ""
    if action_id == OPEN_FORM:
        kind: Kind = "open_form"
    elif action_id.startswith(BUTTON_PREFIX):
        kind = "button"
    else:
        return None
    stamp = _optional(action, "action_ts")
    container = _object_or_empty(body, "container")
    channel, message_ts, thread = "", None, None
    if container.get("type") == "message":
        channel = _required(container, "channel_id")
        message_ts = _required(container, "message_ts")
        message = _object_or_empty(body, "message")
        thread = _optional(container, "thread_ts") or _optional(message, "thread_ts")
        if thread == message_ts:  # the pressed message starts a thread; it is not in one
            thread = None
    view = _object_or_empty(body, "view")
    return Incoming(
        kind,
        user,
        key=key("act", f"{user}:{stamp}" if stamp else None),
        trigger=_optional(body, "trigger_id"),
        channel=channel,
        value=_optional(action, "value") or "",
        message_ts=message_ts,
        thread=thread,
        on_home=view.get("type") == "home",
    )


def _event(body: dict[str, Any]) -> Incoming | None:
    event = _object(body, "event")
    kind = event.get("type")
    if kind == "app_home_opened":
        if event.get("tab", "home") != "home":
            return None
        return Incoming("home", _required(event, "user"), key=key("ev", _optional(body, "event_id")))
    if kind != "message":
        return None
    subtype = _optional(event, "subtype") or ""
    # Only what a person wrote in their DM with the bot ("im"): a DM between two people never reaches us.
    if event.get("channel_type") != "im" or subtype not in _WRITTEN or event.get("bot_id"):
        return None
    user = _optional(event, "user")
    if not user:
        return None
    ts = _optional(event, "ts")
    thread = _optional(event, "thread_ts")
    files = event.get("files")
    name, size, url = _text_file(files)
    return Incoming(
        "message",
        user,
        key=key("ev", _optional(body, "event_id") or _optional(event, "client_msg_id")),
        channel=_required(event, "channel"),
        text=_optional(event, "text") or "",
        thread=thread if thread and thread != ts else None,
        files=subtype == "file_share" or (isinstance(files, list) and bool(files)),
        file_name=name,
        file_size=size,
        file_url=url,
    )


_TEXT_FILES = (".csv", ".txt", ".tsv")


def _text_file(files: Any) -> tuple[str, int, str]:
    """The first shared file that is text (a CSV), as (name, size, download URL); empty when there is none."""
    if not isinstance(files, list):
        return "", 0, ""
    for file in files:
        if not isinstance(file, dict):
            continue
        name = file.get("name")
        url = file.get("url_private_download") or file.get("url_private")
        mime = str(file.get("mimetype") or "")
        if not isinstance(name, str) or not isinstance(url, str) or not url:
            continue
        if name.lower().endswith(_TEXT_FILES) or mime.startswith("text/"):
            size = file.get("size")
            return name, size if isinstance(size, int) and not isinstance(size, bool) else 0, url
    return "", 0, ""


def _object(body: dict[str, Any], name: str) -> dict[str, Any]:
    value = body.get(name)
    if not isinstance(value, dict):
        raise Unreadable(f"{name} is missing or not an object")
    return value


def _object_or_empty(body: dict[str, Any], name: str) -> dict[str, Any]:
    value = body.get(name)
    return value if isinstance(value, dict) else {}


def _required(body: dict[str, Any], name: str) -> str:
    value = _optional(body, name)
    if not value:
        raise Unreadable(f"{name} is missing")
    return value


def _optional(body: dict[str, Any], name: str) -> str | None:
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        raise Unreadable(f"{name} is not text")
    return str(value)
