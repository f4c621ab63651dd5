"""A failure that repeats (the network, the database) is logged when it starts and when it ends, never once
per attempt, so a long outage cannot grow a log without bound."""

from __future__ import annotations

import logging
import time


class Outage:
    def __init__(self, log: logging.Logger, what: str) -> None:
        self.log = log
        self.what = what  # e.g. "cannot receive Telegram updates"
        self.since: float | None = None
        self.attempts = 0

    def failed(self, exc: BaseException) -> None:
        self.attempts += 1
        if self.since is None:
            self.since = time.monotonic()
            self.log.warning("%s (%s); retrying quietly until it works", self.what, first_line(exc))

    def recovered(self) -> None:
        if self.since is not None:
            self.log.warning(
                "%s: working again after %.0f s (%d attempts)", self.what, time.monotonic() - self.since, self.attempts
            )
        self.since, self.attempts = None, 0


def first_line(exc: BaseException) -> str:
    """An exception in one short line: its type and the start of its message (never a traceback)."""
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0][:300]}" if text else type(exc).__name__
