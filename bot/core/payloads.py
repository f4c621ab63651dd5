"""Reading what people send: the ids in button payloads and command arguments.

A payload proves nothing and may be forged: whatever reaches us is read here, once, with one rule, before
any database sees it. The services still check that the record an id names is the person's to act on.
"""

from __future__ import annotations

from typing import TypeGuard

from bot.core.errors import Refusal
from bot.i18n import _

# The largest id a database's BIGINT holds; anything above it is no record of ours.
MAX_ID = 2**63 - 1
_MAX_DIGITS = len(str(MAX_ID))


def id_in(value: str | int, refusal: str = "") -> int:
    """The record id `value` names: ASCII digits only (no sign, space, exponent or other script's digits),
    from 1 to MAX_ID. Anything else is refused, with nothing changed: with `refusal` (markup, the words the
    caller has for an id that names nothing of the person's, so a forged id reads the same), or else as a
    button that no longer works."""
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= _MAX_DIGITS:
        number = int(value)
    else:
        number = 0
    if not 1 <= number <= MAX_ID:
        raise Refusal(refusal or _("That button no longer works. /help shows what you can do now."))
    return number


def is_id(value: object) -> TypeGuard[str | int]:
    """Whether `value` names a record id by the rule of `id_in` (for ids kept in our own rows, where a bad
    one is skipped rather than refused)."""
    try:
        id_in(value)  # type: ignore[arg-type]  # anything else is refused, which is the answer
    except Refusal:
        return False
    return True


def index_in(text: str, count: int | None = None) -> int | None:
    """A position a payload carries (the third option, the fifth card): ASCII digits, below `count` when
    given; None for anything else, which the caller reads as "no position" (the first card, no option)."""
    if not (text.isascii() and text.isdigit() and len(text) <= _MAX_DIGITS):
        return None
    number = int(text)
    return number if count is None or number < count else None
