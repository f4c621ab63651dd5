"""The /report form: what it is about (one of the person's mentorships, or something else) and what is
happening, in their words. Only the career team reads it."""

from __future__ import annotations

from typing import Any

from bot.core.context import Context
from bot.core.forms import Choice, Field, Form, FormEnv, register_form
from bot.core.markup import fmt
from bot.core.replies import Reply
from bot.i18n import N_, _
from bot.services import cases
from bot.services.pairs import pair_for

NOT_A_PAIR = "none"


def _about(env: FormEnv) -> list[Choice]:
    choices = [
        Choice(str(pid), _("My mentorship with {name}").format(name=name)) for pid, name in env.context.get("pairs", [])
    ]
    return [*choices, Choice(NOT_A_PAIR, _("Something else"))]


async def file_report(ctx: Context, pair_id: int | None, text: str) -> Reply:
    await cases.file_case(ctx.session, ctx.now, kind="report", reporter_id=ctx.user.id, pair_id=pair_id, text=text)
    return Reply(
        fmt(
            _(
                "Thank you for telling us, {first}. Your message is with {office}, who will get back to you "
                "here soon. Only they can read it."
            ),
            first=ctx.user.first_name or _("friend"),
            office=ctx.programme.office,
        )
    )


async def _done(ctx: Context, answers: dict[str, Any], context: dict[str, Any]) -> Reply:
    about = str(answers.get("about") or NOT_A_PAIR)
    pair_id = None
    if about != NOT_A_PAIR:
        pair_id = (await pair_for(ctx.session, ctx.user, about)).id  # re-checked: a payload proves nothing
    text = str(answers.get("text") or context.get("text") or "")
    return await file_report(ctx, pair_id, text)


register_form(
    Form(
        name="report",
        title=N_("Tell {office}"),
        intro=N_("Only {office} reads this. Your mentor or mentee is not told."),
        fields=[
            Field("about", "choice", N_("What is it about?"), choices=_about, when=lambda a: not a.get("_has_about")),
            Field(
                "text",
                "text",
                N_("What's happening? A few sentences are enough."),
                help=N_("For example: My mentor hasn't replied for a month."),
                multiline=True,
                max_length=cases.MAX_TEXT,
                when=lambda a: not a.get("_has_text"),
            ),
        ],
        on_complete=_done,
        submit_label=N_("Send"),
    )
)
