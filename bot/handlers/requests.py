"""Interested, Withdraw, /requests, Accept/Decline, and how the requests' outcomes read.

Every button carries only an id; the services re-check from the database that this person may act on it.
The match message both sides read after Accept is the pair's (bot.handlers.agreement).
"""

from __future__ import annotations

from bot.conversations import agreement as _agreement_form  # noqa: F401 - registers the form Accept opens
from bot.conversations import request as _request_forms  # noqa: F401 - registers the forms
from bot.core import forms
from bot.core.context import Context
from bot.core.dates import day_text
from bot.core.errors import Refusal
from bot.core.markup import esc, fmt, shorten
from bot.core.payloads import id_in, quoted, storable
from bot.core.registry import RenderEnv, action, command, renders
from bot.core.replies import Button, Reply
from bot.i18n import N_, _, date_text, ngettext
from bot.programme import Programme
from bot.services import pairs, requests
from bot.services.matching import Match
from bot.services.requests import (
    RequestDeclined,
    RequestExpired,
    RequestReminder,
    RequestSent,
    RequestWithdrawn,
)
from bot.views import mentee_card
from storage.models import User

# --- the student's side ----------------------------------------------------------------------------


@action("req.new", roles=("student",))
async def interested(ctx: Context) -> Reply:
    """Interested on a mentor's card: check first (so nobody writes a message for nothing), then ask."""
    mentor = await requests.check_can_request(ctx.session, ctx.user, id_in(ctx.event.payload), ctx.programme, ctx.now)
    question = await forms.start_form(ctx, "request", context={"mentor": mentor.id})
    intro = fmt(
        _(
            "You're writing to {name}. They'll see your message and your profile; your contact details stay "
            "private until they accept."
        ),
        name=mentor.name,
    )
    return Reply(
        intro + "\n\n" + question.text,
        buttons=question.buttons,
        form=question.form,
        expects_text=question.expects_text,
    )


@action("req.wd", roles=("student",))
async def withdraw(ctx: Context) -> Reply:
    mentor = await requests.withdraw_request(ctx.session, ctx.user, ctx.event.payload, ctx.now)
    return Reply(
        fmt(_("Withdrawn. We've let {name} know there's nothing to answer."), name=mentor.first_name),
        buttons=[[Button(_("Browse mentors"), "browse.open"), Button(_("My requests"), "req.list")]],
    )


@command("requests", help=N_("see your requests, or the ones waiting for your answer"), roles=("student", "alumnus"))
async def list_requests(ctx: Context) -> list[Reply]:
    replies = await _requests_for_mentor(ctx) if ctx.user.role == "alumnus" else [await _requests_of_mentee(ctx)]
    words = storable(ctx.event.args).strip() if ctx.event.kind == "command" else ""
    if words:  # /requests takes no words: say so rather than seem to have understood them
        note = fmt(_("/requests needs no words after it, so I left out '{words}'."), words=quoted(words, 40))
        replies[0] = Reply(note + "\n\n" + replies[0].text, buttons=replies[0].buttons)
    return replies


@action("req.list", roles=("student", "alumnus"))
async def list_requests_button(ctx: Context) -> list[Reply]:
    return await list_requests(ctx)


async def _requests_of_mentee(ctx: Context) -> Reply:
    pending = await requests.pending_of_mentee(ctx.session, ctx.user.id)
    current = await pairs.open_pairs_of(ctx.session, ctx.user)
    if not pending and current:  # one mentor at a time: browsing isn't the next step for them
        mentor = await ctx.session.get(User, current[0].mentor_id)
        return Reply(
            fmt(
                _("You have a mentor, {name}, so there are no requests to send. /help shows what you can do next."),
                name=mentor.name if mentor else "",
            )
        )
    if not pending:
        return Reply(
            _("You have no requests waiting. Browse mentors and press Interested on someone who fits."),
            buttons=[[Button(_("Browse mentors"), "browse.open")]],
        )
    lines = [
        fmt(
            _("<b>Your requests waiting for an answer</b> ({n} of {most}):"),
            n=len(pending),
            most=ctx.programme.max_pending_requests,
        )
    ]
    buttons = []
    for request in pending:
        mentor = await ctx.session.get(User, request.mentor_id)
        name = mentor.name if mentor else "?"
        lines.append(fmt(_("• {name}, sent {day}"), name=name, day=date_text(request.created_at, "d MMMM")))
        buttons.append([Button(shorten(_("Withdraw: {name}").format(name=name), 60), "req.wd", str(request.id))])
    lines.append("")
    lines.append(_("Mentors are told when a request is withdrawn, so nobody waits."))
    return Reply("\n".join(lines), buttons=buttons)


