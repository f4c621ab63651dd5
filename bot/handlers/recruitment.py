"""Recruitment windows: how the invitation to mentors on the waiting list reads, their two answers, and what
the career team hears when one of them joins."""

from __future__ import annotations

from bot.core.context import Context
from bot.core.markup import fmt
from bot.core.registry import RenderEnv, action, renders
from bot.core.replies import Button, Reply
from bot.i18n import _
from bot.services import recruitment
from bot.services.recruitment import (
    JoinedFromWaitingList,
    RecruitmentInvite,
    StaysOnWaitingList,
    WaitingMentorJoined,
)


@renders(RecruitmentInvite)
def _invite(invite: RecruitmentInvite, env: RenderEnv) -> Reply:
    text = fmt(
        _(
            "Hi {first}! Recruitment of new mentors is open this {month}, and you're on our waiting list. "
            "Would you like to join now?"
        ),
        first=invite.person.first_name,
        month=invite.month,
    )
    payload = str(invite.notice_id)
    return Reply(
        text,
        buttons=[
            [
                Button(_("Yes, count me in"), "recruit.yes", payload, style="primary"),
                Button(_("Not this time"), "recruit.no", payload),
            ]
        ],
    )


@action("recruit.yes", roles=("alumnus",))
async def count_me_in(ctx: Context) -> Reply:
    reply = ctx.render(await recruitment.join_now(ctx.session, ctx.user, ctx.event.payload, ctx.now, ctx.programme))
    reply.edit = True
    return reply


@action("recruit.no", roles=("alumnus",))
async def not_this_time(ctx: Context) -> Reply:
    outcome = await recruitment.not_this_time(
        ctx.session, ctx.user, ctx.event.payload, ctx.now, ctx.programme, ctx.settings
    )
    reply = ctx.render(outcome)
    reply.edit = True
    return reply


@renders(JoinedFromWaitingList)
def _joined(joined: JoinedFromWaitingList, env: RenderEnv) -> Reply:
    if joined.approved:
        text = _(
            "Wonderful, welcome aboard! Students can see your profile now, and we'll message you here when "
            "someone would like you as their mentor."
        )
    else:
        text = fmt(
            _(
                "Wonderful, thank you! Your profile is with {office} now: they'll approve it after you attend the "
                "orientation session, and we'll message you here as soon as students can see it."
            ),
            office=env.programme.office,
        )
    return Reply(text, buttons=[[Button(_("See my profile"), "profile.show")]])


@renders(StaysOnWaitingList)
def _stays(stays: StaysOnWaitingList, env: RenderEnv) -> Reply:
    return Reply(
        fmt(
            _("No problem, {first}. You stay on the waiting list, and we'll ask you again in {month}."),
            first=stays.person.first_name,
            month=stays.month,
        )
    )


@renders(WaitingMentorJoined)
def _staff_told(joined: WaitingMentorJoined, env: RenderEnv) -> Reply:
    profile = joined.profile
    if joined.approved:
        return Reply(
            fmt(
                _(
                    "{name} ({role} at {employer}) has joined from the waiting list for this recruitment; students "
                    "can see their profile now."
                ),
                name=joined.person.name,
                role=profile.current_role,
                employer=profile.employer,
            )
        )
    return Reply(
        fmt(
            _(
                "{name} ({role} at {employer}) has joined from the waiting list for this recruitment and is "
                "waiting for approval. Approve them once they have attended the orientation."
            ),
            name=joined.person.name,
            role=profile.current_role,
            employer=profile.employer,
        ),
        buttons=[[Button(_("See mentors waiting"), "staff.pending")]],
    )
