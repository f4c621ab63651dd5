"""What reaches the core from any platform: who, where, and what they did."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

# "home": the person opened their overview (Slack's App Home tab). It carries no update_key: it changes
# nothing a redelivery could repeat, and every opening must show the overview as it is then.
# "file": the person sent a file (its name and bytes in `file`, any words sent with it in `text`).
EventKind = Literal["command", "text", "action", "form_submit", "home", "file"]

# What a chat is to the bot: a person's own chat with it, a group others read too, or the staff chat.
ChatKind = Literal["private", "group", "staff"]


# The largest file the bot reads from a chat; a bigger one arrives without its content (`IncomingFile.too_big`).
MAX_FILE_BYTES = 1024 * 1024


@dataclass(frozen=True)
class IncomingFile:
    """A file someone sent: its name as they named it, and its bytes (empty when it was over the limit)."""

    name: str
    content: bytes = b""
    size: int = 0  # as the platform reported it

    @property
    def too_big(self) -> bool:
        return self.size > MAX_FILE_BYTES or len(self.content) > MAX_FILE_BYTES


@dataclass(frozen=True)
class Actor:
    """The person as the platform knows them."""

    platform: str  # telegram | slack | console
    external_id: str
    chat_id: str | None = None
    display_name: str = ""
    username: str | None = None
    language: str | None = None  # the language the platform says they use (Telegram's language_code, Slack's locale)


@dataclass(frozen=True)
class Origin:
    """The chat an update came from: where the answer to the person who acted goes."""

    platform: str
    chat_id: str
    kind: ChatKind = "private"
    thread: str | None = None  # a Telegram forum topic, a Slack thread: answers stay in it
    message_ref: str | None = None  # the message a pressed button was on (a reply marked `edit` replaces it)
    # Where a person in a group can start a private chat with the bot (a Telegram deep link), when the
    # platform cannot open one itself.
    private_link: str | None = None


@dataclass
class Event:
    actor: Actor
    kind: EventKind
    command: str = ""  # without the slash, lower case
    args: str = ""
    text: str = ""
    action: str = ""
    payload: str = ""
    values: dict[str, Any] = field(default_factory=dict)  # form_submit: field name -> raw value
    form: str = ""  # form_submit: which form
    update_key: str | None = None  # the platform's update/event id: a redelivery is handled once
    # The update was written into the inbox under update_key before the platform was told we have it
    # (bot.core.intake): its row there says whether it has been handled, so nothing else needs to.
    recorded: bool = False
    message_ref: str | None = None  # the message a button was pressed on (for edits)
    # form_submit from a form shown in pages (long Slack modals): "page" validates and saves the given
    # fields without finishing; "last" finishes, fields left out keeping the answers their page saved.
    form_page: Literal["", "page", "last"] = ""
    # Where it came from; with it, Core.answer writes the answers into the outbox addressed there.
    origin: Origin | None = None
    file: IncomingFile | None = None  # kind "file": what was sent

    @classmethod
    def command_from_text(cls, actor: Actor, text: str, **extra: Any) -> Event:
        """'/log met yesterday' -> command 'log' with args 'met yesterday'; other text stays text."""
        stripped = text.strip()
        if stripped.startswith("/") and len(stripped) > 1:
            head, _, rest = stripped[1:].partition(" ")
            name = head.split("@", 1)[0].lower()  # Telegram's /start@botname in groups
            return cls(actor=actor, kind="command", command=name, args=rest.strip(), **extra)
        return cls(actor=actor, kind="text", text=text, **extra)
