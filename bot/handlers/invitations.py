"""Inviting a cohort: /import explains the file, a CSV sent by a member of the career team is checked and
previewed (Confirm creates the invitations), /invitations counts them, and `/start inv_<token>` (the link in
an invitation) welcomes the person it was for into their profile form, started from the file."""

from __future__ import annotations

import csv
import io

from bot.conversations.invitations import ask_to_confirm
from bot.core import forms
from bot.core.context import Context
from bot.core.markup import esc, fmt
from bot.core.payloads import quoted
from bot.core.registry import RenderEnv, action, command, on_file, renders
from bot.core.replies import Attachment, Button, Reply
from bot.i18n import N_, _, ngettext
from bot.services import invitations
from bot.services.invitations import (
    CohortInvited,
    FileRefused,
    ImportChecked,
    InvitationCounts,
    InvitationOpened,
    InvitationsMailed,
    Problem,
)

STAFF = ("staff",)
SHOWN_BAD_ROWS = 40
SHOWN_NAMES = 5
LISTED_LINKS = 10


def _columns() -> str:
    return _(
        "Columns, with a heading line first: <b>name</b>; <b>email</b> and/or <b>handle</b> (a Telegram or "
        "Slack @username); <b>role</b> (student or alumnus; leave it out when the whole file is one role and "
        "say which with the file: students or alumni); <b>programme of study</b>; <b>year</b> (of study for a "
        "student, 1 to 8; of graduation for an alumnus)."
    )


@command("import", help=N_("invite a cohort from a CSV file of students or alumni"), roles=STAFF)
async def import_help(ctx: Context) -> Reply:
    """How to import: the columns, an example, and how to send the file on this platform."""
    if ctx.event.actor.platform == "console":
        how = _(
            "Type /import and the file's path, e.g. /import cohort.csv (or /import alumni.csv alumni to make "
            "everyone in it an alumnus)."
        )
    else:
        how = _(
            "Send me the file here as a document (up to 1 MB). To make everyone in it one role, write students "
            "or alumni with it."
        )
    lines = [
        _("<b>Inviting a cohort</b>"),
        _columns(),
        "",
        _("For example:"),
        f"<code>{esc(invitations.EXAMPLE.strip())}</code>",
        "",
        how,
        _("I check every row before anything is saved, and show you who will be invited before I invite anyone."),
    ]
    return Reply("\n".join(lines))


@on_file
async def file_received(ctx: Context) -> Reply:
    """A file: for the career team, a cohort to check and preview; for anyone else, not something I read."""
    file = ctx.event.file
    if not ctx.user.is_staff or file is None:
        return Reply(_("I can only read text messages. /help lists what you can do."))
    words = ctx.event.text.strip().removeprefix("/import").strip()
    checked = await invitations.check(ctx.session, file, words, ctx.now)
    if isinstance(checked, ImportChecked) and not checked.bad:
        return await ask_to_confirm(ctx, checked, ctx.render(checked).text)
    return ctx.render(checked)


@renders(FileRefused)
def _refused(outcome: FileRefused, env: RenderEnv) -> Reply:
    match outcome.reason:
        case "too_big":
            text = _("That file is over 1 MB, which is more than I read. Split the list into smaller files.")
        case "not_text":
            text = fmt(
                _("I couldn't read {name} as a CSV file. Save the list as CSV (UTF-8) and send it again."),
                name=quoted(outcome.detail or "the file", 60),
            )
        case "empty":
            text = _("That file has nobody in it: a heading line, then one line per person.")
        case "no_name_column":
            text = fmt(
                _("I couldn't find a name column. The file's first line has: {found}."),
                found=outcome.detail or "-",
            )
        case "no_address_column":
            text = _("I couldn't find an email or handle column, so I wouldn't know how to reach anyone.")
        case _:
            text = fmt(
                _("That's more than {n} people in one file. Split the list into smaller files."), n=outcome.detail
            )
    return Reply(text + "\n\n" + _columns() + "\n" + _("/import shows an example. Nothing was saved."))