async def _requests_for_mentor(ctx: Context) -> list[Reply]:
    pending = await requests.pending_for_mentor(ctx.session, ctx.user.id)
    if not pending:
        return [Reply(_("No requests are waiting for you. We'll message you here when a student asks."))]
    head = Reply(
        ngettext(
            "{n} request is waiting for your answer:", "{n} requests are waiting for your answer:", len(pending)
        ).format(n=len(pending))
    )
    return [head, *[request_card(await requests.request_outcome(ctx.session, r), ctx.programme) for r in pending]]


# --- the mentor's answer ---------------------------------------------------------------------------


@action("req.acc", roles=("alumnus",))
async def accept(ctx: Context) -> list[Reply]:
    outcome = await requests.accept_request(ctx.session, ctx.user, ctx.event.payload, ctx.now, ctx.programme)
    pair = outcome.pair
    mentee = await ctx.session.get(User, pair.mentee_id)
    assert mentee is not None
    matched = await pairs.matched(ctx.session, pair, mentee)
    names = [m.name for m in [await ctx.session.get(User, r.mentor_id) for r in outcome.withdrawn] if m]

    def told() -> Reply:  # in the student's language
        reply = ctx.render(matched)
        if names:  # so the student doesn't wonder what became of their other requests
            reply.text += "\n\n" + fmt(
                ngettext(
                    "Your other request (to {names}) is closed now; we've thanked them for you.",
                    "Your other requests (to {names}) are closed now; we've thanked them for you.",
                    len(names),
                ),
                names=", ".join(names),
            )
        return reply

    ctx.notify(mentee.id, told)
    ctx.notify_staff(
        lambda: Reply(
            fmt(
                _("New match from a request: {mentor} (mentor) and {mentee} (student). They are agreeing terms now."),
                mentor=ctx.user.name,
                mentee=mentee.name,
            )
        )
    )
    done = Reply(fmt(_("✓ You accepted {name}'s request."), name=mentee.first_name), edit=True)
    notes = []
    if outcome.declined_full:
        notes.append(
            ngettext(
                "You're now full, so {n} other request was answered kindly for you.",
                "You're now full, so {n} other requests were answered kindly for you.",
                len(outcome.declined_full),
            ).format(n=len(outcome.declined_full))
        )
    # The button stays on the mentor's copy too: the form below may be cancelled and picked up later.
    announcement = ctx.render(await pairs.matched(ctx.session, pair, ctx.user))
    question = await forms.start_form(ctx, pairs.agreement_form_name(ctx.programme), context={"pair": pair.id})
    return [
        done,
        Reply("\n\n".join([announcement.text, *notes]), buttons=announcement.buttons),
        question,
    ]


@action("req.dec", roles=("alumnus",))
async def decline(ctx: Context) -> Reply:
    request = await requests.request_for_mentor(ctx.session, ctx.user, ctx.event.payload)
    if request.status != "pending":
        raise Refusal(_("That request was already answered or withdrawn, so nothing was changed."))
    return await forms.start_form(ctx, "decline", context={"request": request.id})


# --- how the requests' outcomes read -----------------------------------------------------------------


def request_card(sent: RequestSent, programme: Programme) -> Reply:
    """What the mentor reads: who is asking, their profile (contact details only as the policy allows, so not
    before they accept), their words, the buttons."""
    mentee, request = sent.mentee, sent.request
    card = (
        mentee_card(mentee, sent.profile, programme, contact=sent.contact)
        if sent.profile
        else f"<b>{esc(mentee.name)}</b>"
    )
    text = (
        fmt(_("{name} would like you as their mentor. Their message:"), name=mentee.first_name)
        + f"\n\n<i>{esc(request.message)}</i>\n\n"
        + card
        + "\n\n"
        + _("Accept to share contact details with each other. Decline if it's not a fit; they'll be shown others.")
    )
    return Reply(
        text,
        buttons=[
            [
                Button(_("Accept"), "req.acc", str(request.id), style="primary"),
                Button(_("Decline"), "req.dec", str(request.id)),
            ]
        ],
    )


@renders(RequestSent)
def _request_sent(sent: RequestSent, env: RenderEnv) -> Reply:
    return request_card(sent, env.programme)


