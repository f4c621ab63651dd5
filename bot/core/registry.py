"""Where handlers declare the commands and button actions they answer."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from bot.core.context import Context
    from bot.core.replies import Reply

HandlerResult = "Reply | list[Reply] | None"
Handler = Callable[["Context"], Awaitable["Reply | list[Reply] | None"]]
H = TypeVar("H", bound=Callable[..., Awaitable[Any]])

# Who may run a command: "any" (also people without a profile), "member" (has chosen a role),
# "student", "alumnus", "staff". Checked against the database on every event.
ROLES = frozenset({"any", "member", "student", "alumnus", "staff"})


@dataclass(frozen=True)
class CommandSpec:
    name: str
    handler: Handler
    help: str = ""  # a catalogue msgid, shown by /help to those allowed to run it
    roles: frozenset[str] = frozenset({"any"})
    menu: bool = True  # listed in the platform's command menu


@dataclass(frozen=True)
class ActionSpec:
    """A button action. `roles` is checked first; the handler still checks the payload's object (is this
    request addressed to this mentor?) against the database, since a payload proves nothing."""

    name: str
    handler: Handler
    roles: frozenset[str] = frozenset({"any"})


@dataclass
class Registry:
    commands: dict[str, CommandSpec] = field(default_factory=dict)
    actions: dict[str, ActionSpec] = field(default_factory=dict)
    text_fallback: Handler | None = None

    def command(
        self, name: str, *, help: str = "", roles: tuple[str, ...] = ("any",), menu: bool = True
    ) -> Callable[[H], H]:
        unknown = set(roles) - ROLES
        if unknown:
            raise ValueError(f"unknown roles {unknown}")

        def register(handler: H) -> H:
            if name in self.commands:
                raise ValueError(f"command /{name} registered twice")
            self.commands[name] = CommandSpec(name, handler, help, frozenset(roles), menu)
            return handler

        return register

    def action(self, name: str, *, roles: tuple[str, ...] = ("any",)) -> Callable[[H], H]:
        unknown = set(roles) - ROLES
        if unknown:
            raise ValueError(f"unknown roles {unknown}")
        if "|" in name or len(name) > 24:
            raise ValueError(f"action name {name!r} must be short and without '|'")

        def register(handler: H) -> H:
            if name in self.actions:
                raise ValueError(f"action {name} registered twice")
            self.actions[name] = ActionSpec(name, handler, frozenset(roles))
            return handler

        return register

    def fallback(self, handler: H) -> H:
        self.text_fallback = handler
        return handler


registry = Registry()
command = registry.command
action = registry.action
