"""Personal preferences: the time zone dates are read in and reminders are timed by."""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from bot.core.context import Context
from bot.core.errors import Refusal
from bot.core.markup import fmt
from bot.core.registry import command
from bot.core.replies import Reply
from bot.i18n import N_, _


def _find_zone(text: str) -> str | None:
    """'Europe/Berlin', 'europe/berlin' or just 'Berlin' -> the IANA name."""
    wanted = text.strip().replace(" ", "_")
    if not wanted:
        return None
    try:
        ZoneInfo(wanted)
        return wanted
    except (ZoneInfoNotFoundError, ValueError):
        pass
    lowered = wanted.lower()
    matches = sorted(z for z in available_timezones() if z.lower() == lowered or z.lower().endswith("/" + lowered))
    return matches[0] if matches else None


@command("timezone", help=N_("set your time zone, e.g. /timezone Berlin"), roles=("any",))
async def timezone(ctx: Context) -> Reply:
    current = ctx.user.timezone or ctx.settings.timezone
    if not ctx.event.args:
        return Reply(
            fmt(
                _(
                    "Your time zone is {zone}. Dates you type and reminders use it. "
                    "To change it, send /timezone and a city, e.g. /timezone Berlin."
                ),
                zone=current,
            )
        )
    zone = _find_zone(ctx.event.args)
    if zone is None:
        raise Refusal(
            fmt(
                _(
                    "I don't know the time zone '{text}'. Try a city like /timezone Almaty or /timezone London, "
                    "or a full name like Europe/Berlin."
                ),
                text=ctx.event.args,
            )
        )
    ctx.user.timezone = zone
    return Reply(fmt(_("Done: your time zone is now {zone}."), zone=zone))
