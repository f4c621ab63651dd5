"""Reading dates people type ("yesterday", "last Tuesday", "3 days ago", "12 March") with dateparser."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import dateparser

from bot.config import Settings
from bot.core.errors import Refusal
from bot.core.markup import fmt
from bot.core.payloads import quoted
from bot.i18n import _, date_languages, date_text
from bot.i18n import moment_text as _moment_text


def parse_past_date(text: str, zone: ZoneInfo, now: dt.datetime, *, allow_future: bool = False) -> dt.date:
    """The calendar date meant by `text` in the person's time zone; refuses nonsense and future dates."""
    local_now = now.astimezone(zone)
    cleaned = text.strip()
    parsed = None
    if cleaned:
        parsed = dateparser.parse(
            cleaned,
            languages=date_languages(),
            settings={
                "PREFER_DATES_FROM": "future" if allow_future else "past",
                "RELATIVE_BASE": local_now.replace(tzinfo=None),
                "RETURN_AS_TIMEZONE_AWARE": False,
                "PREFER_DAY_OF_MONTH": "first",
                "DATE_ORDER": "DMY",
            },
        )
    if parsed is None:
        raise Refusal(
            fmt(
                _("I couldn't read '{text}' as a date. Try 'yesterday', 'last Tuesday', '3 days ago' or '12 March'."),
                text=quoted(cleaned) or " ",
            )
        )
    day = parsed.date()
    if not allow_future and day > local_now.date():
        raise Refusal(
            fmt(
                _("{day} is in the future. Log a contact once it has happened, e.g. 'today' or 'yesterday'."),
                day=date_text(day),
            )
        )
    return day


def day_text(moment: dt.datetime | dt.date | None, settings: Settings) -> str:
    """'12 March 2026' in the programme's time zone, or 'none logged'."""
    if moment is None:
        return _("none logged")
    if isinstance(moment, dt.datetime):
        moment = moment.astimezone(settings.zone).date()
    return date_text(moment)


def moment_text(moment: dt.datetime, zone: ZoneInfo) -> str:
    """'Thursday 15 January, 18:00' on that clock: how a planned meeting or session reads (plain text)."""
    return _moment_text(moment.astimezone(zone))
