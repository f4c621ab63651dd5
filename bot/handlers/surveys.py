"""The surveys: how the programme's own surveys and the end of the cycle read, and a survey's reminder;
taking a survey, carrying on informally, or closing the mentorship (with a confirmation)."""

from __future__ import annotations

from bot.conversations.survey import start_survey
from bot.core.context import Context
from bot.core.markup import fmt
from bot.core.registry import RenderEnv, action, renders
from bot.core.replies import Button, Reply
from bot.i18n import _
from bot.services import surveys
from bot.services.surveys import (
    CarryingOn,
    CarryingOnTold,
    CloseAfterCycle,
    CycleComplete,
    ScheduledSurveyDue,
    SurveyReminder,
    SurveySent,
)
from storage.models import Pair

SIDES = ("student", "alumnus")


def _carry_on_or_close(payload: str) -> list[Button]:
    return [Button(_("Carry on informally"), "surv.cont", payload), Button(_("Close it"), "surv.close", payload)]


def _thank(mentor_first_name: str, pair_id: int) -> list[Button]:
    return [Button(_("Thank {other}").format(other=mentor_first_name), "end.thanks", str(pair_id))]


# --- the messages of the schedule -------------------------------------------------------------------------------


def _months(pair: Pair, usual: int) -> int:
    """How many months the pair's cycle ran (a programme's milestones may have lengthened it)."""
    if pair.started_at is None or pair.cycle_ends_at is None:
        return usual
    return max(1, round((pair.cycle_ends_at - pair.started_at).days / 30.44))


@renders(CycleComplete)
def _cycle_complete(done: CycleComplete, env: RenderEnv) -> Reply:
    lines = [
        fmt(
            _("{first}, your {months} months with {other} are complete. Thank you for the time you gave!"),
            first=done.person.first_name,
            months=_months(done.pair, env.programme.cycle_months),
            other=done.other.first_name,
        ),
        _(
            "Two small things: a two-minute survey helps us make the programme better, and you can choose to carry on "
            "informally or close the mentorship."
        ),
    ]
    payload = str(done.notice_id)
    buttons = [[Button(_("Take the survey"), "surv.start", payload, style="primary")], _carry_on_or_close(payload)]
    if done.role == "mentee":
        lines.append(fmt(_("And if you'd like to, send {other} a short thank-you note."), other=done.other.first_name))
        buttons.append(_thank(done.other.first_name, done.pair.id))
    return Reply("\n\n".join(lines), buttons=buttons)


@renders(ScheduledSurveyDue)
def _scheduled_survey(due: ScheduledSurveyDue, env: RenderEnv) -> Reply:
    return Reply(
        fmt(
            _(
                "{first}, a short survey about your mentorship with {other}: <b>{title}</b>. It takes a minute; "
                "{office} reads your answers, {other} doesn't."
            ),
            first=due.person.first_name,
            other=due.other.first_name,
            title=due.survey.title,
            office=env.programme.office,
        ),
        buttons=[[Button(_("Answer the survey"), "surv.start", str(due.notice_id), style="primary")]],
    )


@renders(SurveyReminder)
def _survey_reminder(reminder: SurveyReminder, env: RenderEnv) -> Reply:
    if reminder.title:
        return Reply(
            fmt(
                _("A gentle reminder, {first}: the survey <b>{title}</b> is still open. It takes a minute."),
                first=reminder.person.first_name,
                title=reminder.title,
            ),
            buttons=[[Button(_("Answer the survey"), "surv.start", str(reminder.notice_id), style="primary")]],
        )
    return Reply(
        fmt(
            _(
                "A gentle reminder, {first}: the end-of-mentorship survey is still open. Two minutes, and "
                "your answers shape next year's programme."
            ),
            first=reminder.person.first_name,
        ),
        buttons=[[Button(_("Take the survey"), "surv.start", str(reminder.notice_id), style="primary")]],
    )


# --- the survey ----------------------------------------------------------------------------------------------


@action("surv.start", roles=SIDES)
async def survey_start(ctx: Context) -> Reply:
    notice = await surveys.survey_to_answer(ctx.session, ctx.user, ctx.event.payload)
    if notice.answered_at is not None:
        return Reply(_("You've already sent this survey: thank you! Nothing more to do."))
    return await start_survey(ctx, notice)


@renders(SurveySent)
def _survey_sent(sent: SurveySent, env: RenderEnv) -> Reply:
    if sent.already:
        return Reply(_("You've already sent this survey: thank you! Nothing more to do."))
    text = fmt(
        _("Thank you, {first}! Your answers are with {office}."),
        first=sent.person.first_name,
        office=env.programme.office,
    )
    buttons: list[list[Button]] = []
    if sent.decide:
        text += "\n\n" + _("One more thing: would you like to carry on informally, or close the mentorship?")
        buttons.append(_carry_on_or_close(str(sent.notice_id)))
    if sent.thank is not None and sent.pair_id is not None:
        buttons.append(_thank(sent.thank.first_name, sent.pair_id))
    return Reply(text, buttons=buttons)


# --- carrying on, or closing ------------------------------------------------------------------------------------


@action("surv.cont", roles=SIDES)
async def carry_on(ctx: Context) -> Reply:
    return ctx.render(await surveys.carry_on(ctx.session, ctx.user, ctx.event.payload, ctx.now))


@renders(CarryingOn)
def _carrying_on(carrying_on: CarryingOn, env: RenderEnv) -> Reply:
    if carrying_on.already:
        return Reply(fmt(_("Already noted: you and {other} carry on informally."), other=carrying_on.other.first_name))
    return Reply(
        fmt(
            _("Lovely! You and {other} carry on as you like, without the monthly reminders. /end closes it any time."),
            other=carrying_on.other.first_name,
        )
    )


@renders(CarryingOnTold)
def _carrying_on_told(told: CarryingOnTold, env: RenderEnv) -> Reply:
    return Reply(
        fmt(
            _(
                "{name} would like to carry on informally after the programme. Lovely! Nothing changes for you; "
                "either of you can end it any time with /end."
            ),
            name=told.person.name,
        )
    )


@action("surv.close", roles=SIDES)
async def close_after_cycle(ctx: Context) -> Reply:
    return ctx.render(await surveys.ask_to_close(ctx.session, ctx.user, ctx.event.payload))


@renders(CloseAfterCycle)
def _close_after_cycle(question: CloseAfterCycle, env: RenderEnv) -> Reply:
    payload = str(question.notice_id)
    return Reply(
        fmt(
            _("Close your mentorship with {other}? They and {office} are told, and it can't be reopened."),
            other=question.other.first_name,
            office=env.programme.office,
        ),
        buttons=[
            [
                Button(_("Keep it"), "surv.keep", payload),
                Button(_("Yes, close it"), "surv.closeok", payload, style="danger"),
            ]
        ],
    )


@action("surv.keep", roles=SIDES)
async def keep_after_cycle(ctx: Context) -> Reply:
    return Reply(_("Good — nothing was changed."), edit=True)


@action("surv.closeok", roles=SIDES)
async def close_confirmed_after_cycle(ctx: Context) -> Reply:
    ended = await surveys.close_after_cycle(ctx.session, ctx.user, ctx.event.payload, ctx.now, ctx.programme)
    reply = ctx.render(ended)
    reply.edit = True
    return reply
