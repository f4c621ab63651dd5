"""The message catalogue and the reader's language. Every text a person reads goes through `_` (gettext),
English being the source; dates a person reads are written with Babel in their language.

The language is the reader's, set for the span of handling one person's update (`use_language`, by the
core) and around each message written for someone else (by the outbox), so that code writing words never
passes a language around. Catalogues live in bot/locale/<lang>/LC_MESSAGES/mentorbot.po, compiled to .mo
when the project is installed (`make`); a missing or stale .mo is compiled from the .po when first needed,
so a checkout never shows English for want of a build step. `make messages` refreshes the template and the
catalogues. `N_` marks a text for the catalogue where it is translated later (form prompts, labels).
"""

from __future__ import annotations

import datetime as dt
import gettext
import io
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache, lru_cache
from pathlib import Path

from babel import Locale
from babel.dates import format_date, format_datetime

LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "mentorbot"
SOURCE_LANGUAGE = "en"

# The shipped languages, each with its own name as a person reading it would look for it.
LANGUAGES: dict[str, str] = {"en": "English", "ru": "Русский", "kk": "Қазақша", "fr": "Français"}

_language: ContextVar[str] = ContextVar("language", default=SOURCE_LANGUAGE)


def supported(code: str | None) -> str | None:
    """A shipped language for a platform's code ("ru", "ru-RU", "kk_KZ.UTF-8", "fr_FR"), else None."""
    if not code:
        return None
    head = code.replace("_", "-").split(".")[0].split("-")[0].strip().lower()
    return head if head in LANGUAGES else None


def current_language() -> str:
    return _language.get()


@contextmanager
def use_language(code: str | None) -> Iterator[str]:
    """Everything written inside is in this language (the source language when it is not shipped)."""
    language = supported(code) or SOURCE_LANGUAGE
    token = _language.set(language)
    try:
        yield language
    finally:
        _language.reset(token)


def switch_language(code: str | None) -> str:
    """Within a `use_language` span, go on in another language (the core, once it knows who is writing)."""
    language = supported(code) or SOURCE_LANGUAGE
    _language.set(language)
    return language


@cache
def _translations(language: str) -> gettext.NullTranslations:
    if language == SOURCE_LANGUAGE:
        return gettext.NullTranslations()
    folder = LOCALE_DIR / language / "LC_MESSAGES"
    compiled, source = folder / f"{DOMAIN}.mo", folder / f"{DOMAIN}.po"
    if compiled.exists() and (not source.exists() or compiled.stat().st_mtime >= source.stat().st_mtime):
        with compiled.open("rb") as handle:
            return gettext.GNUTranslations(handle)
    if not source.exists():
        return gettext.NullTranslations()
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with source.open("rb") as handle:
        catalog = read_po(handle, locale=language)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def _(message: str) -> str:
    return _translations(_language.get()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return _translations(_language.get()).ngettext(singular, plural, n)


def N_(message: str) -> str:
    return message


def date_languages() -> list[str]:
    """The languages dates are read in (dateparser): the reader's, then English, which everyone may type."""
    language = _language.get()
    return [language] if language == SOURCE_LANGUAGE else [language, SOURCE_LANGUAGE]


# --- dates in the reader's language (Babel's patterns: d, MMMM, EEEE, y, HH:mm) ----------------------------


def date_text(day: dt.date | dt.datetime, pattern: str = "d MMMM y") -> str:
    """A calendar day in the reader's language: '12 March 2026', '12 марта 2026', '12 mars 2026'."""
    if isinstance(day, dt.datetime):
        day = day.date()
    return _date_text(day, pattern, _language.get())


# Babel reads the locale and the pattern again at every call (a tenth of a millisecond): a sweep's reminders
# name a few days over and over, in a few languages.
@lru_cache(maxsize=4096)
def _date_text(day: dt.date, pattern: str, language: str) -> str:
    return format_date(day, pattern, locale=language)


def moment_text(moment: dt.datetime, pattern: str = "EEEE d MMMM, HH:mm") -> str:
    """A moment on its own clock (already in the zone meant) in the reader's language."""
    return format_datetime(moment, pattern, tzinfo=moment.tzinfo, locale=_language.get())


def month_text(day: dt.date | dt.datetime) -> str:
    """A month's name standing alone ('March', 'март'), as in 'recruitment opens in March'."""
    if isinstance(day, dt.datetime):
        day = day.date()
    return format_date(day, "LLLL", locale=_language.get())


def language_name(code: str) -> str:
    """A language's own name ('Русский'), or Babel's for one not shipped."""
    if code in LANGUAGES:
        return LANGUAGES[code]
    try:
        return Locale.parse(code).get_display_name(code) or code
    except (ValueError, LookupError):
        return code
