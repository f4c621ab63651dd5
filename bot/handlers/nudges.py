"""The one-tap answers to the scheduler's notices, staff's buttons on escalations, and /quiet.

Every button carries the id of a notice (or a staff report); each press is checked against the database:
the notice must be addressed to the person pressing it, the report must be pressed by staff, and the
mentorship must still be open. A second press of the same answer changes nothing.
"""

from __future__ import annotations

from sqlalchemy import select

from bot.conversations.profile import mentor_answers
from bot.conversations.survey import start_survey
from bot.core import forms
from bot.core.context import Context
from bot.core.dates import day_text
from bot.core.errors import Refusal
from bot.core.forms import today_in
from bot.core.markup import esc, fmt
from bot.core.notices import claim
from bot.core.registry import action, command
from bot.core.replies import Button, Reply
from bot.i18n import N_, _
from bot.services import cases, contacts, ending
from bot.services.checkins import CHECKIN, STAFF_CHECKIN
from bot.services.nudges import NUDGE
from bot.services.reconfirmation import RECONFIRM
from bot.services.surveys import SURVEY
from storage.models import MentorProfile, Notice, Pair, User

SIDES = ("student", "alumnus")
TALKED = {"call": "video", "chat": "chat"}  # the nudge's answer -> the contact method it logs


# --- checks ------------------------------------------------------------------------------------------


def _id(payload: str) -> int:
    if not payload.isdigit():
        raise Refusal(_("That button no longer works. /help shows what you can do now."))
    return int(payload)


async def _own_notice(ctx: Context, *kinds: str) -> Notice:
    """The notice the button belongs to, if it was sent to the person pressing it."""
    notice = await ctx.session.get(Notice, _id(ctx.event.payload))
    if notice is None or notice.kind not in kinds or notice.user_id != ctx.user.id:
        raise Refusal(_("That button isn't for you, so nothing was changed. /help shows what you can do."))
    return notice


async def _open_pair(ctx: Context, pair_id: int | None) -> Pair:
    pair = await ctx.session.get(Pair, pair_id) if pair_id is not None else None
    if pair is None or pair.status == "ended":
        raise Refusal(_("That mentorship has ended, so there's nothing to answer. /help shows what you can do."))
    return pair


async def _other(ctx: Context, pair: Pair) -> User:
    other = await ctx.session.get(User, pair.mentee_id if ctx.user.id == pair.mentor_id else pair.mentor_id)
    assert other is not None  # both sides exist while the pair does
    return other


def _answer(notice: Notice, answer: str, ctx: Context) -> None:
    notice.answer, notice.answered_at = answer, ctx.now


def _pair_names(mentor: User, mentee: User) -> str:
    return fmt(_("{mentor} (mentor) and {mentee} (student)"), mentor=mentor.name, mentee=mentee.name)


async def _names(ctx: Context, pair: Pair) -> str:
    mentor = await ctx.session.get(User, pair.mentor_id)
    mentee = await ctx.session.get(User, pair.mentee_id)
    assert mentor is not None and mentee is not None
    return _pair_names(mentor, mentee)


# --- the "no contact" nudge ----------------------------------------------------------------------------


@action("nudge.call", roles=SIDES)
async def talked_call(ctx: Context) -> Reply:
    return await _talked(ctx, "call")


@action("nudge.chat", roles=SIDES)
async def talked_chat(ctx: Context) -> Reply:
    return await _talked(ctx, "chat")


