"""The end-of-cycle evaluation survey, one form per programme and role, built from the programme's questions.

The questions live in the programme definition, so the forms are registered from it: for the bundled
programmes when this module is imported (a form in progress survives a restart), and for any other
programme file when the scheduler or a survey button first meets it.
"""

from __future__ import annotations

import zlib
from importlib import resources
from typing import Any

from bot.config import ConfigError
from bot.core.context import Context
from bot.core.forms import FORMS, Choice, Field, Form, register_form
from bot.core.registry import on_programme
from bot.core.replies import Reply
from bot.i18n import N_
from bot.programme import Programme, SurveyQuestion, load_programme
from bot.services import surveys
from storage.models import Notice

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
    """Sent: the answers are kept (bot.services.surveys); the reply thanks and offers what comes next."""
    role = str(context.get("role") or "mentee")
    notice_id = int(context.get("notice") or 0)
    return ctx.render(await surveys.record_survey(ctx.session, ctx.user, notice_id, role, answers, ctx.now))


_register_bundled()
