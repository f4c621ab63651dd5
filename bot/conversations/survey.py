"""The surveys' forms, built from the programme's questions: the end-of-cycle evaluation (one form per
programme and side) and each of the programme's own surveys during the mentorship (one form per survey and
side). One builder makes them all, and one completion keeps the answers of whichever survey a form asks.

The questions live in the programme definition, so the forms are registered from it: for the bundled
programmes when this module is imported (a form in progress survives a restart), and for any other
programme file when the scheduler or a survey button first meets it.
"""

from __future__ import annotations

import zlib
from importlib import resources
from typing import Any

from bot.config import ConfigError
from bot.conversations.questions import question_field
from bot.core.context import Context
from bot.core.forms import FORMS, Form, register_form
from bot.core.registry import on_programme
from bot.core.replies import Reply
from bot.i18n import N_
from bot.programme import Programme, ScheduledSurvey, SurveyQuestion, load_programme
from bot.services import surveys
from storage.models import Notice

ROLES = ("mentor", "mentee")
END_OF_CYCLE_INTRO = N_(
    "Thank you for taking two minutes. Your answers go to {office} only and help us "
    "make the programme better; your match does not see them."
)
SCHEDULED_INTRO = N_(
    "Thank you for taking a minute. Your answers go to {office} only and help us "
    "make the programme better; your match does not see them."
)


def _form_name(prefix: str, definition: str, role: str) -> str:
    """Short (forms travel in button payloads) and stable across restarts for one definition."""
    tag = zlib.crc32(definition.encode()) & 0xFFFFFF
    return f"{prefix}{'a' if role == 'mentor' else 's'}{tag:06x}"


def survey_form_name(programme: Programme, role: str) -> str:
    """The end-of-cycle survey's form for one side of this programme."""
    return _form_name("sv", programme.model_dump_json(), role)


def scheduled_form_name(survey: ScheduledSurvey, role: str) -> str:
    """The form of one of the programme's own surveys, for one side."""
    return _form_name("sc", survey.model_dump_json(), role)


def _ensure_form(name: str, title: str, intro: str, questions: list[SurveyQuestion]) -> None:
    if name in FORMS:
        return
    register_form(
        Form(
            name=name,
            title=title,
            intro=intro,
            fields=[question_field(q, max_length=2000) for q in questions],
            on_complete=_survey_done,
            submit_label=N_("Send"),
        )
    )


@on_programme
def ensure_survey_forms(programme: Programme) -> None:
    """Register the programme's survey forms (each survey, each side it asks) unless they already are."""
    for role in ROLES:
        questions = programme.survey_for(role)  # type: ignore[arg-type]
        _ensure_form(survey_form_name(programme, role), N_("End-of-mentorship survey"), END_OF_CYCLE_INTRO, questions)
        for survey in programme.surveys:
            asked = surveys.questions_for(survey, role)
            if asked:
                _ensure_form(scheduled_form_name(survey, role), survey.title, SCHEDULED_INTRO, asked)


def _register_bundled() -> None:
    for entry in resources.files("bot.programmes").iterdir():
        if entry.name.endswith(".toml"):
            try:
                ensure_survey_forms(load_programme(entry.name.removesuffix(".toml")))
            except ConfigError:
                continue  # a broken bundled file is reported when it is chosen, not here


async def start_survey(ctx: Context, notice: Notice) -> Reply:
    """The form of the survey this notice asks for, for the side it was sent to."""
    from bot.core import forms

    role = (notice.data or {}).get("role", "mentee")
    ensure_survey_forms(ctx.programme)
    if notice.kind == surveys.SCHEDULED_SURVEY:
        name = scheduled_form_name(surveys.scheduled_survey_of(ctx.programme, notice), role)
    else:
        name = survey_form_name(ctx.programme, role)
    return await forms.start_form(ctx, name, context={"notice": notice.id, "pair": notice.pair_id, "role": role})


async def _survey_done(ctx: Context, answers: dict[str, Any], context: dict[str, Any]) -> Reply:
    """Sent: the answers are kept (bot.services.surveys); the reply thanks and offers what comes next."""
    role = str(context.get("role") or "mentee")
    notice_id = int(context.get("notice") or 0)
    return ctx.render(await surveys.record_survey(ctx.session, ctx.user, notice_id, role, answers, ctx.now))


_register_bundled()
