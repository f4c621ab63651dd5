"""Planning a meeting step by step: with whom (when there are several), when, how, where; and another
time for a planned meeting. What a one-line `/meet Thursday 15:00 on zoom` already said is carried in the
form's context and its question skipped.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from bot.core.context import Context
from bot.core.errors import Refusal
from bot.core.forms import Choice, Field, Form, FormEnv, register_form
from bot.core.replies import Reply
from bot.i18n import N_, _
from bot.services import meetings
from bot.services.pairs import pair_for

FORM, MOVE_FORM = "meet", "meetmove"
WHEN_HELP = N_("For example: Thursday 15:00, tomorrow 10am, 20 March 14:30")


def _pairs(env: FormEnv) -> list[Choice]:
    return [Choice(str(pid), name) for pid, name in env.context.get("pairs", [])]


def _methods(env: FormEnv) -> list[Choice]:
    return [Choice(key, _(label)) for key, label in meetings.METHODS.items()]


def _asked(name: str):  # type: ignore[no-untyped-def]
    """A field asked only when the one-line /meet didn't already answer it (marker '_has_<name>')."""
    return lambda answers: not answers.get(f"_has_{name}")


def _readable_time(value: Any, env: FormEnv) -> str | None:
    try:
        meetings.read_time(str(value), env.ctx.zone, env.ctx.now)
    except Refusal as refusal:
        return refusal.text
    return None


async def plan(ctx: Context, *, pair_id: str, starts_at: dt.datetime, method: str, place: str) -> list[Reply]:
    pair = await pair_for(ctx.session, ctx.user, pair_id)
    waiting = await meetings.propose(
        ctx.session, pair, ctx.user, starts_at=starts_at, method=method, place=place, now=ctx.now
    )
    return [ctx.render(waiting)]


async def _done(ctx: Context, answers: dict[str, Any], context: dict[str, Any]) -> list[Reply]:
    when = answers.get("when") or context.get("when")
    starts_at = (
        dt.datetime.fromisoformat(str(context["starts_at"]))
        if context.get("starts_at") and not answers.get("when")
        else meetings.read_time(str(when), ctx.zone, ctx.now)
    )
    return await plan(
        ctx,
        pair_id=str(answers.get("pair") or context.get("pair")),
        starts_at=starts_at,
        method=str(answers.get("method") or context.get("method")),
        place=str(answers.get("place") or context.get("place") or ""),
    )


async def _moved(ctx: Context, answers: dict[str, Any], context: dict[str, Any]) -> list[Reply]:
    starts_at = meetings.read_time(str(answers.get("when")), ctx.zone, ctx.now)
    return [ctx.render(await meetings.move(ctx.session, ctx.user, str(context.get("meeting")), starts_at, ctx.now))]


MEETING_FORM = register_form(
    Form(
        name=FORM,
        title=N_("Plan a meeting"),
        fields=[
            Field("pair", "choice", N_("Who would you like to meet?"), choices=_pairs, when=_asked("pair")),
            Field(
                "when",
                "text",
                N_("When? A day and a time."),
                help=WHEN_HELP,
                max_length=100,
                when=_asked("when"),
                check=_readable_time,
            ),
            Field("method", "choice", N_("How will you meet?"), choices=_methods, when=_asked("method")),
            Field(
                "place",
                "text",
                N_("Where? A place or a link (optional)."),
                help=N_("Only the two of you will see it."),
                required=False,
                max_length=500,
                when=_asked("place"),
            ),
        ],
        on_complete=_done,
        about_pair=True,
    )
)

MOVE_MEETING_FORM = register_form(
    Form(
        name=MOVE_FORM,
        title=N_("Another time"),
        fields=[
            Field(
                "when",
                "text",
                N_("What time would suit you instead? A day and a time."),
                help=WHEN_HELP,
                max_length=100,
                check=_readable_time,
            ),
        ],
        on_complete=_moved,
        about_pair=True,
    )
)
