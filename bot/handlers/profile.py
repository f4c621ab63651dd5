"""Seeing and editing your profile; mentors pausing and resuming it."""

from __future__ import annotations

from bot.conversations.profile import mentee_answers, mentor_answers
from bot.core import forms
from bot.core.context import Context
from bot.core.errors import Refusal
from bot.core.language import reader_language
from bot.core.markup import fmt
from bot.core.registry import action, command
from bot.core.replies import Button, Reply
from bot.handlers import links
from bot.i18n import LANGUAGES, N_, _, ngettext
from bot.services import pairs, profiles, requests
from bot.views import mentee_card, mentor_card, mentor_status


@command("profile", help=N_("see and edit your profile"), roles=("member",))
async def show_profile(ctx: Context) -> Reply:
    if ctx.user.role == "alumnus":
        profile = await profiles.mentor_profile(ctx.session, ctx.user)
        if profile is None:
            return await forms.start_form(ctx, "mentor")
        toggle = (
            Button(_("Pause (hide my profile)"), "profile.pause")
            if profile.active
            else Button(_("Resume (show my profile)"), "profile.resume")
        )
        contact = await pairs.may_see_contact(ctx.session, ctx.user, ctx.user)
        return Reply(
            mentor_card(ctx.user, profile, ctx.programme, contact=contact)
            + "\n\n"
            + mentor_status(profile, ctx.programme)
            + _share_line(ctx)
            + _language_line(ctx),
            buttons=[[Button(_("Edit"), "profile.edit"), toggle], [Button(_("Language"), "lang.show")]],
        )
    if ctx.user.role == "student":
        mentee = await profiles.mentee_profile(ctx.session, ctx.user)
        if mentee is None:
            return await forms.start_form(ctx, "mentee")
        contact = await pairs.may_see_contact(ctx.session, ctx.user, ctx.user)
        return Reply(
            mentee_card(ctx.user, mentee, ctx.programme, contact=contact) + _language_line(ctx),
            buttons=[[Button(_("Edit"), "profile.edit"), Button(_("Language"), "lang.show")]],
        )
    return Reply(_("You're on the career team, so you have no mentor or student profile. /help lists what you can do."))


def _share_line(ctx: Context) -> str:
    """A link that opens the mentor's card for a student on Telegram, to share where students are."""
    username = (ctx.settings.telegram_bot_username or "").lstrip("@")
    if not (ctx.settings.telegram_enabled and username):
        return ""
    link = f"https://t.me/{username}?start={links.start_argument(ctx.user)}"
    return "\n\n" + fmt(_("A link that opens your profile for a student: {link}"), link=link)


def _language_line(ctx: Context) -> str:
    language = LANGUAGES[reader_language(ctx.user.language, ctx.programme)]
    return "\n\n" + fmt(_("The bot writes to you in {language} (/language changes it)."), language=language)


@action("profile.show", roles=("member",))
async def show_profile_button(ctx: Context) -> Reply:
    return await show_profile(ctx)


@action("profile.edit", roles=("member",))
async def edit_profile(ctx: Context) -> Reply:
    if ctx.user.role == "alumnus":
        profile = await profiles.mentor_profile(ctx.session, ctx.user)
        if profile is not None:
            return await forms.start_form(ctx, "mentor", answers=mentor_answers(ctx.user, profile))
    elif ctx.user.role == "student":
        mentee = await profiles.mentee_profile(ctx.session, ctx.user)
        if mentee is not None:
            return await forms.start_form(ctx, "mentee", answers=mentee_answers(ctx.user, mentee))
    raise Refusal(_("Let's set up your profile first: send /start."))


@command("pause", help=N_("hide your mentor profile from students for a while"), roles=("alumnus",))
async def pause(ctx: Context) -> Reply:
    await profiles.set_mentor_active(ctx.session, ctx.user, False, ctx.now)
    text = _(
        "Your profile is hidden: students won't see it and can't send you new requests. "
        "Mentees you already have keep you. Send /resume whenever you're ready again."
    )
    buttons = [Button(_("Resume now"), "profile.resume")]
    waiting = len(await requests.pending_for_mentor(ctx.session, ctx.user.id))
    if waiting:  # pausing doesn't answer them: say so, so no student is left waiting unnoticed
        text += "\n\n" + ngettext(
            "{n} student is still waiting for your answer to their request.",
            "{n} students are still waiting for your answer to their requests.",
            waiting,
        ).format(n=waiting)
        buttons.insert(0, Button(_("Requests waiting for me"), "req.list"))
    return Reply(text, buttons=[buttons])


@command("resume", help=N_("show your mentor profile to students again"), roles=("alumnus",))
async def resume(ctx: Context) -> Reply:
    profile = await profiles.set_mentor_active(ctx.session, ctx.user, True, ctx.now)
    if profile.status != "approved":
        return Reply(
            fmt(
                _("Your profile is active again. Students will see it once {office} approves it."),
                office=ctx.programme.office,
            )
        )
    return Reply(_("Welcome back! Students can see your profile and send you requests again."))


@action("profile.pause", roles=("alumnus",))
async def pause_button(ctx: Context) -> Reply:
    return await pause(ctx)


@action("profile.resume", roles=("alumnus",))
async def resume_button(ctx: Context) -> Reply:
    return await resume(ctx)
