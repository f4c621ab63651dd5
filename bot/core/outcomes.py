"""What a service reports when it decides something a person must hear about.

An outcome is a small frozen dataclass naming what happened (`RequestReminder`, `CaseFiled` ...) with the
data its words need, already loaded. The service queues it in the transaction that decided it; the outbox
renders it with the function its capability's handler registered (`bot.core.registry.renders`). So rules
never hold words or button names, and `tests/test_registration.py` checks every outcome has its words.
"""

from __future__ import annotations


class Outcome:
    """The base every outcome dataclass derives from (`@dataclass(frozen=True) class X(Outcome): ...`)."""

    __slots__ = ()
