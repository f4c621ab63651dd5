"""The /office form: what the student would like from the office (the programme's `office_request`, such
as an individual interview with the alumni career department), in their words. Only the office reads it."""

from __future__ import annotations

from typing import Any

from bot.core.context import Context
from bot.core.forms import Field, Form, register_form
from bot.core.markup import fmt
from bot.core.registry import on_programme
from bot.core.replies import Reply
from bot.i18n import N_, _
from bot.programme import Programme
from bot.services import cases


def _message_field(prompt: str) -> Field:
    return Field(
        "text",
        "text",
        prompt,
        help=N_("For example: I'd like to prepare my first job interviews."),
        multiline=True,
        max_length=cases.MAX_TEXT,
    )


async def send_office_request(ctx: Context, text: str) -> Reply:
    """File the request (the service re-checks who may ask) and tell the student what happens next."""
    await cases.ask_office(ctx.session, ctx.now, ctx.user, text, ctx.programme)
    offer = ctx.programme.office_request
    return Reply(
        fmt(
            _(
                "Thank you, {first}. Your request for {label} is with {office}, who will contact you here to "
                "arrange it. Only they read it."
            ),
            first=ctx.user.first_name or _("friend"),
            label=offer.label if offer else "",
            office=ctx.programme.office,
        )
    )


async def _done(ctx: Context, answers: dict[str, Any], context: dict[str, Any]) -> Reply:
    return await send_office_request(ctx, str(answers.get("text") or ""))


OFFICE_FORM = register_form(
    Form(
        name="office",
        title=N_("Your request to the office"),
        fields=[_message_field(N_("What would you like to talk about?"))],
        on_complete=_done,
        submit_label=N_("Send"),
    )
)


@on_programme
def ask_the_programmes_prompt(programme: Programme) -> None:
    """The question is the programme's own ('What would you like to talk about in the interview?')."""
    if programme.office_request is not None:
        OFFICE_FORM.fields[0] = _message_field(programme.office_request.prompt)
