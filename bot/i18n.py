"""The message catalogue. Every text a person reads goes through `_` (gettext), English being the source.

Translations are compiled into bot/locale/<lang>/LC_MESSAGES/mentorbot.mo; `make messages` refreshes the
template. `N_` marks a text for the catalogue where it is translated later (form prompts, labels).
"""

from __future__ import annotations

import gettext
from pathlib import Path

LOCALE_DIR = Path(__file__).parent / "locale"
_translation = gettext.translation("mentorbot", localedir=LOCALE_DIR, fallback=True)


def _(message: str) -> str:
    return _translation.gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return _translation.ngettext(singular, plural, n)


def N_(message: str) -> str:
    return message
