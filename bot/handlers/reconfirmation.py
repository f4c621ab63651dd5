"""The yearly reconfirmation: a mentor answers "is your profile still up to date?" in one tap, or edits it."""

from __future__ import annotations

from bot.conversations.profile import mentor_answers
from bot.core import forms
from bot.core.context import Context
from bot.core.errors import Refusal
from bot.core.registry import action
from bot.core.replies import Button, Reply
from bot.i18n import _
from bot.services.nudges import answer, notice_for
from bot.services.reconfirmation import RECONFIRM
from storage.models import MentorProfile

# --- the yearly profile reconfirmation ---------------------------------------------------------------


@action("reconf.ok", roles=("alumnus",))
async def still_up_to_date(ctx: Context) -> Reply:
    notice = await notice_for(ctx.session, ctx.user, ctx.event.payload, RECONFIRM)
    profile = await ctx.session.get(MentorProfile, ctx.user.id)
    if profile is None:
        raise Refusal(_("Only mentors have a profile to confirm. /profile shows yours."))
    profile.confirmed_at = ctx.now
    answer(notice, "confirmed", ctx.now)
    if not profile.active:
        return Reply(
            _("Thank you! Your profile is confirmed. It is hidden at the moment: send /resume to show it to students."),
            buttons=[[Button(_("Resume now"), "profile.resume", style="primary")]],
            edit=True,
        )
    return Reply(_("Thank you! Your profile stays as it is, and students keep finding you."), edit=True)


@action("reconf.edit", roles=("alumnus",))
async def edit_profile(ctx: Context) -> Reply:
    await notice_for(ctx.session, ctx.user, ctx.event.payload, RECONFIRM)
    profile = await ctx.session.get(MentorProfile, ctx.user.id)
    if profile is None:
        raise Refusal(_("Only mentors have a profile to confirm. /profile shows yours."))
    # Saving the form confirms the profile (its confirmed_at moves), which the pause sweep reads.
    return await forms.start_form(ctx, "mentor", answers=mentor_answers(ctx.user, profile))
