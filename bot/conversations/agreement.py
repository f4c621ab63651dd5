"""The mentor–mentee agreement: goals and expectations, how and how often to meet, the programme's own
agreement questions (if it has any), and the principles.

Whoever fills it in first proposes the terms (and confirms them); the other side reads them and confirms
or suggests changes. The mentorship is active once both have confirmed the same terms.

A programme with agreement questions has its own agreement form (`pairs.agreement_form_name`), registered
when a core starts with it; the common form, without them, is the module's AGREEMENT_FORM.
"""

from __future__ import annotations

from typing import Any

from bot.conversations.questions import answer_text, question_field
from bot.core.context import Context
from bot.core.errors import Refusal
from bot.core.forms import FORMS, Choice, Field, Form, FormEnv, register_form
from bot.core.markup import esc, fmt
from bot.core.registry import on_programme
from bot.core.replies import Button, Reply
from bot.i18n import N_, _, date_text
from bot.programme import Programme
from bot.services import pairs
from storage.models import Pair, User

FREQUENCY_LABELS = {
    "weekly": N_("Every week"),
    "2weeks": N_("Every 2 weeks"),
    "monthly": N_("Once a month"),
    "6weeks": N_("Every 6 weeks"),
}
PRINCIPLES = N_(
    "What you share stays between the two of you. The mentor advises; the mentee makes their own decisions. "
    "Mentees don't ask their mentor for a job."
)


def frequency_label(days: int) -> str:
    for key, value in pairs.FREQUENCIES.items():
        if value == days:
            return _(FREQUENCY_LABELS[key])
    return fmt(_("Every {n} days"), n=days)


def _frequencies(env: FormEnv) -> list[Choice]:
    return [Choice(key, _(FREQUENCY_LABELS[key])) for key in pairs.frequencies_for(env.programme)]


def _methods(env: FormEnv) -> list[Choice]:
    return [Choice(name, name.capitalize()) for name in env.programme.contact_methods]


def _must_agree(value: Any, env: FormEnv) -> str | None:
    if value is not True:
        return fmt(
            _(
                "The mentorship needs both of you to agree to these. If something worries you, "
                "/report reaches {office} in confidence."
            ),
            office=env.programme.office,
        )
    return None


def _field_name(key: str) -> str:
    """A programme question's field in the form, apart from the common fields whatever its key."""
    return f"a_{key}"


def agreement_answers(pair: Pair, programme: Programme) -> dict[str, Any]:
    """The current terms as form answers, so 'suggest changes' starts from what is there."""
    if not pairs.has_terms(pair):
        return {}
    answers: dict[str, Any] = {"goals": pair.goals, "contact_method": pair.contact_method}
    for key, days in pairs.frequencies_for(programme).items():
        if days == pair.contact_interval_days:
            answers["frequency"] = key
    given = pair.agreement_answers or {}
    for question in programme.agreement_questions:
        if given.get(question.key) is not None:
            answers[_field_name(question.key)] = given[question.key]
    return answers


def agreement_summary(pair: Pair, mentor: User, mentee: User, programme: Programme) -> str:
    given = pair.agreement_answers or {}
    own = [
        "<b>" + esc(question.prompt) + "</b> " + esc(answer_text(question, given.get(question.key)))
        for question in programme.agreement_questions
        if given.get(question.key) not in (None, "")
    ]
    return "\n".join(
        [
            fmt(_("<b>Your mentorship agreement</b> ({mentor} and {mentee})"), mentor=mentor.name, mentee=mentee.name),
            fmt(_("<b>Goals and expectations:</b> {goals}"), goals=pair.goals),
            fmt(
                # "preferred way: in person" reads right for every method ("preferably by in person" didn't)
                _("<b>Meeting:</b> {often}; preferred way: {method}"),
                often=frequency_label(pair.contact_interval_days).lower(),
                method=pair.contact_method,
            ),
            *own,
            "<b>" + esc(_("Principles:")) + "</b> " + esc(_(PRINCIPLES)),
        ]
    )


def confirm_buttons(pair: Pair) -> list[list[Button]]:
    return [
        [
            Button(_("I agree — confirm"), "agr.ok", f"{pair.id}.{pairs.terms_tag(pair)}", style="primary"),
            Button(_("Suggest changes"), "agr.edit", str(pair.id)),
        ]
    ]


async def _parties(ctx: Context, pair: Pair) -> tuple[User, User]:
    mentor = await ctx.session.get(User, pair.mentor_id)
    mentee = await ctx.session.get(User, pair.mentee_id)
    assert mentor is not None and mentee is not None
    return mentor, mentee


