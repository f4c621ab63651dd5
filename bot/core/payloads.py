"""Reading what people send: the ids in button payloads and command arguments, and typed text.

A payload proves nothing and may be forged, and typed text may hold anything a keyboard or a script can
produce: whatever reaches us is read here, once, with one rule each, before any database sees it. The
services still check that the record an id names is the person's to act on.
"""

from __future__ import annotations

import unicodedata
from typing import TypeGuard

from bot.core.errors import Refusal
from bot.core.markup import shorten
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


# Line breaks and tabs are part of what people write; other control characters (a NUL byte above all,
# which PostgreSQL cannot store) and lone surrogates (which no database encoding holds) are not.
_KEPT_CONTROLS = frozenset("\n\r\t")


def _unwritable(char: str) -> bool:
    return char not in _KEPT_CONTROLS and unicodedata.category(char) in ("Cc", "Cs")


def storable(text: str) -> str:
    """`text` as typed, if every character of it can be kept; else a refusal that says what to do."""
    if any(_unwritable(char) for char in text):
        raise Refusal(
            _(
                "That has an invisible control character in it, which I can't keep. Please type it again: "
                "letters, digits, emoji and line breaks are all fine."
            )
        )
    return text


def quoted(text: str, limit: int = 40) -> str:
    """Typed text to quote back to its writer ("I don't know 'blursday'"): on one line, without invisible
    characters, cut to `limit`. Plain text: escape it with esc/fmt as any typed text."""
    visible = "".join(" " if _unwritable(char) or char in _KEPT_CONTROLS else char for char in text)
    return shorten(" ".join(visible.split()), limit)
