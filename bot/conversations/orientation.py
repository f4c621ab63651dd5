"""Planning an orientation session, step by step: when (plain words on the planner's own clock, a time still
to come), how long (60 minutes unless said), where (a room or a link) and what it is (a sentence naming the
programme unless said). Saving it invites every mentor awaiting orientation.

`when_text` is how a session's time reads on a person's own clock, wherever a session is shown.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from bot.core.context import Context
from bot.core.dates import moment_text
from bot.core.errors import Refusal
from bot.core.forms import Field, Form, FormEnv, register_form
from bot.core.replies import Reply
from bot.i18n import N_, _
from bot.programme import Programme
from bot.services import meetings, orientation

FORM = "orient"


def when_text(moment: dt.datetime, zone: ZoneInfo) -> str:
    """'Thursday 15 January, 18:00' on that clock (plain text; the caller escapes it)."""
    return moment_text(moment, zone)


def default_about(programme: Programme) -> str:
    """What a session is, when the planner doesn't say (plain text, as a planner's own words are kept)."""
    return _(
        "An introduction to the {title} for new mentors: how it works, what students hope for, "
        "and how {office} supports you."
    ).format(title=programme.title, office=programme.office)


def _readable_time(value: Any, env: FormEnv) -> str | None:
    try:
        meetings.read_time(str(value), env.ctx.zone, env.ctx.now)
    except Refusal as refusal:
        return refusal.text
    return None


async def _planned(ctx: Context, answers: dict[str, Any], context: dict[str, Any]) -> Reply:
    """Reads the time again (it must still be to come), saves the session, invites the mentors waiting."""
    starts_at = meetings.read_time(str(answers.get("when") or ""), ctx.zone, ctx.now)
    minutes = answers.get("minutes")
    about = str(answers.get("about") or "").strip() or default_about(ctx.programme)
    planned = await orientation.plan(
        ctx.session,
        ctx.user,
        starts_at=starts_at,
        minutes=int(minutes) if minutes not in (None, "") else None,
        place=str(answers.get("place") or ""),
        about=about,
        now=ctx.now,
        programme=ctx.programme,
        settings=ctx.settings,
    )
    return ctx.render(planned)


ORIENTATION_FORM = register_form(
    Form(
        name=FORM,
        title=N_("Plan an orientation session"),
        intro=N_("Mentors awaiting orientation are invited as soon as you save it, each on their own clock."),
        fields=[
            Field(
                "when",
                "text",
                N_("When is it? A day and a time, on your clock."),
                help=N_("For example: Thursday 18:00, 20 March 17:30, tomorrow 6pm"),
                max_length=100,
                check=_readable_time,
            ),
            Field(
                "minutes",
                "number",
                N_("How long is it, in minutes?"),
                help=N_("Skip for 60 minutes."),
                required=False,
                min_value=orientation.MIN_MINUTES,
                max_value=orientation.MAX_MINUTES,
            ),
            Field(
                "place",
                "text",
                N_("Where is it? A room or a link."),
                help=N_("For example: Block C, room 3.14 — or https://zoom.us/j/123"),
                max_length=orientation.MAX_PLACE,
            ),
            Field(
                "about",
                "text",
                N_("What is it, in a sentence or two? (optional)"),
                help=N_("Skip for a short introduction to the programme, written for you."),
                required=False,
                multiline=True,
                max_length=orientation.MAX_ABOUT,
            ),
        ],
        on_complete=_planned,
        submit_label=N_("Announce"),
    )
)
