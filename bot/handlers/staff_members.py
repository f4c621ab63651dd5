"""The career team manages itself from the chat: /staff lists the team, /staff add @name and /staff remove
name change it (each asks to confirm), and /audit reads what the team did, newest first."""

from __future__ import annotations

from bot.core.context import Context
from bot.core.markup import esc, fmt, shorten
from bot.core.payloads import id_in, quoted, storable
from bot.core.registry import RenderEnv, action, command, renders
from bot.core.replies import Button, Reply
from bot.i18n import N_, _
from bot.services import audit, invitations, staff_members
from bot.services.staff_members import JoinedStaff, LeftStaff
from storage.models import User

STAFF = ("staff",)


@command("staff", help=N_("who is on the team: /staff add @name, /staff remove name"), roles=STAFF)
async def staff(ctx: Context) -> Reply:
    verb, _sep, rest = storable(ctx.event.args).strip().partition(" ")
    verb = verb.lower()
    if verb == "add":
        return await _choose(ctx, rest, adding=True)
    if verb == "remove":
        return await _choose(ctx, rest, adding=False)
    if verb == "invite":
        return await _invite(ctx)
    if verb:
        return Reply(
            _(
                "Use /staff to see the career team, /staff add @name to add someone, /staff invite for a link to "
                "give a colleague, /staff remove name."
            )
        )
    team = await staff_members.members(ctx.session)
    lines = [_("<b>The career team</b>:")]
    for member in team:
        how = _("named in the settings") if member.staff_source == "settings" else _("added in the chat")
        lines.append(fmt("• {name} ({how})", name=member.name, how=how))
    lines.append(
        _("/staff add @name adds a colleague (they must have written to the bot once); /audit shows who did what.")
    )
    return Reply("\n".join(lines))


async def _choose(ctx: Context, wanted: str, *, adding: bool) -> Reply:
    wanted = wanted.strip()
    if not wanted:
        return Reply(
            _("Whom? For example /staff add @aigerim or /staff add Aigerim Sadykova.")
            if adding
            else _("Whom? For example /staff remove Aigerim Sadykova. /staff lists the team.")
        )
    found = [p for p in await staff_members.find_people(ctx.session, wanted) if p.is_staff != adding]
    if not found:
        if adding:
            return Reply(
                fmt(
                    _(
                        "I don't know anyone called '{name}' who isn't on the team already. Ask them to send "
                        "/start to the bot first, then try again."
                    ),
                    name=quoted(wanted),
                )
            )
        return Reply(
            fmt(_("Nobody on the career team is called '{name}'. /staff lists the team."), name=quoted(wanted))
        )
    if len(found) > staff_members.MAX_FOUND:
        return Reply(_("That fits too many people: write more of the name, or their @handle."))
    action_name = "team.add" if adding else "team.rm"
    if adding:
        question = _(
            "Add to the career team? They will see every profile, the reports and the statistics, and can "
            "approve, match and end mentorships."
        )
    else:
        question = _("Remove from the career team? They keep their own profile, but lose the team's rights.")
    buttons = [[Button(shorten(person.name, 60), action_name, str(person.id))] for person in found]
    return Reply(question, buttons=[*buttons, [Button(_("Cancel"), "team.no")]])


async def _invite(ctx: Context) -> Reply:
    """A one-use link for a colleague who has not written to the bot yet; opening it makes them a member."""
    invitation = await invitations.invite_staff(ctx.session, ctx.user, ctx.now)
    found = invitations.links(ctx.settings, invitation.token)
    link = found.telegram or found.slack or found.command
    return Reply(
        fmt(
            _(
                "Here is a link for one colleague: whoever opens it first joins the career team, so give it to "
                "them privately.\n{link}"
            ),
            link=link,
        )
        + ("\n" + fmt(_("Elsewhere they can send: {command}"), command=found.command) if link != found.command else "")
    )


@action("team.no", roles=STAFF)
async def not_now(ctx: Context) -> Reply:
    return Reply(_("Nothing changed. /staff lists the career team."), edit=True)


@action("team.add", roles=STAFF)
async def add(ctx: Context) -> Reply:
    joined = await staff_members.add(ctx.session, ctx.user, ctx.event.payload, ctx.now)
    ctx.notify(joined.person.id, joined)
    return Reply(fmt(_("{name} is on the career team now; they've been told."), name=joined.person.name), edit=True)


@action("team.rm", roles=STAFF)
async def remove(ctx: Context) -> Reply:
    left = await staff_members.remove(ctx.session, ctx.user, ctx.event.payload, ctx.now, ctx.settings)
    ctx.notify(left.person.id, left)
    return Reply(fmt(_("{name} is no longer on the career team; they've been told."), name=left.person.name), edit=True)


@renders(JoinedStaff)
def _joined(joined: JoinedStaff, env: RenderEnv) -> Reply:
    return Reply(
        fmt(
            _(
                "{by} has added you to the career team of the {title}. You'll receive reports and approvals "
                "here; /help shows the team's commands."
            ),
            by=joined.by.name,
            title=env.programme.title,
        )
    )


@renders(LeftStaff)
def _left(left: LeftStaff, env: RenderEnv) -> Reply:
    return Reply(
        fmt(
            _("{by} has removed you from the career team of the {title}. Thank you for your work!"),
            by=left.by.name,
            title=env.programme.title,
        )
    )


# --- /audit -------------------------------------------------------------------------------------------


@command("audit", help=N_("what the team did, newest first"), roles=STAFF)
async def audit_log(ctx: Context) -> Reply:
    about: User | None = None
    wanted = storable(ctx.event.args).strip()
    if wanted:
        found = await staff_members.find_people(ctx.session, wanted)
        if len(found) != 1:
            return Reply(
                fmt(_("I can't tell whom '{name}' means: write more of the name."), name=quoted(wanted))
                if found
                else fmt(_("Nobody is called '{name}'. /audit alone shows everything."), name=quoted(wanted))
            )
        about = found[0]
    return await _page(ctx, before=None, about=about)


@action("audit.more", roles=STAFF)
async def older(ctx: Context) -> Reply:
    before_text, _sep, about_text = ctx.event.payload.partition(":")
    before = id_in(before_text, _("That list is out of date: send /audit again."))
    about = await ctx.session.get(User, int(about_text)) if about_text.isdigit() else None
    return await _page(ctx, before=before, about=about)


async def _page(ctx: Context, *, before: int | None, about: User | None) -> Reply:
    lines = await audit.recent(ctx.session, before=before, about=about.id if about else None)
    if not lines:
        if before is not None:
            return Reply(_("That's everything: there is nothing older."))
        return Reply(_("Nothing recorded yet. Approvals, matches, endings and the like appear here as staff act."))
    heading = (
        fmt(_("<b>What the career team did about {name}</b>, newest first:"), name=about.name)
        if about
        else _("<b>What the career team did</b>, newest first:")
    )
    text = [heading]
    for line in lines:
        local = line.entry.at.astimezone(ctx.zone)
        text.append(f"• {local:%d %b %Y %H:%M} · <b>{esc(line.actor)}</b> {esc(line.words())}")
    buttons = []
    if len(lines) == audit.PAGE:
        payload = f"{lines[-1].entry.id}:{about.id if about else ''}"
        buttons.append([Button(_("Older"), "audit.more", payload)])
    return Reply("\n".join(text), buttons=buttons)