async def announce_outcome(ctx: Context, outcome: pairs.AgreementOutcome) -> list[Reply]:
    """Tell the other side what happened, and answer the person who acted."""
    pair = outcome.pair
    mentor, mentee = await _parties(ctx, pair)
    other = mentee if ctx.user.id == mentor.id else mentor
    summary = agreement_summary(pair, mentor, mentee, ctx.programme)
    if outcome.became_active:

        def confirmed() -> Reply:  # written again in the other side's language
            started = fmt(
                _(
                    "Your mentorship is confirmed by you both. Congratulations! It runs until {end}; "
                    "/log records each time you meet and /goals keeps your action plan."
                ),
                end=date_text(pair.cycle_ends_at) if pair.cycle_ends_at else "",
            )
            return Reply(agreement_summary(pair, mentor, mentee, ctx.programme) + "\n\n" + started)

        ctx.notify(other.id, confirmed)
        return [confirmed()]
    ctx.notify(
        other.id,
        lambda: Reply(
            fmt(
                _("{name} has filled in your mentorship agreement. Please read it and confirm:"),
                name=ctx.user.first_name,
            )
            + "\n\n"
            + agreement_summary(pair, mentor, mentee, ctx.programme),
            buttons=confirm_buttons(pair),
        ),
    )
    return [
        Reply(
            summary
            + "\n\n"
            + fmt(
                _("Thank you! We've sent it to {name} to confirm, and we'll tell you when they do."),
                name=other.first_name,
            )
        )
    ]


async def _agreement_done(ctx: Context, answers: dict[str, Any], context: dict[str, Any]) -> list[Reply]:
    pair = await pairs.pair_for(ctx.session, ctx.user, context.get("pair", 0))
    try:
        pairs.require_agreeing(pair)
    except Refusal as refusal:  # it ended or was confirmed while the form was open: close the form, say why
        return [refusal.reply()]
    problem = _must_agree(answers.get("principles"), FormEnv(ctx, answers, context))
    if problem:  # a 'No' button is a valid answer to the form, but not to the agreement
        return [Reply(problem, buttons=[[Button(_("Fill in the agreement again"), "agr.edit", str(pair.id))]])]
    days = pairs.frequencies_for(ctx.programme).get(answers["frequency"], 0)
    outcome = await pairs.propose_terms(
        ctx.session,
        pair,
        ctx.user,
        goals=answers["goals"],
        contact_method=answers["contact_method"],
        interval_days=days,
        now=ctx.now,
        programme=ctx.programme,
        answers={q.key: answers.get(_field_name(q.key)) for q in ctx.programme.agreement_questions},
    )
    return await announce_outcome(ctx, outcome)


def agreement_form(name: str, own: list[Field]) -> Form:
    """The agreement form: the common terms, then the programme's own questions (`own`), then the principles."""
    return Form(
        name=name,
        title=N_("Your mentorship agreement"),
        intro=N_(
            "Let's agree how you'll work together. It takes two minutes, and you both see and confirm the same "
            "agreement."
        ),
        fields=[
            Field(
                "goals",
                "text",
                N_("What are your goals and expectations for the mentorship?"),
                help=N_(
                    "For example: a CV ready for internship applications by March, and two mock interviews. "
                    "You both see this."
                ),
                max_length=1000,
                multiline=True,
            ),
            Field("contact_method", "choice", N_("How would you like to meet, mostly?"), choices=_methods),
            Field("frequency", "choice", N_("How often will you be in touch?"), choices=_frequencies),
            *own,
            Field(
                "principles",
                "yes_no",
                N_(
                    "Our principles: what you share stays between the two of you. The mentor advises; the mentee "
                    "makes their own decisions. Mentees don't ask their mentor for a job. Do you agree?"
                ),
                check=_must_agree,
            ),
        ],
        on_complete=_agreement_done,
        cancelled=N_("Cancelled. Nothing was changed; you can fill in the agreement later from the match message."),
        submit_label=N_("Confirm"),
        about_pair=True,
    )


AGREEMENT_FORM = register_form(agreement_form("agree", []))


@on_programme
def ensure_agreement_form(programme: Programme) -> None:
    """Register the agreement form of a programme with its own agreement questions, unless it already is."""
    name = pairs.agreement_form_name(programme)
    if name in FORMS:
        return
    own = [question_field(q, name=_field_name(q.key)) for q in programme.agreement_questions]
    register_form(agreement_form(name, own))
