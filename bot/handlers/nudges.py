"""The one-tap answers to the "no contact" nudge: we talked, not yet (with a message ready to send), a problem.

Every button carries the id of the nudge's notice; each press is checked against the database (the notice
was sent to the person pressing it, the mentorship is still open), and a second press changes nothing.
"""

from __future__ import annotations

from sqlalchemy import select

from bot.core.context import Context
from bot.core.dates import day_text
from bot.core.forms import today_in
from bot.core.markup import esc, fmt
from bot.core.notices import claim
from bot.core.registry import action
from bot.core.replies import Button, Reply
from bot.i18n import _
from bot.services import cases, contacts
from bot.services.nudges import NUDGE, answer, notice_for, open_pair_of, other_in, pair_names
from storage.models import Notice, Pair, User

SIDES = ("student", "alumnus")
TALKED = {"call": "video", "chat": "chat"}  # the nudge's answer -> the contact method it logs


# --- the "no contact" nudge ----------------------------------------------------------------------------


@action("nudge.call", roles=SIDES)
async def talked_call(ctx: Context) -> Reply:
    return await _talked(ctx, "call")


@action("nudge.chat", roles=SIDES)
async def talked_chat(ctx: Context) -> Reply:
    return await _talked(ctx, "chat")


async def _talked(ctx: Context, how: str) -> Reply:
    notice = await notice_for(ctx.session, ctx.user, ctx.event.payload, NUDGE)
    pair = await open_pair_of(ctx.session, notice)
    other = await other_in(ctx.session, pair, ctx.user)
    if notice.answer in TALKED:
        return Reply(fmt(_("Already noted: you talked with {other}. Thank you!"), other=other.first_name), edit=True)
    await contacts.record_contact(
        ctx.session,
        pair,
        author_id=ctx.user.id,
        happened_on=today_in(ctx),
        method=TALKED[how],
        source="nudge",
        now=ctx.now,
    )
    answer(notice, how, ctx.now)
    await _check_contradiction(ctx, notice, pair)
    return Reply(
        fmt(
            _("Lovely, logged for today. Keep it up with {other}! To add what you talked about, /log it."),
            other=other.first_name,
        ),
        edit=True,
    )


@action("nudge.notyet", roles=SIDES)
async def not_yet(ctx: Context) -> Reply:
    notice = await notice_for(ctx.session, ctx.user, ctx.event.payload, NUDGE)
    pair = await open_pair_of(ctx.session, notice)
    other = await other_in(ctx.session, pair, ctx.user)
    if notice.answer != "notyet":
        answer(notice, "notyet", ctx.now)
        await _check_contradiction(ctx, notice, pair)
    lines = [
        fmt(
            _("No problem, {first}. Busy months happen. Here's a message you could send {other}:"),
            first=ctx.user.first_name,
            other=other.first_name,
        ),
        f"<i>{esc(_ready_message(ctx, pair, other))}</i>",
    ]
    if other.contact_details:
        lines.append(
            fmt(_("{other} is reachable at {contact}."), other=other.first_name, contact=other.contact_details)
        )
    buttons = (
        []
        if (notice.data or {}).get("sent")
        else [[Button(_("Send it for me"), "nudge.send", str(notice.id), style="primary")]]
    )
    return Reply("\n\n".join(lines), buttons=buttons, edit=True)


def _ready_message(ctx: Context, pair: Pair, other: User) -> str:
    if ctx.user.id == pair.mentee_id:
        template = _(
            "Hi {other}! It's been a while and I'd love to catch up. Would you have 30 minutes in the next two "
            "weeks? Any day that suits you works for me. Thank you! {me}"
        )
    else:
        template = _(
            "Hi {other}! How are things going? Shall we find 30 minutes for a catch-up in the next two weeks? "
            "Tell me a day that suits you. {me}"
        )
    return template.format(other=other.first_name, me=ctx.user.first_name)


@action("nudge.send", roles=SIDES)
async def send_ready_message(ctx: Context) -> Reply:
    notice = await notice_for(ctx.session, ctx.user, ctx.event.payload, NUDGE)
    pair = await open_pair_of(ctx.session, notice)
    other = await other_in(ctx.session, pair, ctx.user)
    if (notice.data or {}).get("sent"):
        return Reply(fmt(_("Already sent to {other}. Now it's their turn!"), other=other.first_name), edit=True)
    notice.data = {**(notice.data or {}), "sent": True}
    text = (
        fmt(_("A message from {name}:"), name=ctx.user.name)
        + "\n\n"
        + f"<i>{esc(_ready_message(ctx, pair, other))}</i>"
    )
    if ctx.user.contact_details:
        text += "\n\n" + fmt(_("Reply to them directly: {contact}"), contact=ctx.user.contact_details)
    ctx.notify(other.id, Reply(text))
    return Reply(
        fmt(_("Sent to {other}. Once you've talked, /log it (or tap the answer next month)."), other=other.first_name),
        edit=True,
    )


@action("nudge.problem", roles=SIDES)
async def problem(ctx: Context) -> Reply:
    notice = await notice_for(ctx.session, ctx.user, ctx.event.payload, NUDGE)
    pair = await open_pair_of(ctx.session, notice)
    if notice.answer == "problem":
        return Reply(
            fmt(_("Someone from {office} already knows and will be in touch."), office=ctx.programme.office), edit=True
        )
    answer(notice, "problem", ctx.now)
    text = fmt(
        _("<b>A problem reported</b> by {name}, from the monthly reminder: "), name=ctx.user.name
    ) + await pair_names(ctx.session, pair)
    text += "\n" + fmt(_("Last contact: {day}."), day=day_text(pair.last_contact_at, ctx.settings))
    await cases.file_case(ctx.session, ctx.now, kind="problem", pair_id=pair.id, reporter_id=ctx.user.id, text=text)
    return Reply(
        fmt(
            _(
                "Thank you for telling us, {first}. Someone from {office} will get in touch with you privately, soon; "
                "your match is not told. If you'd like to add details now, send /report."
            ),
            first=ctx.user.first_name,
            office=ctx.programme.office,
        ),
        edit=True,
    )


async def _check_contradiction(ctx: Context, notice: Notice, pair: Pair) -> None:
    """One side says they talked, the other says not yet: staff are told once."""
    prefix = notice.key.rsplit(":", 1)[0] + ":"
    others = await ctx.session.scalars(
        select(Notice).where(Notice.pair_id == pair.id, Notice.kind == NUDGE, Notice.key.like(prefix + "%"))
    )
    other = next((n for n in others if n.id != notice.id and n.answer is not None), None)
    if (
        other is None
        or (notice.answer in TALKED) == (other.answer in TALKED)
        or "problem" in (notice.answer, other.answer)
    ):
        return
    if (
        await claim(ctx.session, "contra:" + prefix.removeprefix("nudge:"), "contradiction", ctx.now, pair_id=pair.id)
        is None
    ):
        return
    talked, waiting = (notice, other) if notice.answer in TALKED else (other, notice)
    said_talked = await ctx.session.get(User, talked.user_id)
    said_not = await ctx.session.get(User, waiting.user_id)
    text = fmt(
        _("<b>Answers that don't match</b> on the monthly reminder: {a} says they talked, {b} says not yet."),
        a=said_talked.name if said_talked else "?",
        b=said_not.name if said_not else "?",
    )
    text += "\n" + await pair_names(ctx.session, pair)
    # Nobody reported it: the bot noticed, so no one is told when staff take it.
    await cases.file_case(ctx.session, ctx.now, kind="contradiction", pair_id=pair.id, text=text)
