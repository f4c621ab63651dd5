"""Personal preferences: pausing the bot's reminders (/quiet), the time zone dates and reminders use, and the
language the bot writes in (/language)."""

from __future__ import annotations

import dataclasses
from functools import cache
from zoneinfo import available_timezones

from bot.core.context import Context
from bot.core.errors import Refusal
from bot.core.language import reader_language
from bot.core.markup import fmt
from bot.core.payloads import quoted
from bot.core.registry import action, command
from bot.core.replies import Button, Reply
from bot.i18n import LANGUAGES, N_, _, language_name, supported, switch_language, use_language

# --- quiet: before /timezone, so /help and the command menus list them in their usual order ---------


@command("quiet", help=N_("pause the bot's reminders"), roles=("member",))
async def quiet(ctx: Context) -> Reply:
    ctx.user.reminders_paused = True
    return Reply(
        fmt(
            _(
                "Done: no more reminders from the bot until you send /unquiet. Messages from your match and "
                "from {office} still reach you."
            ),
            office=ctx.programme.office,
        ),
        buttons=[[Button(_("Turn reminders back on"), "quiet.off")]],
    )


@command("unquiet", help=N_("turn the bot's reminders back on"), roles=("member",))
async def unquiet(ctx: Context) -> Reply:
    ctx.user.reminders_paused = False
    return Reply(_("Reminders are back on. You'll hear from the bot at most once a day, in your daytime."))


@action("quiet.off", roles=("member",))
async def unquiet_button(ctx: Context) -> Reply:
    return await unquiet(ctx)


# --- time zone ------------------------------------------------------------------------------------


# The longest IANA name is about 30 characters; anything much longer is no time zone.
LONGEST_ZONE_NAME = 64


@cache
def _zones_by_lower_name() -> dict[str, str]:
    """Every IANA name the system knows, by its lower-case spelling."""
    return {name.lower(): name for name in available_timezones()}


def _find_zone(text: str) -> str | None:
    """'Europe/Berlin', 'europe/berlin' or just 'Berlin' -> the IANA name.

    Only names from the list of known zones are accepted: the text is never handed to ZoneInfo as a path
    ('Europe' is a folder of zone files, '../x' is outside them, a NUL byte or 5,000 characters break the
    lookup), so anything else is simply not found."""
    wanted = text.strip().replace(" ", "_").lower()
    if not wanted or len(wanted) > LONGEST_ZONE_NAME:
        return None
    zones = _zones_by_lower_name()
    if wanted in zones:
        return zones[wanted]
    matches = sorted(name for lowered, name in zones.items() if lowered.endswith("/" + wanted))
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
                text=quoted(ctx.event.args),
            )
        )
    ctx.user.timezone = zone
    return Reply(fmt(_("Done: your time zone is now {zone}."), zone=zone))


# --- language -------------------------------------------------------------------------------------


def _find_language(text: str) -> str | None:
    """'ru', 'Русский', 'russian', 'kk-KZ', 'Қазақша', 'kazakh', 'français' -> a shipped language's code."""
    wanted = text.strip().lower()
    code = supported(wanted)
    if code is not None:
        return code
    for code, own_name in LANGUAGES.items():
        names = {own_name.lower(), ENGLISH_NAMES[code].lower(), language_name(code).lower()}
        with use_language(code):
            names.add(_(ENGLISH_NAMES[code]).lower())
        if wanted in names:
            return code
    return None


# How each shipped language is called in English, for people who type "/language russian".
ENGLISH_NAMES = {"en": N_("English"), "ru": N_("Russian"), "kk": N_("Kazakh"), "fr": N_("French")}


def _language_buttons(current: str) -> list[list[Button]]:
    return [
        [
            Button(("✓ " if code == current else "") + name, "lang.set", code)
            for code, name in LANGUAGES.items()
        ]
    ]


@command("language", help=N_("the language I write to you in, e.g. /language ru"), roles=("any",))
async def language(ctx: Context) -> Reply:
    current = reader_language(ctx.user.language, ctx.programme)
    if not ctx.event.args:
        return Reply(
            fmt(
                _("I write to you in {language}. Choose another, or send e.g. /language ru."),
                language=LANGUAGES[current],
            ),
            buttons=_language_buttons(current),
        )
    code = _find_language(ctx.event.args)
    if code is None:
        raise Refusal(
            fmt(
                _("I don't have '{text}' yet. I can write in {languages}."),
                text=quoted(ctx.event.args),
                languages=", ".join(LANGUAGES.values()),
            ),
            buttons=_language_buttons(current),
        )
    return _chosen(ctx, code)


@action("lang.show", roles=("any",))
async def language_choice(ctx: Context) -> Reply:
    return await language(dataclasses.replace(ctx, event=dataclasses.replace(ctx.event, args="")))


@action("lang.set", roles=("any",))
async def language_button(ctx: Context) -> Reply:
    code = supported(ctx.event.payload)
    if code is None or code != ctx.event.payload:
        raise Refusal(_("That button is out of date. Send /language to choose again."))
    return _chosen(ctx, code)


def _chosen(ctx: Context, code: str) -> Reply:
    ctx.user.language = code
    switch_language(code)  # the answer, and everything from now on, in the language chosen
    return Reply(
        fmt(_("Done: I'll write to you in {language} from now on."), language=LANGUAGES[code]),
        edit=ctx.event.kind == "action",
    )
