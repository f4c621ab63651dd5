"""The goal forms: a new goal (short or long term, in the person's words) and a note on a goal."""

from __future__ import annotations

from typing import Any

from bot.core.context import Context
from bot.core.forms import Choice, Field, Form, FormEnv, register_form
from bot.core.replies import Reply
from bot.i18n import N_, _
from bot.services import goals


def _terms(env: FormEnv) -> list[Choice]:
    return [Choice(key, _(label)) for key, label in goals.TERMS.items()]


async def _goal_done(ctx: Context, answers: dict[str, Any], context: dict[str, Any]) -> Reply:
    from bot.handlers.goals import goal_added

    return await goal_added(ctx, str(context.get("pair")), str(answers.get("term")), str(answers.get("text") or ""))


async def _note_done(ctx: Context, answers: dict[str, Any], context: dict[str, Any]) -> Reply:
    from bot.handlers.goals import note_added

    return await note_added(ctx, str(context.get("goal")), str(answers.get("text") or ""))


GOAL_FORM = register_form(
    Form(
        name="goal",
        title=N_("A new goal"),
        intro=N_("Goals are shared: you and your match both see them and can mark progress."),
        fields=[
            Field("term", "choice", N_("Is it a short-term or a long-term goal?"), choices=_terms),
            Field(
                "text",
                "text",
                N_("What is the goal? Something specific you can tick off."),
                help=N_("For example: Send my CV to three software companies by March."),
                max_length=goals.MAX_GOAL,
            ),
        ],
        on_complete=_goal_done,
    )
)

NOTE_FORM = register_form(
    Form(
        name="goalnote",
        title=N_("A note on this goal"),
        fields=[
            Field(
                "text",
                "text",
                N_("What would you like to add? Your match will see it."),
                help=N_("For example: Sent two applications this week; one interview next Tuesday."),
                multiline=True,
                max_length=goals.MAX_NOTE,
            )
        ],
        on_complete=_note_done,
    )
)
