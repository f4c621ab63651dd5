"""/privacy says what is shown to whom; /forget exports a person's data to them and deletes it."""

from __future__ import annotations

from bot.core.context import Context
from bot.core.markup import fmt
from bot.core.registry import action, command
from bot.core.replies import Button, Reply
from bot.i18n import N_, _
from bot.services import privacy
from bot.views.pair_choice import pair_options


@command("privacy", help=N_("what we show to whom, and how to delete your data"), roles=("any",), public=True)
async def privacy_command(ctx: Context) -> Reply:
    office = ctx.programme.office
    office = office[:1].upper() + office[1:]  # it starts a bullet here ('the career team' mid-sentence)
    lines = [
        _("<b>Who sees what</b>"),
        _(
            "• Your profile: mentors see a student's profile when the student approaches them; "
            "students see approved mentors' profiles."
        ),
        _("• Your contact details: only the person you're matched with, and only once you've both agreed."),
        _("• Your contact log and goals: you and your match. Notes you mark private: only you."),
        fmt(
            _(
                "• {office}: sees who is matched with whom, contact dates, and what you report to them. "
                "What you tell them with /report is not passed on to your match."
            ),
            office=office,
        ),
        "",
        _("You can see your data and delete it at any time: /forget sends you a copy, then deletes it."),
    ]
    return Reply("\n".join(lines), buttons=[[Button(_("Delete my data…"), "priv.ask")]])


@command("forget", help=N_("get a copy of your data and delete it"), roles=("any",))
async def forget_command(ctx: Context) -> Reply:
    options = await pair_options(ctx)
    lines = [
        _(
            "This deletes everything we hold about you: your profile, requests, mentorships with their logs "
            "and goals. You'll receive a copy as a file first."
        ),
    ]
    if options:
        names = ", ".join(other.name for _pair, other in options)
        lines.append(
            fmt(
                _("Your mentorship with {names} will be ended first; they and {office} will be told."),
                names=names,
                office=ctx.programme.office,
            )
        )
    lines.append(
        fmt(_("Anything you reported to {office} stays with them, without your name."), office=ctx.programme.office)
    )
    lines.append(_("This can't be undone. Are you sure?"))
    return Reply(
        "\n".join(lines),
        buttons=[
            [
                Button(_("Keep my data"), "priv.keep"),
                Button(_("Delete my data"), "priv.forget", style="danger"),
            ]
        ],
    )


@action("priv.ask")
async def ask(ctx: Context) -> Reply:
    return await forget_command(ctx)


@action("priv.keep")
async def keep(ctx: Context) -> Reply:
    return Reply(_("Good — nothing was deleted. /help lists what you can do."), edit=True)


@action("priv.forget")
async def forget(ctx: Context) -> Reply:
    first = ctx.user.first_name
    attachment = await privacy.forget(ctx.session, ctx.user, now=ctx.now, programme=ctx.programme)
    return Reply(
        fmt(
            _(
                "Done{comma}{first}. Your data is deleted; this file is the copy of what we held. "
                "Thank you for being part of the programme. If you ever want to come back, send /start."
            ),
            comma=", " if first else "",
            first=first,
        ),
        attachment=attachment,
        edit=False,
    )
