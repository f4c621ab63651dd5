"""The two short forms around a request: the student's Interested message, and a mentor's optional reason
for declining. The request id / mentor id travel in the form's context and are re-checked on completion."""

from __future__ import annotations

from typing import Any

from bot.core.context import Context
from bot.core.forms import Field, Form, FormEnv, register_form
from bot.core.markup import esc, fmt
from bot.core.replies import Button, Reply
from bot.i18n import N_, _, ngettext
from bot.services import requests
from bot.services.matching import median_answer_days
from storage.models import User


def _message_long_enough(value: Any, env: FormEnv) -> str | None:
    if len(str(value).strip()) < requests.MIN_MESSAGE:
        return _("Please write a sentence or two: why this mentor, and what you hope for. For example: ") + _(
            "'I'd love your advice on my CV for software internships.'"
        )
    return None


async def _request_done(ctx: Context, answers: dict[str, Any], context: dict[str, Any]) -> list[Reply]:
    mentor_id = int(context.get("mentor", 0))
    decision = await requests.may_request(ctx.session, ctx.user, mentor_id, ctx.programme, ctx.now)
    if not decision:
        # The mentor paused, filled up or left while the student was writing: a retry can't succeed, so the
        # form closes (an answer, not a refusal, keeps that) and the student is pointed at other mentors.
        if decision.rule == "has_mentor":  # matched meanwhile: browsing isn't next
            return [Reply(decision.reason)]
        return [Reply(decision.reason, buttons=[[Button(_("Browse mentors"), "browse.open")]])]
    request = await requests.send_request(ctx.session, ctx.user, mentor_id, answers["message"], ctx.now, ctx.programme)
    mentor = await ctx.session.get(User, request.mentor_id)
    assert mentor is not None
    waiting = await requests.count_pending(ctx.session, ctx.user.id)
    days = (await median_answer_days(ctx.session, [mentor.id])).get(mentor.id)
    when = _answer_time(mentor, days)
    text = (
        fmt(_("Sent! {name} has your message and your profile (not your contact details)."), name=mentor.first_name)
        + " "
        + when
        + "\n\n"
        + fmt(
            _("You have {n} of {most} requests waiting. /requests shows them and lets you withdraw one."),
            n=waiting,
            most=ctx.programme.max_pending_requests,
        )
    )
    return [
        Reply(
            text,
            buttons=[[Button(_("Browse more mentors"), "browse.open"), Button(_("My requests"), "req.list")]],
        )
    ]


def _answer_time(mentor: User, days: float | None) -> str:
    """When the student may expect an answer, in the words the mentor's card uses."""
    if days is None:
        return fmt(_("{name} will answer here as soon as they can."), name=mentor.first_name)
    if days <= 1:
        return fmt(_("{name} usually answers within a day."), name=mentor.first_name)
    whole = int(-(-days // 1))  # rounded up, as on the card
    return ngettext("{name} usually answers within {n} day.", "{name} usually answers within {n} days.", whole).format(
        name=esc(mentor.first_name), n=whole
    )


async def _decline_done(ctx: Context, answers: dict[str, Any], context: dict[str, Any]) -> list[Reply]:
    waiting = await requests.request_for_mentor(ctx.session, ctx.user, int(context.get("request", 0)))
    if waiting.status != "pending":
        # Withdrawn (or closed) while the mentor wrote the reason: nothing left to decline, so the form
        # closes with a plain answer rather than asking again for a reason that can't be sent.
        return [
            Reply(
                _("That request was withdrawn or closed meanwhile, so there's nothing to answer. Thank you!"),
                buttons=[[Button(_("Requests waiting for me"), "req.list")]],
            )
        ]
    request = await requests.decline_request(
        ctx.session,
        ctx.user,
        int(context.get("request", 0)),
        answers.get("reason") or "",
        ctx.now,
        ctx.programme,
    )
    mentee = await ctx.session.get(User, request.mentee_id)
    name = mentee.first_name if mentee else ""
    return [
        Reply(
            fmt(
                _("Thank you for answering {name} quickly. We've told them kindly and shown them other mentors."),
                name=name,
            ),
            buttons=[[Button(_("Requests waiting for me"), "req.list")]],
        )
    ]


REQUEST_FORM = register_form(
    Form(
        name="request",
        title=N_("Your message to the mentor"),
        fields=[
            Field(
                "message",
                "text",
                N_("Why this mentor, and what do you hope for? A few sentences are perfect."),
                help=N_(
                    "For example: I'm in my third year of Computer Science and would love advice on my CV for "
                    "software internships. The mentor sees this and your profile."
                ),
                max_length=requests.MAX_MESSAGE,
                multiline=True,
                check=_message_long_enough,
            )
        ],
        on_complete=_request_done,
        cancelled=N_("Cancelled: no request was sent. /mentors shows the mentors again."),
        submit_label=N_("Send"),
    )
)

DECLINE_FORM = register_form(
    Form(
        name="decline",
        title=N_("Declining the request"),
        fields=[
            Field(
                "reason",
                "text",
                N_("Would you like to give the student a short reason? It helps them choose next time."),
                help=N_("For example: I'm travelling until June. The student reads this. Skip if you'd rather not."),
                required=False,
                max_length=500,
                multiline=True,
            )
        ],
        on_complete=_decline_done,
        cancelled=N_("Cancelled: the request is still waiting for your answer. /requests shows it."),
        submit_label=N_("Decline"),
    )
)
