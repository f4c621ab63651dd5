"""What a chat platform implements, and the registry `mentorbot run` starts platforms from.

In the spirit of Errbot's backends: a platform is one module (or package) of bot.platforms whose class
implements `Platform` and is registered with `@register`. Importing the modules of bot.platforms
(`Platforms.discover`) is the whole registration, so adding a platform means adding its module and its
settings; the runner starts every registered platform whose settings are present.
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import TYPE_CHECKING, Protocol, TypeVar

from bot.core.events import ChatKind, Origin

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.core.app import Core
    from bot.core.replies import Reply
    from storage.models import Identity

__all__ = ["ChatKind", "Platform", "Platforms", "platforms", "register"]


class Platform(Protocol):
    """What every platform implements. It turns what arrives into core Events (`core.handle`), shows the
    Replies in its own widgets and markup, and carries the outbox's messages (bot.core.delivery.Transport).

    - `platform`: its name as identities, Actor.platform and STAFF_IDS spell it ("telegram").
    - `configured(settings)`: whether its settings are present, so that `mentorbot run` starts it.
    - `Platform(core)`: a platform over the core, not connected yet.
    - `run()`: connect and handle what arrives until cancelled.
    - `stop()`: finish what is in flight and let go of what `run` held; a second call does nothing.
    - `send_to_user(identity, reply)`: deliver a Reply to a person; the platform's refusals become
      RetryLater (wait and retry) or Unreachable (blocked, gone).
    - `send_to_staff(reply)`: post a Reply to its staff chat; False when it has none.
    - `send_answer(origin, reply)`: deliver an answer to the chat an update came from (Core.answer queued
      it there), in its thread, editing `origin.message_ref` when the reply says `edit`.
    - `chat_kind(chat_id)`: whether a chat is a person's private chat, a group, or the staff chat.
    """

    platform: str

    def __init__(self, core: Core) -> None: ...

    @classmethod
    def configured(cls, settings: Settings) -> bool: ...

    async def run(self) -> None: ...

    async def stop(self) -> None: ...

    async def send_to_user(self, identity: Identity, reply: Reply) -> None: ...

    async def send_to_staff(self, reply: Reply) -> bool: ...

    async def send_answer(self, origin: Origin, reply: Reply) -> None: ...

    def chat_kind(self, chat_id: str) -> ChatKind: ...


K = TypeVar("K", bound="type[Platform]")


class Platforms:
    """Every registered platform, by name, found by importing the modules of one package."""

    def __init__(self, package: str = "bot.platforms") -> None:
        self.package = package
        self.kinds: dict[str, type[Platform]] = {}
        self._discovered = False

    def register(self, kind: K) -> K:
        """Class decorator: this class is the platform called `kind.platform`."""
        known = self.kinds.get(kind.platform)
        if known is not None and known is not kind:
            raise ValueError(f"platform {kind.platform} registered twice")
        self.kinds[kind.platform] = kind
        return kind

    def discover(self) -> None:
        """Import every module of the package (once), which registers the platforms they define."""
        if self._discovered:
            return
        package = importlib.import_module(self.package)
        for module in pkgutil.walk_packages(package.__path__, prefix=self.package + "."):
            importlib.import_module(module.name)
        self._discovered = True

    def configured(self, settings: Settings) -> list[type[Platform]]:
        """The platforms whose settings are present, in the order they were registered."""
        self.discover()
        return [kind for kind in self.kinds.values() if kind.configured(settings)]


platforms = Platforms()
register = platforms.register
