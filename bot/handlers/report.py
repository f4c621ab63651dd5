"""/report: anyone tells the career team about a problem; staff take and resolve it from their chat."""

from __future__ import annotations

from typing import Any

from bot.core import forms
from bot.core.context import Context
from bot.core.forms import Choice, Field, Form, FormEnv, register_form
from bot.core.markup import fmt
from bot.core.registry import action, command
from bot.core.replies import Reply
from bot.i18n import N_, _
from bot.services import reports
from bot.services.pairs import pair_for
from bot.views.pair_choice import pair_options

NOT_A_PAIR = "none"


def _about(env: FormEnv) -> list[Choice]:
    choices = [
        Choice(str(pid), _("My mentorship with {name}").format(name=name)) for pid, name in env.context.get("pairs", [])
    ]
    return [*choices, Choice(NOT_A_PAIR, _("Something else"))]


@command("report", help=N_("tell the career team about a problem, in confidence"), roles=("any",))
async def report_command(ctx: Context) -> Reply:
    options = await pair_options(ctx) if ctx.user.role else []
    context: dict[str, Any] = {"pairs": [[pair.id, other.name] for pair, other in options]}
    answers: dict[str, Any] = {}
    if not options:
        answers["_has_about"] = True
    if ctx.event.args.strip():
        context["text"], answers["_has_text"] = ctx.event.args.strip(), True
        if not options:
            return await _file(ctx, None, ctx.event.args)
    return await forms.start_form(ctx, "report", context=context, answers=answers)


async def _file(ctx: Context, pair_id: int | None, text: str) -> Reply:
    await reports.file_report(
        ctx.session, kind="report", reporter_id=ctx.user.id, pair_id=pair_id, text=text, now=ctx.now
    )
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
    return await _file(ctx, pair_id, text)


register_form(
    Form(
        name="report",
        title=N_("Tell the career team"),
        intro=N_("Only the career team reads this. Your mentor or mentee is not told."),
        fields=[
            Field("about", "choice", N_("What is it about?"), choices=_about, when=lambda a: not a.get("_has_about")),
            Field(
                "text",
                "text",
                N_("What's happening? A few sentences are enough."),
                help=N_("For example: My mentor hasn't replied for a month."),
                multiline=True,
                max_length=reports.MAX_TEXT,
                when=lambda a: not a.get("_has_text"),
            ),
        ],
        on_complete=_done,
        submit_label=N_("Send"),
    )
)


# --- staff -----------------------------------------------------------------------------------------------


@action("rep.take", roles=("staff",))
async def take(ctx: Context) -> Reply:
    report = await reports.take(ctx.session, ctx.event.payload, ctx.user, ctx.now)
    card = await reports.staff_card(ctx.session, report, handled_by=ctx.user)
    card.edit = True
    return card


@action("rep.resolve", roles=("staff",))
async def resolve(ctx: Context) -> Reply:
    report = await reports.resolve(ctx.session, ctx.event.payload, ctx.user, ctx.now)
    card = await reports.staff_card(ctx.session, report, handled_by=ctx.user)
    card.edit = True
    return card
