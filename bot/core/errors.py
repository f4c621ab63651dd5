"""Refusals: bad input or a forbidden action, answered kindly, with nothing changed."""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

from bot.core.replies import Button, Reply


class Refusal(Exception):
    """Raised by a handler or service to refuse; the event's transaction is rolled back.

    `text` is markup (escape anything a person typed with bot.core.markup.esc/fmt).
    """

    def __init__(self, text: str, buttons: list[list[Button]] | None = None) -> None:
        super().__init__(text)
        self.text = text
        self.buttons = buttons or []

    def reply(self) -> Reply:
        return Reply(text=self.text, buttons=self.buttons)


# SQLSTATE classes of a server that is going away or not there yet: 08 connection exception, 57 operator
# intervention (shutting down, starting up).
_UNAVAILABLE_STATES = ("08", "57")
# What asyncpg raises on a connection that broke under it (no SQLSTATE: the server never answered).
_BROKEN_CONNECTION = frozenset({"ConnectionDoesNotExistError", "InternalClientError", "InterfaceError"})


def database_unavailable(exc: BaseException) -> bool:
    """The database could not be reached or dropped the connection (a restart, a network cut): nothing
    about the work itself is wrong, so it is tried again later rather than reported as a failure.

    An OSError of a handler's own (a file name too long) is a bug to report, not an outage to wait out,
    so only connection errors count among the operating system's."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, (InterfaceError, OperationalError, ConnectionError)):
            return True
        if isinstance(current, DBAPIError) and current.connection_invalidated:
            return True
        state = str(getattr(current, "sqlstate", "") or "")
        if state[:2] in _UNAVAILABLE_STATES or type(current).__name__ in _BROKEN_CONNECTION:
            return True
        current = current.__cause__ or current.__context__
    return False
