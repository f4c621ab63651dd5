"""First contact, help, cancelling a form, and what to say to text nobody asked for."""

from __future__ import annotations

from bot.core import forms
from bot.core.context import Context
from bot.core.errors import Refusal
from bot.core.markup import esc, fmt
from bot.core.registry import action, command, registry
from bot.core.replies import Button, Reply
from bot.handlers import invitations, links
from bot.i18n import N_, _, ngettext
from bot.services import pairs, requests, surveys
from bot.views import welcome_question
from storage.models import User


@command("start", help=N_("start here, or pick up where you left off"))
async def start(ctx: Context) -> Reply:
    if links.is_link(ctx.event.args):  # a link to a place: a sign-up, a mentor's card
        return await links.follow(ctx) or await _start(ctx)
    if not invitations.is_link(ctx.event.args):
        return await _start(ctx)
    # An invitation's link (/start inv_<token>): its profile form, or a sentence above the usual start.
    invited, note = await invitations.follow_link(ctx)
    if invited is not None:
        return invited
    reply = await _start(ctx)
    reply.text = note + "\n\n" + reply.text
    return reply


async def _start(ctx: Context) -> Reply:
    resumed = await forms.resume(ctx)
    if resumed is not None:
        return Reply(
            _("Welcome back! Let's carry on where you left off.") + "\n\n" + resumed.text,
            buttons=resumed.buttons,
            form=resumed.form,
            expects_text=resumed.expects_text,
        )
    if ctx.user.role is None:
        hello = fmt(
            _("Hello{name}! Welcome to the {title}."),
            name=f", {ctx.user.first_name}" if ctx.user.first_name else "",
            title=ctx.programme.title,
        )
        question = welcome_question(ctx.programme)
        if ctx.user.is_staff:
            question = _staff_welcome(ctx)
        return Reply(
            hello + "\n\n" + question,
            buttons=[
                [
                    Button(_("I'm a student"), "start.role", "student"),
                    Button(_("I'm an alumnus / alumna"), "start.role", "alumnus"),
                ]
            ],
        )
    lines, waiting = await _waiting_for(ctx)
    return Reply(
        "\n".join([fmt(_("Welcome back, {first}! What would you like to do?"), first=ctx.user.first_name), *lines]),
        buttons=[*waiting, [Button(_("My profile"), "profile.show"), Button(_("Help"), "help.show")]],
    )


async def _waiting_for(ctx: Context) -> tuple[list[str], list[list[Button]]]:
    """What is waiting for this person (an agreement to fill in or confirm, requests to answer), so a
    'welcome back' leads straight to it."""
    lines: list[str] = []
    buttons: list[list[Button]] = []
    for pair in await pairs.open_pairs_of(ctx.session, ctx.user):
        mine = pair.mentor_confirmed_at if ctx.user.id == pair.mentor_id else pair.mentee_confirmed_at
        if pair.status == "agreeing" and mine is None:
            other = await ctx.session.get(User, pairs.other_side(pair, ctx.user))
            name = other.first_name if other else ""
            lines.append(fmt(_("Your agreement with {name} is waiting for you."), name=name))
            buttons.append([Button(_("Our agreement"), "agr.start", str(pair.id), style="primary")])
    if ctx.user.role == "alumnus":
        count = len(await requests.pending_for_mentor(ctx.session, ctx.user.id))
        if count:
            lines.append(
                ngettext(
                    "{n} student is waiting for your answer.", "{n} students are waiting for your answer.", count
                ).format(n=count)
            )
            buttons.append([Button(_("Requests waiting for me"), "req.list")])
    waiting = await surveys.waiting_surveys(ctx.session, ctx.user)
    if waiting:
        lines.append(
            ngettext(
                "A survey is waiting for your answers.", "{n} surveys are waiting for your answers.", len(waiting)
            ).format(n=len(waiting))
        )
        buttons.append([Button(_("Take the survey"), "surv.start", str(waiting[0].id))])
    return lines, buttons


@action("start.role")
async def choose_role(ctx: Context) -> Reply:
    if ctx.user.role is not None:
        raise Refusal(_("You already have a profile. /profile shows and edits it."))
    if ctx.event.payload not in ("student", "alumnus"):
        raise Refusal(_("That button no longer works. Send /start to begin again."))
    form = "mentee" if ctx.event.payload == "student" else "mentor"
    return await forms.start_form(ctx, form)


@command("help", help=N_("what you can do here"), public=True)
async def help_command(ctx: Context) -> Reply:
    """The commands this person may run, grouped by who they are for (checked from the database)."""
    groups: dict[str, list[str]] = {key: [] for key, _title in HELP_GROUPS}
    for spec in ctx.core.commands_for(ctx.user):
        group = _help_group(spec.roles)
        if group == "mentorship" and ctx.user.role is None:
            continue  # career-team members without a profile of their own have no mentorship to manage
        if spec.help:
            groups[group].append(f"/{spec.name} — {esc(spec.description(ctx.programme))}")
    lines = [fmt(_("<b>What you can do</b>, {first}:"), first=ctx.user.first_name or _("friend"))]
    for key, title in HELP_GROUPS:
        if groups[key]:
            lines += ["", f"<b>{esc(_(title))}</b>", *groups[key]]
    lines.append("")
    lines.append(fmt(_("Questions or a problem? /report reaches {office}."), office=ctx.programme.office))
    return Reply("\n".join(lines))


# /help's sections, in the order shown: what is most particular to the person comes first.
HELP_GROUPS = (
    ("mentorship", N_("Your mentorship")),
    ("student", N_("For students")),
    ("alumnus", N_("For mentors")),
    ("staff", N_("For the career team")),
    ("any", N_("Getting around")),
)


def _help_group(roles: frozenset[str]) -> str:
    if roles == {"staff"}:
        return "staff"
    if roles == {"student"}:
        return "student"
    if roles == {"alumnus"}:
        return "alumnus"
    if "any" in roles:
        return "any"
    return "mentorship"  # both sides of a mentorship (students and mentors, or any member)


@action("help.show", public=True)
async def help_button(ctx: Context) -> Reply:
    return await help_command(ctx)


@command("cancel", help=N_("stop the form you are filling in"))
async def cancel(ctx: Context) -> Reply:
    progress = await forms.current_progress(ctx)
    # The form's own words say what cancelling leaves behind ("the request is still waiting for you").
    said = forms.FORMS[progress.form].cancelled if progress is not None else ""
    if await forms.drop_form(ctx):
        return Reply(_(said) if said else _("Cancelled. Nothing was changed."))
    return Reply(_("There's nothing to cancel. /help lists what you can do."))


def _staff_welcome(ctx: Context) -> str:
    """Staff without a profile of their own are not asked to make one first: their commands come first."""
    return fmt(
        _(
            "You're part of {office}: /pending shows mentors waiting for approval, /match pairs a student with "
            "a mentor, /stats shows the numbers. If you are also a student or an alumnus, choose below."
        ),
        office=ctx.programme.office,
    )


@registry.fallback
async def unexpected_text(ctx: Context) -> Reply:
    if ctx.user.role is None and ctx.user.is_staff:
        return Reply(_("I didn't catch that. /pending, /match and /stats are yours; /help lists everything."))
    if ctx.user.role is None:
        return Reply(_("Hello! Send /start to set up your profile."))
    return Reply(_("I didn't catch that. /help lists what you can do."))