def problem_words(problem: Problem) -> str:
    """A bad row's problem in words (plain text; the caller escapes it)."""
    detail = problem.detail
    match problem.code:
        case "no_name":
            return _("the name is missing")
        case "long_name":
            return _("the name is longer than {n} characters").format(n=detail)
        case "no_address":
            return _("there is neither an e-mail address nor a handle")
        case "bad_email":
            return _("'{value}' is not an e-mail address (like name@example.edu)").format(value=detail)
        case "bad_handle":
            return _("'{value}' is not a handle (letters, digits, _ . or -, like @aigerim_s)").format(value=detail)
        case "no_role":
            return _("the role is missing: write student or alumnus (or say students or alumni with the file)")
        case "bad_role":
            return _("the role '{value}' is unknown: write student or alumnus").format(value=detail)
        case "bad_year":
            value, _sep, bounds = detail.partition("|")
            low, _sep, high = bounds.partition("|")
            return _("the year '{value}' is out of range ({low} to {high})").format(value=value, low=low, high=high)
        case "long_programme":
            return _("the programme of study is longer than {n} characters").format(n=detail)
        case "duplicate":
            return _("the same e-mail address or handle is on line {line} already").format(line=detail)
        case "invited":
            return _("already invited")
        case "member":
            return _("already in the programme")
    return problem.code


@renders(ImportChecked)
def _checked(outcome: ImportChecked, env: RenderEnv) -> Reply:
    if outcome.bad:
        count = len(outcome.bad)
        lines = [
            ngettext(
                "{n} row needs fixing, so nothing was saved and nobody was invited:",
                "{n} rows need fixing, so nothing was saved and nobody was invited:",
                count,
            ).format(n=count)
        ]
        for bad in outcome.bad[:SHOWN_BAD_ROWS]:
            why = "; ".join(problem_words(p) for p in bad.problems)
            who = f" ({quoted(bad.name, 40)})" if bad.name else ""
            lines.append(fmt(_("Line {line}{who}: {why}"), line=bad.line, who=who, why=why))
        if count > SHOWN_BAD_ROWS:
            lines.append(fmt(_("… and {n} more."), n=count - SHOWN_BAD_ROWS))
        lines += ["", _("Fix those lines and send the whole file again.")]
        return Reply("\n".join(lines))
    names = ", ".join(row.name for row in outcome.rows[:SHOWN_NAMES])
    more = len(outcome.rows) - SHOWN_NAMES
    if more > 0:
        names += " " + ngettext("and {n} more", "and {n} more", more).format(n=more)
    students = ngettext("{n} student", "{n} students", outcome.students).format(n=outcome.students)
    alumni = ngettext("{n} alumnus", "{n} alumni", outcome.alumni).format(n=outcome.alumni)
    mailing = (
        _("Each one with an e-mail address gets the invitation by e-mail; you get the others' texts to send.")
        if env.settings.mail_enabled
        else _("No e-mail server is set up, so you get the invitation texts and links to send yourself.")
    )
    text = "\n".join(
        [
            fmt(
                _("<b>Every row is fine.</b> {students} and {alumni}: {names}."),
                students=students,
                alumni=alumni,
                names=names,
            ),
            esc(mailing),
        ]
    )
    return Reply(text)


@renders(CohortInvited)
def _invited(outcome: CohortInvited, env: RenderEnv) -> Reply:
    total = outcome.students + outcome.alumni
    lines = [
        ngettext("Done: {n} invitation saved", "Done: {n} invitations saved", total).format(n=total)
        + " "
        + _("({students} students, {alumni} alumni).").format(students=outcome.students, alumni=outcome.alumni)
    ]
    if outcome.mailing:
        lines.append(
            ngettext(
                "{n} e-mail is on its way; I'll tell you when it has gone.",
                "{n} e-mails are on their way; I'll tell you how many went.",
                outcome.mailing,
            ).format(n=outcome.mailing)
        )
    attachment = None
    if outcome.by_hand:
        lines.append(
            ngettext(
                "Here is {n} invitation to send yourself: the file has the name, address, link and text.",
                "Here are {n} invitations to send yourself: the file has each name, address, link and text.",
                len(outcome.by_hand),
            ).format(n=len(outcome.by_hand))
        )
        for person in outcome.by_hand[:LISTED_LINKS]:
            lines.append(fmt("• {name}: {link}", name=person.name, link=person.link))
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(["name", "email", "handle", "link", "text"])
        for person in outcome.by_hand:
            writer.writerow([person.name, person.email, person.handle, person.link, person.text])
        attachment = Attachment("invitations.csv", buffer.getvalue().encode("utf-8-sig"), "text/csv")
    lines.append(_("/invitations shows who has joined."))
    return Reply("\n".join(lines), attachment=attachment)


@renders(InvitationsMailed)
def _mailed(outcome: InvitationsMailed, env: RenderEnv) -> Reply:
    lines = [
        ngettext("{n} invitation e-mail went.", "{n} invitation e-mails went.", outcome.sent).format(n=outcome.sent)
    ]
    if outcome.failed:
        lines.append(
            ngettext(
                "{n} could not be sent:",
                "{n} could not be sent:",
                len(outcome.failed),
            ).format(n=len(outcome.failed))
        )
        lines += [fmt("• {name} ({email})", name=name, email=email) for name, email in outcome.failed[:LISTED_LINKS]]
        lines.append(_("/invitations can try them again."))
    return Reply("\n".join(lines))


