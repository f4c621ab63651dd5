"""The yearly reconfirmation: how the question and the pause read, and the mentor's one-tap answers."""

from __future__ import annotations

from bot.conversations.profile import mentor_answers
from bot.core import forms
from bot.core.context import Context
from bot.core.markup import fmt
from bot.core.registry import RenderEnv, action, renders
from bot.core.replies import Button, Reply
from bot.i18n import _
from bot.services import reconfirmation
from bot.services.reconfirmation import ProfileConfirmed, ProfileHidden, ReconfirmationAsked


def _resume() -> list[list[Button]]:
    return [[Button(_("Resume now"), "profile.resume", style="primary")]]


@renders(ReconfirmationAsked)
def _asked(asked: ReconfirmationAsked, env: RenderEnv) -> Reply:
    text = fmt(
        _(
            "Hi {first}! Once a year we ask mentors to check their profile, so students find the right person. "
            "Is yours still up to date? If we don't hear from you within {days} days, we'll hide it for a while."
        ),
        first=asked.person.first_name,
        days=env.programme.reconfirmation_grace_days,
    )
    payload = str(asked.notice_id)
    return Reply(
        text,
        buttons=[
            [
                Button(_("Still up to date"), "reconf.ok", payload, style="primary"),
                Button(_("Edit my profile"), "reconf.edit", payload),
            ]
        ],
    )


@renders(ProfileHidden)
def _hidden(hidden: ProfileHidden, env: RenderEnv) -> Reply:
    return Reply(
        fmt(
            _(
                "{first}, we didn't hear back about your profile, so we've hidden it from students for now. "
                "Mentees you already have keep you. Whenever you're ready, send /resume or tap below."
            ),
            first=hidden.person.first_name,
        ),
        buttons=_resume(),
    )


@action("reconf.ok", roles=("alumnus",))
async def still_up_to_date(ctx: Context) -> Reply:
    reply = ctx.render(await reconfirmation.confirm_profile(ctx.session, ctx.user, ctx.event.payload, ctx.now))
    reply.edit = True
    return reply


@renders(ProfileConfirmed)
def _confirmed(confirmed: ProfileConfirmed, env: RenderEnv) -> Reply:
    if not confirmed.active:
        return Reply(
            _("Thank you! Your profile is confirmed. It is hidden at the moment: send /resume to show it to students."),
            buttons=_resume(),
        )
    return Reply(_("Thank you! Your profile stays as it is, and students keep finding you."))


@action("reconf.edit", roles=("alumnus",))
async def edit_profile(ctx: Context) -> Reply:
    profile = await reconfirmation.profile_to_edit(ctx.session, ctx.user, ctx.event.payload)
    return await forms.start_form(ctx, "mentor", answers=mentor_answers(ctx.user, profile))
