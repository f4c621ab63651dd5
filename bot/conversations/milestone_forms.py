"""The programme's own forms for its milestones: the road-book the mentee sends before a step's meeting and
the evaluation the mentor fills in after it, each built from the questions in the programme's [[forms]].

As with the survey, the forms are registered from the programme definition: for the bundled programmes
when this module is imported (a form in progress survives a restart), and for any other programme file
when a core starts with it. Each form's context names the step ("progress") and its mentorship ("pair"),
so the form closes when the mentorship ends; who may send it is checked again when it is sent.
"""

from __future__ import annotations

import zlib
from importlib import resources
from typing import Any, Literal

from bot.config import ConfigError
from bot.core import forms
from bot.core.context import Context
from bot.core.forms import FORMS, Choice, Field, Form, register_form
from bot.core.registry import on_programme
from bot.core.replies import Reply
from bot.i18n import N_
from bot.programme import FormDefinition, Programme, Question, load_programme
from bot.services import milestones

RATINGS = [Choice(str(n), str(n)) for n in range(1, 6)]
Side = Literal["before", "after"]


def form_name(programme: Programme, form: FormDefinition, side: Side) -> str:
    """Short (forms travel in button payloads) and stable across restarts for one programme file."""
    tag = zlib.crc32((programme.model_dump_json() + form.key).encode()) & 0xFFFFFF
    return f"m{'b' if side == 'before' else 'a'}{tag:06x}"


def _field(question: Question) -> Field:
    kind = {"rating": "choice", "choice": "choice", "text": "text", "yes_no": "yes_no"}[question.kind]
    choices = RATINGS if question.kind == "rating" else [Choice(c, c) for c in question.choices] or None
    return Field(
        question.key,
        kind,  # type: ignore[arg-type]
        question.prompt,
        help=question.help,
        choices=choices,
        required=question.required,
        multiline=question.kind == "text",
        max_length=3000,
    )


def _sides(programme: Programme) -> list[tuple[FormDefinition, Side]]:
    """Each form the milestones name, with the side that fills it in (the same form may serve several steps)."""
    found: dict[tuple[str, Side], FormDefinition] = {}
    for milestone in programme.milestones:
        if milestone.before_form is not None:
            found[(milestone.before_form, "before")] = programme.form(milestone.before_form)
        if milestone.after_form is not None:
            found[(milestone.after_form, "after")] = programme.form(milestone.after_form)
    return [(form, side) for (_key, side), form in found.items()]


@on_programme
def ensure_milestone_forms(programme: Programme) -> None:
    """Register the forms the programme's milestones name, unless they already are."""
    for definition, side in _sides(programme):
        name = form_name(programme, definition, side)
        if name in FORMS:
            continue
        register_form(
            Form(
                name=name,
                title=definition.title,
                intro=definition.intro
                or (
                    N_("Your mentor reads it before your meeting.")
                    if side == "before"
                    else N_("It is given to your student.")
                ),
                fields=[_field(q) for q in definition.questions],
                on_complete=_roadbook_done if side == "before" else _evaluation_done,
                submit_label=N_("Send"),
                cancelled=N_("Cancelled: nothing was sent. /milestones shows your steps when you're ready."),
                about_pair=True,
            )
        )


def _register_bundled() -> None:
    for entry in resources.files("bot.programmes").iterdir():
        if entry.name.endswith(".toml"):
            try:
                ensure_milestone_forms(load_programme(entry.name.removesuffix(".toml")))
            except ConfigError:
                continue  # a broken bundled file is reported when it is chosen, not here


async def start_roadbook(ctx: Context, progress_id: str | int) -> Reply:
    """The road-book's first question, if the person may send it for this step (checked from the database)."""
    step = await milestones.roadbook_step(ctx.session, ctx.user, progress_id, ctx.programme, ctx.settings, ctx.now)
    ensure_milestone_forms(ctx.programme)
    context = {"progress": step.progress.id, "pair": step.pair.id}
    return await forms.start_form(ctx, form_name(ctx.programme, step.form, "before"), context=context)


async def start_evaluation(ctx: Context, progress_id: str | int) -> Reply:
    """The evaluation's first question, if the mentor may fill it in for this step (checked from the database)."""
    step = await milestones.evaluation_step(ctx.session, ctx.user, progress_id, ctx.programme, ctx.settings, ctx.now)
    ensure_milestone_forms(ctx.programme)
    context = {"progress": step.progress.id, "pair": step.pair.id}
    return await forms.start_form(ctx, form_name(ctx.programme, step.form, "after"), context=context)


async def _roadbook_done(ctx: Context, answers: dict[str, Any], context: dict[str, Any]) -> Reply:
    """Sent: checked again, kept, and passed to the mentor (bot.services.milestones)."""
    sent = await milestones.send_roadbook(
        ctx.session, ctx.user, str(context.get("progress")), answers, ctx.programme, ctx.settings, ctx.now
    )
    return ctx.render(sent)


async def _evaluation_done(ctx: Context, answers: dict[str, Any], context: dict[str, Any]) -> Reply:
    """Sent: checked again, kept, and given to the mentee; the step is done."""
    saved = await milestones.give_evaluation(
        ctx.session, ctx.user, str(context.get("progress")), answers, ctx.programme, ctx.settings, ctx.now
    )
    return ctx.render(saved)


_register_bundled()