@command("invitations", help=N_("invitations sent, accepted and waiting"), roles=STAFF)
async def list_invitations(ctx: Context) -> Reply:
    return ctx.render(await invitations.counts(ctx.session))


@renders(InvitationCounts)
def _counts(outcome: InvitationCounts, env: RenderEnv) -> Reply:
    if not outcome.total:
        return Reply(_("No invitations yet. /import explains how to invite a cohort from a CSV file."))
    text = fmt(
        _("<b>Invitations</b>: {total} in all; {sent} sent, {accepted} accepted, {pending} waiting to be accepted."),
        total=outcome.total,
        sent=outcome.sent,
        accepted=outcome.accepted,
        pending=outcome.pending,
    )
    buttons = []
    if outcome.unsent and env.settings.mail_enabled:
        text += "\n" + ngettext(
            "{n} e-mail has not gone yet.", "{n} e-mails have not gone yet.", outcome.unsent
        ).format(n=outcome.unsent)
        buttons.append([Button(_("Send them again"), "inv.resend")])
    return Reply(text, buttons=buttons)


@action("inv.resend", roles=STAFF)
async def resend(ctx: Context) -> Reply:
    if not ctx.settings.mail_enabled:
        return Reply(_("No e-mail server is set up, so I can't send e-mails. /invitations shows the numbers."))
    ids = await invitations.unsent(ctx.session)
    if not ids:
        return Reply(_("Every invitation e-mail has gone already."), edit=True)
    invitations.mail_later(ctx.session, ctx.core, ctx.user, ids)
    return Reply(
        ngettext(
            "Trying {n} e-mail again; I'll tell you how it went.",
            "Trying {n} e-mails again; I'll tell you how many went.",
            len(ids),
        ).format(n=len(ids)),
        edit=True,
    )


# --- the link in an invitation ---------------------------------------------------------------------------


def is_link(args: str) -> bool:
    return invitations.token_in(args) is not None


async def follow_link(ctx: Context) -> tuple[Reply | None, str]:
    """`/start inv_<token>`: the person's profile form, started from the file, when the invitation is theirs
    and they are new; otherwise no reply, and the sentence to put above the usual start."""
    token = invitations.token_in(ctx.event.args) or ""
    opened = await invitations.accept(ctx.session, ctx.user, token, ctx.now)
    if opened.invitation is not None and opened.invitation.role == invitations.STAFF_ROLE:
        return ctx.render(opened), ""  # a colleague joining the career team: no profile to start
    if opened.status == "accepted" and opened.new_member and opened.invitation is not None:
        form = "mentor" if opened.invitation.role == "alumnus" else "mentee"
        reply = await forms.start_form(ctx, form, answers=invitations.prefilled(opened.invitation))
        reply.text = ctx.render(opened).text + "\n\n" + reply.text
        return reply, ""
    return None, ctx.render(opened).text


@renders(InvitationOpened)
def _opened(outcome: InvitationOpened, env: RenderEnv) -> Reply:
    programme = env.programme
    staff = outcome.invitation is not None and outcome.invitation.role == invitations.STAFF_ROLE
    if staff and outcome.status == "accepted":
        return Reply(
            fmt(
                _(
                    "Welcome to {office}! You can now approve mentors (/pending), match students (/match), read "
                    "the figures (/stats) and more: /help lists it all."
                ),
                office=programme.office,
            ),
            buttons=[[Button(_("Help"), "help.show")]],
        )
    if outcome.status == "accepted" and outcome.new_member and outcome.invitation is not None:
        first = outcome.invitation.name.split()[0] if outcome.invitation.name.split() else ""
        text = fmt(
            _(
                "Welcome{name}! {office} invited you to the {title}. Your profile is started with what their "
                "list says: keep each answer or change it."
            ),
            name=f", {first}" if first else "",
            office=programme.office_opening,
            title=programme.title,
        )
    elif outcome.status == "accepted":
        text = _("You've opened your invitation already, so here is where you are.")
    elif outcome.status == "used":
        text = fmt(
            _("That invitation link has been used already. If it was yours, ask {office} for a new one."),
            office=programme.office,
        )
    elif outcome.status == "other_role":
        text = _("That invitation is for someone joining in another role than yours, so I've left it unused.")
    else:
        text = fmt(
            _("I don't recognise that invitation link. Let's start as usual; {office} can send a new one."),
            office=programme.office,
        )
    return Reply(text)
