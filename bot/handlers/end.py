"""/end a mentorship: choose the reason, confirm knowing who will be told, and (mentees) say thank you."""

from __future__ import annotations

from typing import Any

from bot.core import forms
from bot.core.context import Context
from bot.core.errors import Refusal
from bot.core.forms import Field, Form, register_form
from bot.core.markup import fmt
from bot.core.registry import action, command
from bot.core.replies import Button, Reply
from bot.i18n import N_, _
from bot.services import ending
from bot.services.pairs import open_pairs_of, pair_for
from bot.views.pair_choice import choose_pair, other_of
from storage.models import Pair

SIDES = ("student", "alumnus")


@command("end", help=N_("end your mentorship, with a reason"), roles=SIDES)
async def end_command(ctx: Context) -> Reply:
    chosen = await choose_pair(ctx, "end.pick", _("Which mentorship would you like to end?"))
    if isinstance(chosen, Reply):
        return chosen
    return await _ask_reason(ctx, chosen)


@action("end.pick", roles=SIDES)
async def pick(ctx: Context) -> Reply:
    return await _ask_reason(ctx, await _open_pair(ctx, ctx.event.payload))


async def _open_pair(ctx: Context, pair_id: str) -> Pair:
    pair = await pair_for(ctx.session, ctx.user, pair_id)
    if pair.status == "ended":
        raise Refusal(_("That mentorship has already ended. Nothing was changed."))
    return pair


async def _ask_reason(ctx: Context, pair: Pair) -> Reply:
    other = await other_of(ctx, pair)
    buttons = [[Button(ending.reason_label(key), "end.why", f"{pair.id}.{key}")] for key in ending.REASONS]
    buttons.append([Button(_("Keep the mentorship"), "end.keep", str(pair.id))])
    return Reply(
        fmt(
            _("Why would you like to end your mentorship with {name}? {first} and {office} will see the reason."),
            name=other.name,
            first=other.first_name,
            office=ctx.programme.office,
        ),
        buttons=buttons,
    )


def _split(payload: str) -> tuple[str, str]:
    pair_id, _sep, reason = payload.partition(".")
    if reason not in ending.REASONS:
        raise Refusal(_("That button no longer works. Send /end to start again."))
    return pair_id, reason


@action("end.why", roles=SIDES)
async def confirm(ctx: Context) -> Reply:
    pair_id, reason = _split(ctx.event.payload)
    pair = await _open_pair(ctx, pair_id)
    other = await other_of(ctx, pair)
    consequence = (
        _("Your place becomes free for another student.")
        if ctx.user.id == pair.mentor_id
        else fmt(_("{first}'s place becomes free for another student."), first=other.first_name)
    )
    return Reply(
        fmt(
            _(
                "End your mentorship with {name}? {first} and {office} will be told ({reason}). "
                "{consequence} This can't be undone."
            ),
            name=other.name,
            first=other.first_name,
            office=ctx.programme.office,
            reason=ending.reason_told(reason),
            consequence=consequence,
        ),
        buttons=[
            [
                Button(_("Keep the mentorship"), "end.keep", str(pair.id)),
                Button(_("Yes, end it"), "end.yes", f"{pair.id}.{reason}", style="danger"),
            ]
        ],
        edit=True,
    )


@action("end.keep", roles=SIDES)
async def keep(ctx: Context) -> Reply:
    return Reply(_("Good — nothing was changed. /help lists what you can do."), edit=True)


@action("end.yes", roles=SIDES)
async def end_it(ctx: Context) -> Reply:
    pair_id, reason = _split(ctx.event.payload)
    pair = await _open_pair(ctx, pair_id)
    await ending.end_pair(ctx.session, pair, by=ctx.user, reason=reason, note="", now=ctx.now, programme=ctx.programme)
    reply = await ending.ending_reply(ctx.session, pair, ctx.user, ctx.programme)
    reply.edit = True
    return reply


# --- the thank-you note ------------------------------------------------------------------------------


@action("end.thanks", roles=("student",))
async def thanks(ctx: Context) -> Reply:
    pair = await pair_for(ctx.session, ctx.user, ctx.event.payload)
    if ctx.user.id != pair.mentee_id:
        raise Refusal(_("Thank-you notes go from a student to their mentor."))
    return await forms.start_form(ctx, "thanks", context={"pair": pair.id})


async def _thanks_done(ctx: Context, answers: dict[str, Any], context: dict[str, Any]) -> Reply:
    pair = await pair_for(ctx.session, ctx.user, str(context.get("pair")))
    await ending.send_thanks(ctx.session, pair, ctx.user, str(answers.get("text") or ""), ctx.now)
    mentor = await other_of(ctx, pair)
    text = fmt(_("Sent to {first}. Thank you for taking the time — it will make their day."), first=mentor.first_name)
    if await open_pairs_of(ctx.session, ctx.user):
        return Reply(text)
    # Without a mentor now: the next step is there if they want it, never pressed on them.
    return Reply(
        text + "\n\n" + _("Whenever you'd like another mentor, /mentors shows who has a free place."),
        buttons=[[Button(_("Browse mentors"), "browse.open")]],
    )


register_form(
    Form(
        name="thanks",
        title=N_("A thank-you note"),
        fields=[
            Field(
                "text",
                "text",
                N_("Write your note. Your mentor receives it exactly as you write it."),
                help=N_("For example: Thank you for your time and your honest advice on my CV!"),
                multiline=True,
                max_length=ending.MAX_THANKS,
            )
        ],
        on_complete=_thanks_done,
        submit_label=N_("Send"),
    )
)
