"""Confirming a cohort's import: one question, asked under the preview of the checked file.

The checked rows wait in the form's progress (saved, so a restart or another process keeps them) until the
staff member confirms; confirming checks them again and creates every invitation, or none.
"""

from __future__ import annotations

from typing import Any

from bot.core import forms
from bot.core.context import Context
from bot.core.errors import Refusal
from bot.core.forms import Choice, Field, Form, FormEnv, register_form
from bot.core.replies import Reply
from bot.i18n import N_, _
from bot.services import invitations

FORM = "invite"


def _choices(env: FormEnv) -> list[Choice]:
    return [Choice("yes", _("Confirm")), Choice("no", _("Don't invite them"))]


async def _decided(ctx: Context, answers: dict[str, Any], context: dict[str, Any]) -> list[Reply]:
    """Confirm: every invitation is created (the e-mails leave once they are saved); otherwise nothing is."""
    if not ctx.user.is_staff:  # re-checked from the database: staff may have left the team since the preview
        raise Refusal(_("That command is for the career team only."))
    if answers.get("confirm") != "yes":
        return [Reply(_("Nothing was imported and nobody was invited. Send the file again whenever you like."))]
    outcome = await invitations.confirm(
        ctx.session, ctx.user, list(context.get("rows") or []), ctx.now, ctx.settings, ctx.programme
    )
    if isinstance(outcome, invitations.CohortInvited):
        invitations.mail_later(ctx.session, ctx.core, ctx.user, outcome.invitation_ids)
    return [ctx.render(outcome)]


CONFIRM = register_form(
    Form(
        name=FORM,
        title=N_("Inviting a cohort"),
        fields=[Field("confirm", "choice", N_("Shall I invite them?"), choices=_choices)],
        on_complete=_decided,
        cancelled=N_("Nothing was imported and nobody was invited. Send the file again whenever you like."),
    )
)


async def ask_to_confirm(ctx: Context, checked: invitations.ImportChecked, preview: str) -> Reply:
    """The preview with Confirm under it; the checked rows are kept with the question."""
    reply = await forms.start_form(ctx, FORM, context={"rows": invitations.rows_to_keep(checked)})
    reply.text = preview + "\n\n" + reply.text
    reply.form = None  # a choice of two buttons, on every platform (no modal for it)
    return reply