async def _talked(ctx: Context, how: str) -> Reply:
    notice = await _own_notice(ctx, NUDGE)
    pair = await _open_pair(ctx, notice.pair_id)
    other = await _other(ctx, pair)
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
    _answer(notice, how, ctx)
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
    notice = await _own_notice(ctx, NUDGE)
    pair = await _open_pair(ctx, notice.pair_id)
    other = await _other(ctx, pair)
    if notice.answer != "notyet":
        _answer(notice, "notyet", ctx)
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
    notice = await _own_notice(ctx, NUDGE)
    pair = await _open_pair(ctx, notice.pair_id)
    other = await _other(ctx, pair)
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
    notice = await _own_notice(ctx, NUDGE)
    pair = await _open_pair(ctx, notice.pair_id)
    if notice.answer == "problem":
        return Reply(
            fmt(_("Someone from {office} already knows and will be in touch."), office=ctx.programme.office), edit=True
        )
    _answer(notice, "problem", ctx)
    text = fmt(
        _("<b>A problem reported</b> by {name}, from the monthly reminder: "), name=ctx.user.name
    ) + await _names(ctx, pair)
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
    text += "\n" + await _names(ctx, pair)
    # Nobody reported it: the bot noticed, so no one is told when staff take it.
    await cases.file_case(ctx.session, ctx.now, kind="contradiction", pair_id=pair.id, text=text)


# --- the mid-cycle check-in ------------------------------------------------------------------------------

CHECKIN_ANSWERS = {
    "fine": N_("it's going well"),
    "meh": N_("it could be better"),
    "help": N_("they would like help"),
}


@action("chk.fine", roles=SIDES)
async def checkin_fine(ctx: Context) -> Reply:
    return await _checkin(ctx, "fine")


@action("chk.meh", roles=SIDES)
async def checkin_meh(ctx: Context) -> Reply:
    return await _checkin(ctx, "meh")


@action("chk.help", roles=SIDES)
async def checkin_help(ctx: Context) -> Reply:
    return await _checkin(ctx, "help")


async def _checkin(ctx: Context, answer: str) -> Reply:
    notice = await _own_notice(ctx, CHECKIN)
    pair = await _open_pair(ctx, notice.pair_id)
    if notice.answer is not None:
        return Reply(_("Already noted, thank you! /report reaches the team any time."), edit=True)
    _answer(notice, answer, ctx)
    text = _("<b>Check-in</b> for ") + await _names(ctx, pair) + ": "
    text += fmt(_("{name} says {answer}."), name=ctx.user.name, answer=_(CHECKIN_ANSWERS[answer]))
    if answer == "fine":
        if notice.key.startswith(STAFF_CHECKIN):
            ctx.notify_staff(Reply(text))  # staff asked and wait for every answer, good news included
        return Reply(fmt(_("Lovely to hear, {first}! Keep it up."), first=ctx.user.first_name), edit=True)
    text += "\n" + fmt(_("Last contact: {day}."), day=day_text(pair.last_contact_at, ctx.settings))
    await cases.file_case(ctx.session, ctx.now, kind="checkin", pair_id=pair.id, reporter_id=ctx.user.id, text=text)
    return Reply(
        fmt(
            _("Thank you for being honest, {first}. Someone from {office} will get in touch with you privately, soon."),
            first=ctx.user.first_name,
            office=ctx.programme.office,
        ),
        edit=True,
    )


# --- (staff cases: bot.handlers.cases) --------------------------------------------------------------


# --- the end of the cycle ------------------------------------------------------------------------------


@action("surv.start", roles=SIDES)
async def survey_start(ctx: Context) -> Reply:
    notice = await _own_notice(ctx, SURVEY)
    if notice.answered_at is not None:
        return Reply(_("You've already sent this survey: thank you! Nothing more to do."))
    return await start_survey(ctx, notice)


@action("surv.cont", roles=SIDES)
async def carry_on(ctx: Context) -> Reply:
    notice = await _own_notice(ctx, SURVEY)
    pair = await _open_pair(ctx, notice.pair_id)
    other = await _other(ctx, pair)
    if pair.continue_after_cycle:
        return Reply(fmt(_("Already noted: you and {other} carry on informally."), other=other.first_name))
    pair.continue_after_cycle = True
    ctx.notify(
        other.id,
        Reply(
            fmt(
                _(
                    "{name} would like to carry on informally after the programme. Lovely! Nothing changes for you; "
                    "either of you can end it any time with /end."
                ),
                name=ctx.user.name,
            )
        ),
    )
    return Reply(
        fmt(
            _("Lovely! You and {other} carry on as you like, without the monthly reminders. /end closes it any time."),
            other=other.first_name,
        )
    )


