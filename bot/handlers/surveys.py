"""The end of the cycle: take the survey, carry on informally, or close the mentorship (with a confirmation)."""

from __future__ import annotations

from bot.conversations.survey import start_survey
from bot.core.context import Context
from bot.core.markup import fmt
from bot.core.registry import action
from bot.core.replies import Button, Reply
from bot.i18n import _
from bot.services import ending
from bot.services.nudges import notice_for, open_pair_of, other_in
from bot.services.surveys import SURVEY

SIDES = ("student", "alumnus")


# --- the end of the cycle ------------------------------------------------------------------------------


@action("surv.start", roles=SIDES)
async def survey_start(ctx: Context) -> Reply:
    notice = await notice_for(ctx.session, ctx.user, ctx.event.payload, SURVEY)
    if notice.answered_at is not None:
        return Reply(_("You've already sent this survey: thank you! Nothing more to do."))
    return await start_survey(ctx, notice)


@action("surv.cont", roles=SIDES)
async def carry_on(ctx: Context) -> Reply:
    notice = await notice_for(ctx.session, ctx.user, ctx.event.payload, SURVEY)
    pair = await open_pair_of(ctx.session, notice)
    other = await other_in(ctx.session, pair, ctx.user)
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
    notice = await notice_for(ctx.session, ctx.user, ctx.event.payload, SURVEY)
    pair = await open_pair_of(ctx.session, notice)
    other = await other_in(ctx.session, pair, ctx.user)
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
    notice = await notice_for(ctx.session, ctx.user, ctx.event.payload, SURVEY)
    pair = await open_pair_of(ctx.session, notice)
    await ending.end_pair(ctx.session, pair, by=ctx.user, reason="cycle", note="", now=ctx.now, programme=ctx.programme)
    reply = ctx.render(await ending.ended_by(ctx.session, pair, ctx.user, ctx.programme))
    reply.edit = True
    return reply
