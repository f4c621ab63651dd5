"""The "no contact" nudge: how it reads, and its one-tap answers (we talked, not yet, a problem).

Every button carries the id of the nudge's notice; the rules (whose notice it is, what an answer records)
are in bot.services.nudges, and a second press of the same answer changes nothing.
"""

from __future__ import annotations

from bot.core.context import Context
from bot.core.dates import day_text
from bot.core.markup import esc, fmt
from bot.core.registry import RenderEnv, action, renders
from bot.core.replies import Button, Reply
from bot.i18n import N_, _, ngettext
from bot.services import nudges
from bot.services.nudges import (
    AnswersDisagree,
    Escalated,
    EscalationTold,
    NotYet,
    Nudge,
    ProblemNoted,
    ProblemReported,
    ReadyMessage,
    ReadyMessageSent,
    SideAnswers,
    Talked,
)
from bot.views import pair_names
from storage.models import User

SIDES = ("student", "alumnus")


# --- the nudge and the note that staff were told ----------------------------------------------------------


def quiet_period(days: int) -> str:
    """How long it has been, as a person says it: '10 days', '3 weeks', 'a month', 'about 2 months'."""
    days = max(days, 1)
    if 28 <= days <= 31:
        return _("a month")
    if days < 14:
        return ngettext("{n} day", "{n} days", days).format(n=days)
    if days < 56:
        return ngettext("{n} week", "{n} weeks", days // 7).format(n=days // 7)
    months = round(days / 30.4)
    return ngettext("about {n} month", "about {n} months", months).format(n=months)


@renders(Nudge)
def _nudge(nudge: Nudge, env: RenderEnv) -> Reply:
    text = fmt(
        _(
            "Hi {first}! It's been {period} since you and {other} last caught up (as far as the bot knows). "
            "Have you talked? One tap is enough:"
        ),
        first=nudge.person.first_name,
        period=quiet_period(nudge.days),
        other=nudge.other.first_name,
    )
    payload = str(nudge.notice_id)
    return Reply(
        text,
        buttons=[
            [
                Button(_("We talked (call/video)"), "nudge.call", payload),
                Button(_("We talked (chat/e-mail)"), "nudge.chat", payload),
            ],
            [Button(_("Not yet"), "nudge.notyet", payload), Button(_("There is a problem"), "nudge.problem", payload)],
        ],
    )


@renders(EscalationTold)
def _escalation_told(told: EscalationTold, env: RenderEnv) -> Reply:
    return Reply(
        fmt(
            _(
                "Just so you know, {first}: someone from {office} may get in touch to hear how things are "
                "going with {other}. Nothing to worry about, we simply like to help when things go quiet. "
                "If you have met, /log it and we'll know."
            ),
            first=told.person.first_name,
            office=env.programme.office,
            other=told.other.first_name,
        )
    )


# --- we talked ----------------------------------------------------------------------------------------------


@action("nudge.call", roles=SIDES)
async def talked_call(ctx: Context) -> Reply:
    return await _talked(ctx, "call")


@action("nudge.chat", roles=SIDES)
async def talked_chat(ctx: Context) -> Reply:
    return await _talked(ctx, "chat")


async def _talked(ctx: Context, how: str) -> Reply:
    reply = ctx.render(await nudges.answer_talked(ctx.session, ctx.user, ctx.event.payload, how, ctx.now, ctx.settings))
    reply.edit = True
    return reply


@renders(Talked)
def _talked_reply(talked: Talked, env: RenderEnv) -> Reply:
    if talked.already:
        return Reply(fmt(_("Already noted: you talked with {other}. Thank you!"), other=talked.other.first_name))
    return Reply(
        fmt(
            _("Lovely, logged for today. Keep it up with {other}! To add what you talked about, /log it."),
            other=talked.other.first_name,
        )
    )


# --- not yet: a message ready to send ------------------------------------------------------------------------


@action("nudge.notyet", roles=SIDES)
async def not_yet(ctx: Context) -> Reply:
    reply = ctx.render(await nudges.answer_not_yet(ctx.session, ctx.user, ctx.event.payload, ctx.now))
    reply.edit = True
    return reply


def ready_message(author: User, recipient: User, *, author_is_mentee: bool) -> str:
    """A catch-up message the author could send, in their words (a student asks, a mentor offers)."""
    if author_is_mentee:
        template = _(
            "Hi {other}! It's been a while and I'd love to catch up. Would you have 30 minutes in the next two "
            "weeks? Any day that suits you works for me. Thank you! {me}"
        )
    else:
        template = _(
            "Hi {other}! How are things going? Shall we find 30 minutes for a catch-up in the next two weeks? "
            "Tell me a day that suits you. {me}"
        )
    return template.format(other=recipient.first_name, me=author.first_name)


@renders(NotYet)
def _not_yet(answer: NotYet, env: RenderEnv) -> Reply:
    message = ready_message(answer.person, answer.other, author_is_mentee=answer.person_is_mentee)
    lines = [
        fmt(
            _("No problem, {first}. Busy months happen. Here's a message you could send {other}:"),
            first=answer.person.first_name,
            other=answer.other.first_name,
        ),
        f"<i>{esc(message)}</i>",
    ]
    if answer.contact:
        lines.append(
            fmt(_("{other} is reachable at {contact}."), other=answer.other.first_name, contact=answer.contact)
        )
    send = Button(_("Send it for me"), "nudge.send", str(answer.notice_id), style="primary")
    return Reply("\n\n".join(lines), buttons=[] if answer.sent else [[send]])


@action("nudge.send", roles=SIDES)
async def send_ready_message(ctx: Context) -> Reply:
    reply = ctx.render(await nudges.send_ready_message(ctx.session, ctx.user, ctx.event.payload, ctx.now))
    reply.edit = True
    return reply


@renders(ReadyMessage)
def _ready_message(message: ReadyMessage, env: RenderEnv) -> Reply:
    words = ready_message(message.author, message.recipient, author_is_mentee=message.author_is_mentee)
    text = fmt(_("A message from {name}:"), name=message.author.name) + "\n\n" + f"<i>{esc(words)}</i>"
    if message.contact:
        text += "\n\n" + fmt(_("Reply to them directly: {contact}"), contact=message.contact)
    return Reply(text)


@renders(ReadyMessageSent)
def _ready_message_sent(sent: ReadyMessageSent, env: RenderEnv) -> Reply:
    if sent.already:
        return Reply(fmt(_("Already sent to {other}. Now it's their turn!"), other=sent.other.first_name))
    return Reply(
        fmt(
            _("Sent to {other}. Once you've talked, /log it (or tap the answer next month)."),
            other=sent.other.first_name,
        )
    )


# --- there is a problem --------------------------------------------------------------------------------------


@action("nudge.problem", roles=SIDES)
async def problem(ctx: Context) -> Reply:
    reply = ctx.render(await nudges.report_problem(ctx.session, ctx.user, ctx.event.payload, ctx.now, ctx.settings))
    reply.edit = True
    return reply


@renders(ProblemNoted)
def _problem_noted(noted: ProblemNoted, env: RenderEnv) -> Reply:
    if noted.already:
        return Reply(fmt(_("Someone from {office} already knows and will be in touch."), office=env.programme.office))
    return Reply(
        fmt(
            _(
                "Thank you for telling us, {first}. Someone from {office} will get in touch with you privately, soon; "
                "your match is not told. If you'd like to add details now, send /report."
            ),
            first=noted.person.first_name,
            office=env.programme.office,
        )
    )


# --- what staff read when a pair stays silent, a problem is reported, or answers disagree ---------------

NUDGE_ANSWERS = {
    "call": N_("we talked (call/video)"),
    "chat": N_("we talked (chat/e-mail)"),
    "notyet": N_("not yet"),
    "problem": N_("there is a problem"),
}


def _answers_line(answers: tuple[SideAnswers, ...]) -> str:
    """What each side answered to the reminders, for staff: 'Alex: not yet; Aigerim: no answer'."""
    parts = []
    for side in answers:
        said = [_(NUDGE_ANSWERS.get(code, code)) for code in side.answers]
        if not side.reached:
            said = [_("reminders paused, so none reached them")]  # silence that is not a refusal to answer
        parts.append(fmt(_("{name}: {said}"), name=side.first_name, said=", ".join(said) if said else _("no answer")))
    return _("Their answers: ") + "; ".join(parts) + "."


@renders(Escalated)
def _escalated(case: Escalated, env: RenderEnv) -> Reply:
    settings = env.settings
    lines = [
        fmt(
            _("<b>No contact logged</b> between {mentor} (mentor) and {mentee} (student) for {days} days."),
            mentor=case.mentor.name,
            mentee=case.mentee.name,
            days=case.days,
        ),
        fmt(
            _("Together since {start}; last contact {last}; reminders sent {sent}, with no contact logged since."),
            start=day_text(case.pair.started_at, settings),
            last=day_text(case.pair.last_contact_at, settings),
            sent=", ".join(day_text(moment, settings) for moment in case.reminders) or _("none"),
        ),
        _answers_line(case.answers),
    ]
    return Reply("\n".join(lines))


@renders(ProblemReported)
def _problem_reported(case: ProblemReported, env: RenderEnv) -> Reply:
    text = fmt(_("<b>A problem reported</b> by {name}, from the monthly reminder: "), name=case.reporter.name)
    text += pair_names(case.mentor, case.mentee)
    text += "\n" + fmt(_("Last contact: {day}."), day=day_text(case.pair.last_contact_at, env.settings))
    return Reply(text)


@renders(AnswersDisagree)
def _answers_disagree(case: AnswersDisagree, env: RenderEnv) -> Reply:
    text = fmt(
        _("<b>Answers that don't match</b> on the monthly reminder: {a} says they talked, {b} says not yet."),
        a=case.said_talked.name if case.said_talked else "?",
        b=case.said_not.name if case.said_not else "?",
    )
    return Reply(text + "\n" + pair_names(case.mentor, case.mentee))
