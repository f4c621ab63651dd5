"""Where capabilities declare themselves: commands and button actions (handlers), how each outcome a
service reports reads (handlers), scheduled sweeps and data-export sections (services).

Nothing here names a capability. A capability is registered by its modules being imported, and
`discover` imports every module of the capability packages, so adding a module is the whole registration:
there is no list to update.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from bot.i18n import _

if TYPE_CHECKING:
    import datetime as dt

    from sqlalchemy.ext.asyncio import AsyncSession

    from bot.config import Settings
    from bot.core.context import Context
    from bot.core.replies import Reply
    from bot.programme import Programme
    from storage.models import User

HandlerResult = "Reply | list[Reply] | None"
Handler = Callable[["Context"], Awaitable["Reply | list[Reply] | None"]]
H = TypeVar("H", bound=Callable[..., Awaitable[Any]])
S = TypeVar("S", bound=Callable[..., Awaitable[Any]])
E = TypeVar("E", bound=Callable[..., Awaitable[Any]])
P = TypeVar("P", bound=Callable[..., None])

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
    # Safe to answer where others read it (a group): it shows nothing about the person, asks nothing.
    public: bool = False

    def description(self, programme: Programme) -> str:
        """Its help line in the reader's language, naming the programme's own office where it speaks of it
        ("tell {office} about a problem")."""
        return _(self.help).replace("{office}", programme.office) if self.help else ""


@dataclass(frozen=True)
class ActionSpec:
    """A button action. `roles` is checked first; the handler still checks the payload's object (is this
    request addressed to this mentor?) against the database, since a payload proves nothing."""

    name: str
    handler: Handler
    roles: frozenset[str] = frozenset({"any"})
    public: bool = False  # as CommandSpec.public


@dataclass(frozen=True)
class RenderEnv:
    """What a renderer may look at besides the outcome: the programme's words and the time zone setting."""

    programme: Programme
    settings: Settings
    registry: Registry


Renderer = Callable[[Any, RenderEnv], "Reply"]
# A sweep finds what is due now and acts on it through its service; it returns notes for people.
Sweep = Callable[["AsyncSession", "dt.datetime", "Programme", "Settings"], Awaitable[list[Any]]]
# An export section: what one capability holds about a person, for their copy of their data.
Exporter = Callable[["AsyncSession", "User", "dt.datetime"], Awaitable[Any]]


@dataclass(frozen=True)
class SweepSpec:
    name: str
    run: Sweep
    order: int  # sweeps run in this order, and a person's news of the day reads in it