@renders(RequestReminder)
def _request_reminder(reminder: RequestReminder, env: RenderEnv) -> Reply:
    mentor, request = reminder.mentor, reminder.request
    text = fmt(
        _(
            "{first}, {mentee} asked you to be their mentor on {day} and is still waiting for your answer. "
            "A kind 'no' is fine too: it frees them to approach someone else. The request closes by "
            "itself in {days} days."
        ),
        first=mentor.first_name,
        mentee=reminder.mentee.name,
        day=day_text(request.created_at, env.settings),
        days=reminder.days_left,
    )
    return Reply(
        text,
        buttons=[
            [
                Button(_("Accept"), "req.acc", str(request.id), style="primary"),
                Button(_("Say no kindly"), "req.dec", str(request.id)),
                Button(_("See the request"), "req.list"),
            ]
        ],
    )


@renders(RequestExpired)
def _request_expired(expired: RequestExpired, env: RenderEnv) -> Reply:
    if expired.side == "mentor":
        return Reply(
            fmt(
                _("The request from {mentee} has closed after {days} days, so there's nothing to answer any more."),
                mentee=expired.mentee.name,
                days=env.programme.request_expiry_days,
            )
        )
    text = fmt(
        _(
            "{first}, {mentor} couldn't answer your request in time, so it has closed. Mentors are busy people: "
            "it says nothing about you. Why not approach another mentor?"
        ),
        first=expired.mentee.first_name,
        mentor=expired.mentor.first_name,
    )
    # The ranked list is one tap away rather than computed by the sweep: ranking reads every available mentor,
    # which would make the sweep's cost grow with the programme instead of with what is due.
    text += "\n\n" + _("Tap below to see the mentors who fit you best and have a free place now.")
    return Reply(text, buttons=[[Button(_("Show me mentors who fit"), "browse.open", style="primary")]])


@renders(RequestWithdrawn)
def _request_withdrawn(withdrawn: RequestWithdrawn, env: RenderEnv) -> Reply:
    texts = {
        "by mentee": _("{name} has withdrawn their request, so there's nothing to answer. Thank you!"),
        "matched": _(
            "{name} has found a mentor, so their request to you is closed and there's nothing "
            "to answer. Thank you for considering it!"
        ),
        "left": _("{name} has left the programme, so their request to you is closed. Thank you!"),
    }
    return Reply(fmt(texts[withdrawn.why], name=withdrawn.mentee.first_name))


@renders(RequestDeclined)
def _request_declined(declined: RequestDeclined, env: RenderEnv) -> Reply:
    mentor, request = declined.mentor, declined.request
    if declined.why == "left":
        opening = fmt(
            _("{mentor} has left the programme, so your request to them is closed."),
            mentor=mentor.first_name,
        )
    elif declined.why == "full":
        opening = fmt(
            _("{mentor} has just filled their last mentee place, so they can't take your request. It's not about you!"),
            mentor=mentor.first_name,
        )
    elif request.reason and request.reason != "full":
        opening = fmt(
            _("{mentor} can't take you on right now. They said: <i>{reason}</i>"),
            mentor=mentor.first_name,
            reason=request.reason,
        )
    else:
        opening = fmt(_("{mentor} can't take you on right now. Please don't be discouraged!"), mentor=mentor.first_name)
    reply = suggestions_reply(opening, declined.suggestions, env.programme)
    if declined.why in ("left", "full") or not declined.suggestions:
        return reply
    # A declined student is encouraged to approach another mentor, and the office helps word the request.
    helped = fmt(
        _("{office} can help you word your next request if you'd like: /report reaches them."),
        office=env.programme.office_opening,
    )
    return Reply(reply.text + "\n\n" + helped, buttons=reply.buttons)


def suggestions_reply(opening: str, matches: list[Match], programme: Programme) -> Reply:
    """A kind opening, the next best mentors with a free place, and a way to look at them."""
    lines = [opening, ""]
    if matches:
        lines.append(_("These mentors have a free place and fit you well:"))
        for match in matches:
            lines.append(f"• <b>{esc(match.mentor.name)}</b>" + (f" — {match.reason}" if match.reason else ""))
        buttons = [[Button(_("Browse mentors"), "browse.open")]]
    else:
        lines.append(
            fmt(
                _("Every mentor who fits is busy at the moment. {office} can help: /report reaches them."),
                office=programme.office_opening,
            )
        )
        buttons = []
    return Reply("\n".join(lines), buttons=buttons)
