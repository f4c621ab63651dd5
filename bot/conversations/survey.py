"""The end-of-cycle evaluation survey, one form per programme and role, built from the programme's questions.

The questions live in the programme definition, so the forms are registered from it: for the bundled
programmes when this module is imported (a form in progress survives a restart), and for any other
programme file when the scheduler or a survey button first meets it.
"""

from __future__ import annotations

import zlib
from importlib import resources
from typing import Any

from sqlalchemy import select

from bot.config import ConfigError
from bot.core.context import Context
from bot.core.errors import Refusal
from bot.core.forms import FORMS, Choice, Field, Form, register_form
from bot.core.markup import fmt
from bot.core.registry import on_programme
from bot.core.replies import Button, Reply
from bot.i18n import N_, _
from bot.programme import Programme, SurveyQuestion, load_programme
from storage.models import Notice, Pair, SurveyResponse, ThankYouNote, User

SURVEY_NAME = "end_of_cycle"
RATINGS = [Choice(str(n), str(n)) for n in range(1, 6)]


def survey_form_name(programme: Programme, role: str) -> str:
    """Short (forms travel in button payloads) and stable across restarts for one programme file."""
    tag = zlib.crc32(programme.model_dump_json().encode()) & 0xFFFFFF
    return f"sv{'a' if role == 'mentor' else 's'}{tag:06x}"


def _field(question: SurveyQuestion) -> Field:
    kind = {"rating": "choice", "text": "text", "yes_no": "yes_no"}[question.kind]
    return Field(
        question.key,
        kind,  # type: ignore[arg-type]
        question.prompt,
        choices=RATINGS if question.kind == "rating" else None,
        required=question.required,
        multiline=question.kind == "text",
        max_length=2000,
    )


@on_programme
def ensure_survey_forms(programme: Programme) -> None:
    """Register the programme's survey forms (mentor and mentee) unless they already are."""
    for role in ("mentor", "mentee"):
        name = survey_form_name(programme, role)
        if name in FORMS:
            continue
        register_form(
            Form(
                name=name,
                title=N_("End-of-mentorship survey"),
                intro=N_(
                    "Thank you for taking two minutes. Your answers go to the career team only and help us "
                    "make the programme better; your match does not see them."
                ),
                fields=[_field(q) for q in programme.survey_for(role)],  # type: ignore[arg-type]
                on_complete=_survey_done,
                submit_label=N_("Send"),
            )
        )


def _register_bundled() -> None:
    for entry in resources.files("bot.programmes").iterdir():
        if entry.name.endswith(".toml"):
            try:
                ensure_survey_forms(load_programme(entry.name.removesuffix(".toml")))
            except ConfigError:
                continue  # a broken bundled file is reported when it is chosen, not here


async def start_survey(ctx: Context, notice: Notice) -> Reply:
    from bot.core import forms

    role = (notice.data or {}).get("role", "mentee")
    ensure_survey_forms(ctx.programme)
    return await forms.start_form(
        ctx, survey_form_name(ctx.programme, role), context={"notice": notice.id, "pair": notice.pair_id, "role": role}
    )


async def _survey_done(ctx: Context, answers: dict[str, Any], context: dict[str, Any]) -> Reply:
    notice = await ctx.session.get(Notice, int(context.get("notice") or 0))
    if notice is None or notice.user_id != ctx.user.id:
        raise Refusal(_("That survey isn't open any more. Nothing was changed."))
    already = await ctx.session.scalar(
        select(SurveyResponse.id).where(
            SurveyResponse.pair_id == notice.pair_id,
            SurveyResponse.user_id == ctx.user.id,
            SurveyResponse.survey == SURVEY_NAME,
        )
    )
    if already is not None:
        return Reply(_("You've already sent this survey: thank you! Nothing more to do."))
    role = str(context.get("role") or "mentee")
    ctx.session.add(
        SurveyResponse(
            pair_id=notice.pair_id,
            user_id=ctx.user.id,
            survey=SURVEY_NAME,
            role=role,
            answers={k: v for k, v in answers.items() if v is not None},
            submitted_at=ctx.now,
        )
    )
    notice.answer, notice.answered_at = "answered", ctx.now
    return await _after_survey(ctx, notice, role)


async def _after_survey(ctx: Context, notice: Notice, role: str) -> Reply:
    text = fmt(
        _("Thank you, {first}! Your answers are with {office}."), first=ctx.user.first_name, office=ctx.programme.office
    )
    pair = await ctx.session.get(Pair, notice.pair_id) if notice.pair_id else None
    buttons: list[list[Button]] = []
    if pair is not None and pair.status != "ended" and pair.continue_after_cycle is None:
        text += "\n\n" + _("One more thing: would you like to carry on informally, or close the mentorship?")
        payload = str(notice.id)
        buttons.append(
            [Button(_("Carry on informally"), "surv.cont", payload), Button(_("Close it"), "surv.close", payload)]
        )
    if pair is not None and role == "mentee":
        mentor = await ctx.session.get(User, pair.mentor_id)
        thanked = await ctx.session.scalar(select(ThankYouNote.id).where(ThankYouNote.pair_id == pair.id).limit(1))
        if mentor is not None and thanked is None:  # not offered again once the note is sent
            buttons.append([Button(_("Thank {other}").format(other=mentor.first_name), "end.thanks", str(pair.id))])
    return Reply(text, buttons=buttons)


_register_bundled()