@action("surv.close", roles=SIDES)
async def close_after_cycle(ctx: Context) -> Reply:
    notice = await _own_notice(ctx, SURVEY)
    pair = await _open_pair(ctx, notice.pair_id)
    other = await _other(ctx, pair)
    return Reply(
        fmt(
            _("Close your mentorship with {other}? They and {office} are told, and it can't be reopened."),
            other=other.first_name,
            office=ctx.programme.office,
        ),
        buttons=[
            [
                Button(_("Keep it"), "surv.keep", str(notice.id)),
                Button(_("Yes, close it"), "surv.closeok", str(notice.id), style="danger"),
            ]
        ],
    )


@action("surv.keep", roles=SIDES)
async def keep_after_cycle(ctx: Context) -> Reply:
    return Reply(_("Good — nothing was changed."), edit=True)


@action("surv.closeok", roles=SIDES)
async def close_confirmed_after_cycle(ctx: Context) -> Reply:
    notice = await _own_notice(ctx, SURVEY)
    pair = await _open_pair(ctx, notice.pair_id)
    await ending.end_pair(ctx.session, pair, by=ctx.user, reason="cycle", note="", now=ctx.now, programme=ctx.programme)
    reply = await ending.ending_reply(ctx.session, pair, ctx.user, ctx.programme)
    reply.edit = True
    return reply


# --- the yearly profile reconfirmation ---------------------------------------------------------------


@action("reconf.ok", roles=("alumnus",))
async def still_up_to_date(ctx: Context) -> Reply:
    notice = await _own_notice(ctx, RECONFIRM)
    profile = await ctx.session.get(MentorProfile, ctx.user.id)
    if profile is None:
        raise Refusal(_("Only mentors have a profile to confirm. /profile shows yours."))
    profile.confirmed_at = ctx.now
    _answer(notice, "confirmed", ctx)
    if not profile.active:
        return Reply(
            _("Thank you! Your profile is confirmed. It is hidden at the moment: send /resume to show it to students."),
            buttons=[[Button(_("Resume now"), "profile.resume", style="primary")]],
            edit=True,
        )
    return Reply(_("Thank you! Your profile stays as it is, and students keep finding you."), edit=True)


@action("reconf.edit", roles=("alumnus",))
async def edit_profile(ctx: Context) -> Reply:
    await _own_notice(ctx, RECONFIRM)
    profile = await ctx.session.get(MentorProfile, ctx.user.id)
    if profile is None:
        raise Refusal(_("Only mentors have a profile to confirm. /profile shows yours."))
    # Saving the form confirms the profile (its confirmed_at moves), which the pause sweep reads.
    return await forms.start_form(ctx, "mentor", answers=mentor_answers(ctx.user, profile))


# --- quiet --------------------------------------------------------------------------------------------


@command("quiet", help=N_("pause the bot's reminders"), roles=("member",))
async def quiet(ctx: Context) -> Reply:
    ctx.user.reminders_paused = True
    return Reply(
        _(
            "Done: no more reminders from the bot until you send /unquiet. Messages from your match and "
            "from the career team still reach you."
        ),
        buttons=[[Button(_("Turn reminders back on"), "quiet.off")]],
    )


@command("unquiet", help=N_("turn the bot's reminders back on"), roles=("member",))
async def unquiet(ctx: Context) -> Reply:
    ctx.user.reminders_paused = False
    return Reply(_("Reminders are back on. You'll hear from the bot at most once a day, in your daytime."))


@action("quiet.off", roles=("member",))
async def unquiet_button(ctx: Context) -> Reply:
    return await unquiet(ctx)
