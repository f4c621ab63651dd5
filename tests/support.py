"""A test driver that chats with the core as named people and records what reaches whom."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.core.app import Core
from bot.core.events import Actor, Event
from bot.core.replies import Button, Reply
from bot.platforms.console import to_plain
from storage.models import Identity


class RecordingTransport:
    """Stands in for a chat platform: keeps every message delivered to each person and to staff."""

    platform = "console"

    def __init__(self) -> None:
        self.inbox: dict[str, list[Reply]] = {}
        self.staff_chat: list[Reply] = []
        self.has_staff_chat = True

    async def send_to_user(self, identity: Identity, reply: Reply) -> None:
        self.inbox.setdefault(identity.external_id, []).append(reply)

    async def send_to_staff(self, reply: Reply) -> bool:
        if not self.has_staff_chat:
            return False
        self.staff_chat.append(reply)
        return True


@dataclass
class Person:
    harness: Harness
    name: str
    last: list[Reply] = field(default_factory=list)

    @property
    def actor(self) -> Actor:
        return Actor(platform="console", external_id=self.name, chat_id=self.name, display_name=self.name.title())

    async def send(self, event: Event) -> list[Reply]:
        self.last = await self.harness.core.handle(event)
        await self.harness.core.delivery.flush()
        return self.last

    async def say(self, text: str, **extra: object) -> str:
        """Type a line (a command or text); returns the bot's answer as plain text."""
        await self.send(Event.command_from_text(self.actor, text, **extra))  # type: ignore[arg-type]
        return self.text

    async def press(self, label: str, *, among: list[Reply] | None = None) -> str:
        """Press the button whose label contains `label`, on the last replies (or the given ones)."""
        button = find_button(among if among is not None else self.last, label)
        await self.send(Event(actor=self.actor, kind="action", action=button.action, payload=button.payload))
        return self.text

    async def press_data(self, action: str, payload: str) -> str:
        """Send a raw button press, as a forged or stale client could."""
        await self.send(Event(actor=self.actor, kind="action", action=action, payload=payload))
        return self.text

    async def submit(self, form: str, values: dict[str, object]) -> list[Reply]:
        return await self.send(Event(actor=self.actor, kind="form_submit", form=form, values=dict(values)))

    @property
    def text(self) -> str:
        return "\n".join(to_plain(reply.text) for reply in self.last)

    @property
    def inbox(self) -> list[Reply]:
        return self.harness.transport.inbox.get(self.name, [])

    def inbox_text(self) -> str:
        return "\n".join(to_plain(reply.text) for reply in self.inbox)


def find_button(replies: list[Reply], label: str) -> Button:
    for reply in reversed(replies):
        for row in reply.buttons:
            for button in row:
                if label.lower() in button.label.lower():
                    return button
    labels = [b.label for r in replies for row in r.buttons for b in row]
    raise AssertionError(f"no button {label!r} among {labels}")


class Harness:
    def __init__(self, core: Core) -> None:
        self.core = core
        self.transport = RecordingTransport()
        core.delivery.add_transport(self.transport)

    def person(self, name: str) -> Person:
        return Person(self, name)

    def staff_text(self) -> str:
        return "\n".join(to_plain(reply.text) for reply in self.transport.staff_chat)
