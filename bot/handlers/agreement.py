"""The pair and its agreement: the match message each side reads, the agreement buttons (open, confirm,
suggest changes) and the reminder to confirm it. The form itself is bot.conversations.agreement.

Every button carries only the pair's id; the services re-check from the database that this person is one
side of it.
"""

from __future__ import annotations

from bot.conversations.agreement import agreement_answers, agreement_summary, announce_outcome, confirm_buttons
from bot.core import forms
from bot.core.context import Context
from bot.core.dates import day_text
from bot.core.errors import Refusal
from bot.core.markup import esc, fmt
from bot.core.registry import RenderEnv, action, renders
from bot.core.replies import Button, Reply
from bot.i18n import _
from bot.services import pairs
from bot.services.pairs import AgreementReminder, AgreementStalled, Matched
from bot.views import mentee_card, mentor_card
from storage.models import MenteeProfile, MentorProfile, Pair, User


@action("agr.start", roles=("student", "alumnus"))
async def agreement_start(ctx: Context) -> Reply:
    """The agreement button: the form if nobody filled it in yet, else the proposal to confirm."""
    pair = await pairs.pair_for(ctx.session, ctx.user, ctx.event.payload)
    mentor, mentee = await _parties(ctx, pair)
    if pair.status == "ended":
        raise Refusal(_("This mentorship has ended, so its agreement can't change any more."))
    summary = agreement_summary(pair, mentor, mentee, ctx.programme)
    if pair.status == "active":
        return Reply(summary + "\n\n" + _("You have both confirmed it."))
    if not pairs.has_terms(pair):
        return await forms.start_form(ctx, pairs.agreement_form_name(ctx.programme), context={"pair": pair.id})
    mine = pair.mentor_confirmed_at if ctx.user.id == pair.mentor_id else pair.mentee_confirmed_at
    if mine is not None:
        other = mentee if ctx.user.id == mentor.id else mentor
        return Reply(
            summary + "\n\n" + fmt(_("You've confirmed it; we're waiting for {name}."), name=other.first_name),
            buttons=[[Button(_("Suggest changes"), "agr.edit", str(pair.id))]],
        )
    return Reply(summary, buttons=confirm_buttons(pair))


@action("agr.ok", roles=("student", "alumnus"))
async def agreement_confirm(ctx: Context) -> list[Reply]:
    pair_id, _sep, tag = ctx.event.payload.partition(".")
    pair = await pairs.pair_for(ctx.session, ctx.user, pair_id)
    if pair.status == "agreeing" and pairs.has_terms(pair) and tag != pairs.terms_tag(pair):
        mentor, mentee = await _parties(ctx, pair)
        return [
            Reply(
                _("The agreement has changed since that message. Here is the latest version to confirm.")
                + "\n\n"
                + agreement_summary(pair, mentor, mentee, ctx.programme),
                buttons=confirm_buttons(pair),
            )
        ]
    outcome = await pairs.confirm_terms(ctx.session, pair, ctx.user, tag=tag, now=ctx.now, programme=ctx.programme)
    return await announce_outcome(ctx, outcome)


@action("agr.edit", roles=("student", "alumnus"))
async def agreement_edit(ctx: Context) -> Reply:
    pair = await pairs.pair_for(ctx.session, ctx.user, ctx.event.payload)
    pairs.require_agreeing(pair)
    return await forms.start_form(
        ctx,
        pairs.agreement_form_name(ctx.programme),
        context={"pair": pair.id},
        answers=agreement_answers(pair, ctx.programme),
    )


async def _parties(ctx: Context, pair: Pair) -> tuple[User, User]:
    mentor = await ctx.session.get(User, pair.mentor_id)
    mentee = await ctx.session.get(User, pair.mentee_id)
    assert mentor is not None and mentee is not None
    return mentor, mentee


# --- how the pair's outcomes read ------------------------------------------------------------------


@renders(Matched)
def _matched(news: Matched, env: RenderEnv) -> Reply:
    """What each side reads when matched: the other's profile with contact details (the policy allows them
    now), and the next step, the agreement."""
    pair, viewer, other, profile = news.pair, news.viewer, news.other, news.other_profile
    if viewer.id == pair.mentee_id:
        card = (
            mentor_card(other, profile, env.programme, contact=news.contact)
            if isinstance(profile, MentorProfile)
            else esc(other.name)
        )
        opening = fmt(_("Great news, {first}: {name} is your mentor!"), first=viewer.first_name, name=other.name)
    else:
        card = (
            mentee_card(other, profile, env.programme, contact=news.contact)
            if isinstance(profile, MenteeProfile)
            else esc(other.name)
        )
        opening = fmt(_("You're now matched with {name}."), name=other.name)
    text = "\n\n".join(
        [
            opening,
            card,
            _("Only the two of you see each other's contact details."),
            _("Next: agree how you'll work together: goals, and how and how often you'll meet."),
        ]
    )
    if pair.matched_by == "staff":
        text = fmt(_("{office} has matched you."), office=env.programme.office_opening) + " " + text
    return Reply(text, buttons=[[Button(_("Fill in the agreement"), "agr.start", str(pair.id), style="primary")]])


@renders(AgreementReminder)
def _agreement_reminder(reminder: AgreementReminder, env: RenderEnv) -> Reply:
    text = fmt(
        _(
            "{first}, your mentorship with {other} begins once you both confirm how you'll work together, "
            "and that hasn't happened yet. It takes two minutes:"
        ),
        first=reminder.person.first_name,
        other=reminder.other.first_name,
    )
    button = Button(_("Open the agreement"), "agr.start", str(reminder.pair.id), style="primary")
    return Reply(text, buttons=[[button]])


@renders(AgreementStalled)
def _agreement_stalled(stalled: AgreementStalled, env: RenderEnv) -> Reply:
    text = fmt(
        _(
            "<b>Agreement not confirmed</b>: {mentor} (mentor) and {mentee} (student), matched on {day}, "
            "haven't started their mentorship. Still to confirm: {waiting}. The mentor's place stays taken "
            "until it starts or closes."
        ),
        mentor=stalled.mentor.name,
        mentee=stalled.mentee.name,
        day=day_text(stalled.pair.created_at, env.settings),
        waiting=", ".join(person.first_name for person in stalled.waiting),
    )
    return Reply(text)
