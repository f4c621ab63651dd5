"""/end a mentorship: choose the reason, confirm knowing who will be told, and (mentees) say thank you; how an
ending reads for each side and for the career team."""

from __future__ import annotations

from typing import Any

from bot.core import forms
from bot.core.context import Context
from bot.core.errors import Refusal
from bot.core.forms import Field, Form, register_form
from bot.core.markup import esc, fmt
from bot.core.registry import RenderEnv, action, command, renders
from bot.core.replies import Button, Reply
from bot.i18n import N_, _, date_text
from bot.services import ending
from bot.services.ending import MenteeNextSteps, PairClosed, PairClosedForStaff, ThanksReceived, YouEnded
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
            reason=ending.reason_told(reason, ctx.programme),
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
    reply = ctx.render(await ending.ended_by(ctx.session, pair, ctx.user, ctx.programme))
    reply.edit = True
    return reply


# --- how an ending reads ------------------------------------------------------------------------------


def _with_next_steps(text: str, steps: MenteeNextSteps | None) -> Reply:
    """Add the thank-you invitation, and other mentors when the fit was the problem."""
    buttons: list[list[Button]] = []
    if steps is not None and steps.invite_thanks:
        text += "\n\n" + _("If you'd like to, send your mentor a short thank-you note: it means a lot to them.")
        buttons.append([Button(_("Write a thank-you note"), "end.thanks", str(steps.pair.id), style="primary")])
    if steps is not None and steps.matches:
        lines = [_("Other mentors who might suit you:")]
        lines += [f"• <b>{esc(m.mentor.name)}</b> — {m.reason}" for m in steps.matches]
        text += "\n\n" + "\n".join(lines)
        buttons.append([Button(_("Browse mentors"), "browse.open")])
    return Reply(text, buttons=buttons)


@renders(YouEnded)
def _you_ended(ended: YouEnded, env: RenderEnv) -> Reply:
    text = fmt(
        _("Done: your mentorship with {name} has ended. We've let {first} and {office} know. Thank you!"),
        name=ended.other.name if ended.other else "",
        first=ended.other.first_name if ended.other else "",
        office=env.programme.office,
    )
    return _with_next_steps(text, ended.next_steps) if ended.next_steps is not None else Reply(text)


@renders(PairClosed)
def _pair_closed(closed: PairClosed, env: RenderEnv) -> Reply:
    pair, side, other = closed.pair, closed.side, closed.other
    if closed.reason == "rematch" and side.id == pair.mentee_id:
        # One message for the student: the close and the way on (other mentors follow in the same one).
        text = fmt(
            _("{first}, your mentorship with {name} has been closed: let's find you a mentor with more time for you."),
            first=side.first_name,
            name=other.name,
        )
    elif closed.by is None:
        text = fmt(
            _("Your mentorship with {name} has been closed ({reason}). Thank you for the time you gave it."),
            name=other.name,
            reason=ending.reason_told(closed.reason, env.programme),
        )
    else:
        text = fmt(
            _(
                "{name} has ended your mentorship ({reason}). Thank you for the time you gave it — "
                "it counts, whatever the outcome."
            ),
            name=other.name,
            reason=ending.reason_told(closed.reason, env.programme),
        )
    if side.id == pair.mentor_id:
        text += "\n" + _("Your place is free again, so another student can find you.")
    return _with_next_steps(text, closed.next_steps) if closed.next_steps is not None else Reply(text)


@renders(PairClosedForStaff)
def _pair_closed_for_staff(closed: PairClosedForStaff, env: RenderEnv) -> Reply:
    who = closed.by.name if closed.by is not None else fmt(_("{office} or the schedule"), office=env.programme.office)
    lines = [
        fmt(
            _("Mentorship ended: {mentor} (mentor) and {mentee} (student), ended by {who}. Reason: {reason}."),
            mentor=closed.mentor.name,
            mentee=closed.mentee.name,
            who=who,
            reason=ending.reason_told(closed.reason, env.programme),
        )
    ]
    if closed.pair.started_at is not None:
        lines.append(fmt(_("Together since {day}."), day=date_text(closed.pair.started_at)))
    if closed.note.strip():
        lines.append(fmt(_("Note: {note}"), note=closed.note.strip()))
    return Reply("\n".join(lines))


@renders(ThanksReceived)
def _thanks_received(thanks: ThanksReceived, env: RenderEnv) -> Reply:
    return Reply(fmt(_("A thank-you note from {name}:\n\n<i>{text}</i>"), name=thanks.author.name, text=thanks.text))


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
