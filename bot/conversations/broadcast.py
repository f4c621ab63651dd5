"""The /broadcast form: whom the career team is writing to (buttons), then the message in their own words.
Finishing it shows the preview (bot.handlers.broadcast renders it); nothing is sent before Confirm."""

from __future__ import annotations

from typing import Any

from bot.core.context import Context
from bot.core.forms import Choice, Field, Form, FormEnv, register_form
from bot.core.replies import Reply
from bot.i18n import N_, _
from bot.services import broadcast

# The buttons, in the order staff meet them (the keys are bot.services.broadcast.AUDIENCES').
LABELS = {
    "mentors": N_("All mentors"),
    "students": N_("All students"),
    "everyone": N_("Everyone"),
    "unmatched": N_("Students without a mentor yet"),
}


def _audiences(env: FormEnv) -> list[Choice]:
    return [Choice(key, _(label)) for key, label in LABELS.items()]


async def _preview(ctx: Context, answers: dict[str, Any], context: dict[str, Any]) -> Reply:
    """Keeps the draft (the service checks again who may send it) and shows it as people will read it."""
    preview = await broadcast.prepare(
        ctx.session,
        ctx.user,
        str(answers.get("audience") or ""),
        str(answers.get("text") or ""),
        ctx.now,
        platforms=set(ctx.core.delivery.transports),
    )
    return ctx.render(preview)


BROADCAST_FORM = register_form(
    Form(
        name="broadcast",
        title=N_("A message from {office}"),
        intro=N_("You'll see a preview, with how many people it reaches, before anything is sent."),
        fields=[
            Field("audience", "choice", N_("Who should receive it?"), choices=_audiences),
            Field(
                "text",
                "text",
                N_("What would you like to tell them? Write it as they will read it."),
                help=N_("For example: Our spring networking evening is on 14 March at 18:00 in the Main Hall."),
                multiline=True,
                max_length=broadcast.MAX_TEXT,
            ),
        ],
        on_complete=_preview,
        cancelled=N_("Cancelled. Nothing was sent."),
        submit_label=N_("Preview"),
    )
)