@dataclass
class Registry:
    commands: dict[str, CommandSpec] = field(default_factory=dict)
    actions: dict[str, ActionSpec] = field(default_factory=dict)
    text_fallback: Handler | None = None
    file_handler: Handler | None = None  # what a file someone sends is taken as
    home_handler: Handler | None = None  # a person's overview, for platforms that show one (Slack's App Home)
    renderers: dict[type, Renderer] = field(default_factory=dict)
    sweeps: dict[str, SweepSpec] = field(default_factory=dict)
    exporters: dict[str, Exporter] = field(default_factory=dict)
    exported_models: dict[type, str] = field(default_factory=dict)  # model -> the export section with its rows
    # Parts of each mentorship in the export (its contacts, its goals): (session, pair, person) -> data.
    pair_exporters: dict[str, Callable[..., Awaitable[Any]]] = field(default_factory=dict)
    # Set-up that depends on the programme definition (forms built from its questions), run by the core.
    programme_hooks: list[Callable[[Programme], None]] = field(default_factory=list)
    # What else ends with a mentorship (its planned meetings ...): (session, pair, now), in the transaction
    # that ends it, so the capability that ends pairs need not know them.
    pair_closed_hooks: list[Callable[..., Awaitable[Any]]] = field(default_factory=list)
    discovered: set[str] = field(default_factory=set)

    def command(
        self,
        name: str,
        *,
        help: str = "",
        roles: tuple[str, ...] = ("any",),
        menu: bool = True,
        public: bool = False,
    ) -> Callable[[H], H]:
        unknown = set(roles) - ROLES
        if unknown:
            raise ValueError(f"unknown roles {unknown}")

        def register(handler: H) -> H:
            if name in self.commands:
                raise ValueError(f"command /{name} registered twice")
            self.commands[name] = CommandSpec(name, handler, help, frozenset(roles), menu, public)
            return handler

        return register

    def action(self, name: str, *, roles: tuple[str, ...] = ("any",), public: bool = False) -> Callable[[H], H]:
        unknown = set(roles) - ROLES
        if unknown:
            raise ValueError(f"unknown roles {unknown}")
        if "|" in name or len(name) > 24:
            raise ValueError(f"action name {name!r} must be short and without '|'")

        def register(handler: H) -> H:
            if name in self.actions:
                raise ValueError(f"action {name} registered twice")
            self.actions[name] = ActionSpec(name, handler, frozenset(roles), public)
            return handler

        return register

    def fallback(self, handler: H) -> H:
        self.text_fallback = handler
        return handler

    def on_file(self, handler: H) -> H:
        """Declare what answers a file someone sends (`event.file`); it checks who sent it itself."""
        if self.file_handler is not None:
            raise ValueError("the file handler is registered twice")
        self.file_handler = handler
        return handler

    def home(self, handler: H) -> H:
        if self.home_handler is not None:
            raise ValueError("the home view is registered twice")
        self.home_handler = handler
        return handler

    # --- outcomes: services say what happened, handlers say how it reads --------------------------------

    def renders(self, *outcomes: type) -> Callable[[Callable[..., Reply]], Callable[..., Reply]]:
        """Declare the function that turns these outcome types into a message (text and buttons)."""

        def register(renderer: Callable[..., Reply]) -> Callable[..., Reply]:
            for outcome in outcomes:
                if outcome in self.renderers:
                    raise ValueError(f"{outcome.__name__} has two renderers")
                self.renderers[outcome] = renderer
            return renderer

        return register

    def render(self, outcome: object, env: RenderEnv) -> Reply:
        renderer = self.renderers.get(type(outcome))
        if renderer is None:
            raise LookupError(f"nothing renders {type(outcome).__name__}: is its handler module discovered?")
        return renderer(outcome, env)

    # --- the scheduler's sweeps and the data export, declared beside their rules ----------------------

    def sweep(self, name: str, *, order: int) -> Callable[[S], S]:
        def register(run: S) -> S:
            if name in self.sweeps:
                raise ValueError(f"sweep {name} registered twice")
            self.sweeps[name] = SweepSpec(name, run, order)
            return run

        return register

    def sweeps_in_order(self) -> list[SweepSpec]:
        return sorted(self.sweeps.values(), key=lambda spec: (spec.order, spec.name))

    def export(self, section: str, *, covers: tuple[type, ...] = ()) -> Callable[[E], E]:
        """Declare a section of a person's copy of their data; `covers` names the models (tables) whose rows
        about the person it includes, so a test can tell when a table of personal data is left out."""

        def register(exporter: E) -> E:
            if section in self.exporters:
                raise ValueError(f"export section {section} registered twice")
            self.exporters[section] = exporter
            for model in covers:
                self.exported_models[model] = section
            return exporter

        return register

    def on_pair_closed(self, hook: E) -> E:
        """Run `await hook(session, pair, now)` in the transaction that ends a mentorship."""
        self.pair_closed_hooks.append(hook)
        return hook

    def on_programme(self, hook: P) -> P:
        """Run `hook(programme)` whenever a core starts with a programme."""
        self.programme_hooks.append(hook)
        return hook

    def prepare(self, programme: Programme) -> None:
        for hook in self.programme_hooks:
            hook(programme)

    def pair_export(self, part: str, *, covers: tuple[type, ...] = ()) -> Callable[[E], E]:
        """Declare a part of every mentorship in a person's data copy (`part` is its key in the mentorship)."""

        def register(exporter: E) -> E:
            if part in self.pair_exporters:
                raise ValueError(f"mentorship export part {part} registered twice")
            self.pair_exporters[part] = exporter
            for model in covers:
                self.exported_models[model] = f"mentorships.{part}"
            return exporter

        return register

    # --- discovery -------------------------------------------------------------------------------------

    def discover(self, packages: Iterable[str]) -> None:
        """Import every module of these packages (once), which registers what they declare."""
        for name in packages:
            if name in self.discovered:
                continue
            package = importlib.import_module(name)
            for module in pkgutil.walk_packages(package.__path__, prefix=name + "."):
                importlib.import_module(module.name)
            self.discovered.add(name)


registry = Registry()
command = registry.command
action = registry.action
renders = registry.renders
sweep = registry.sweep
export = registry.export
pair_export = registry.pair_export
home = registry.home
on_file = registry.on_file
on_programme = registry.on_programme
on_pair_closed = registry.on_pair_closed
