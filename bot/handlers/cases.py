"""Staff cases: /report (anyone tells the career team about a problem), and the career team's buttons on
every case in their chat: take it, resolve it, and for a mentorship, ask both sides, close or re-match it.

The rules are in bot.services.cases; this module says how a case reads and which buttons it carries.
"""

from __future__ import annotations

from typing import Any

from bot.conversations.cases import file_report
from bot.core import forms
from bot.core.context import Context
from bot.core.errors import Refusal
from bot.core.markup import esc, fmt
from bot.core.payloads import storable
from bot.core.registry import RenderEnv, action, command, renders
from bot.core.replies import Button, Reply
from bot.i18n import N_, _, date_text
from bot.services import cases, checkins, ending
from bot.services.cases import AlreadyTaken, CaseCard, CaseTaken
from bot.services.nudges import pair_sides
from bot.views import pair_names
from bot.views.pair_choice import pair_options
from storage.models import Pair, Report, User

STAFF = ("staff",)
NOT_A_PAIR = "none"


# --- /report: anyone, in confidence -----------------------------------------------------------------


@command("report", help=N_("tell {office} about a problem, in confidence"), roles=("any",))
async def report_command(ctx: Context) -> Reply:
    options = await pair_options(ctx) if ctx.user.role else []
    context: dict[str, Any] = {"pairs": [[pair.id, other.name] for pair, other in options]}
    answers: dict[str, Any] = {}
    if not options:
        answers["_has_about"] = True
    if ctx.event.args.strip():
        context["text"], answers["_has_text"] = storable(ctx.event.args).strip(), True
        if not options:
            return await file_report(ctx, None, ctx.event.args)
    return await forms.start_form(ctx, "report", context=context, answers=answers)


# --- how a case reads in the staff chat -----------------------------------------------------------------


def _role(user: User) -> str:
    if user.is_staff and user.role is None:
        return _("career team")
    return {"student": _("student"), "alumnus": _("mentor")}.get(user.role or "", _("no profile yet"))


def _day(moment: Any) -> str:
    return date_text(moment, "dd MMM y")


def pair_summary(case: CaseCard) -> str:
    pair = case.pair
    assert pair is not None
    last = _day(pair.last_contact_at) if pair.last_contact_at else _("none logged")
    text = fmt(
        _("About: {mentor} (mentor) and {mentee} (student), matched on {since}; last contact: {last}"),
        mentor=case.mentor.name if case.mentor else "?",
        mentee=case.mentee.name if case.mentee else "?",
        since=_day(pair.created_at),
        last=last,
    )
    if pair.status == "ended" and pair.ended_at is not None:
        text += fmt(_("; ended on {day}"), day=_day(pair.ended_at))
    return text


def _offered(env: RenderEnv) -> str:
    offer = env.programme.office_request
    return offer.label if offer is not None else _("help from the office")


def _report_text(case: CaseCard, env: RenderEnv) -> str:
    """The case as a record: what, who, about which mentorship, the words (escaped when a person wrote them),
    who handled it. A request to the office reads as what was asked for and by whom."""
    report = case.report
    written = report.kind in cases.WRITTEN  # someone's own words, not the bot's account
    kind = _(cases.KINDS.get(report.kind, report.kind))
    status = _(cases.STATUS.get(report.status, report.status))
    lines = [fmt(_("<b>{kind} #{id}</b> · {status}"), kind=kind, id=report.id, status=status)]
    if report.kind == cases.OFFICE_REQUEST:
        who = case.reporter
        lines.append(
            fmt(
                _("A request for {label} from {name} ({role}), {contact}"),
                label=_offered(env),
                name=(who.name or f"#{who.id}") if who else _("someone who has since left the programme"),
                role=_role(who) if who else "—",
                contact=(who.contact_details if who else "") or _("no contact details"),
            )
        )
    elif case.reporter is not None:
        lines.append(
            fmt(
                _("From: {name} ({role}), {contact}"),
                name=case.reporter.name or f"#{case.reporter.id}",
                role=_role(case.reporter),
                contact=case.reporter.contact_details or _("no contact details"),
            )
        )
    elif written:
        lines.append(_("From: someone who has since left the programme"))
    if case.pair is not None:
        lines.append(pair_summary(case))
    elif report.kind == "report":
        lines.append(_("About: not about a particular mentorship"))
    if report.text:
        lines += ["", f"<i>{esc(report.text)}</i>" if written else report.text]
    if case.handled_by is not None:
        lines += [
            "",
            fmt(
                _("{status} by {name}."), status=_(cases.STATUS[report.status]).capitalize(), name=case.handled_by.name
            ),
        ]
    return "\n".join(lines)


def case_buttons(case: CaseCard) -> list[list[Button]]:
    """What staff can do with a case now: take it first; then resolve it, and for a mentorship still open,
    ask both sides, close it or re-match the student."""
    report, rid = case.report, str(case.report.id)
    if report.status == "resolved":
        return []
    resolved = Button(_("Resolved"), "rep.resolve", rid)
    pair_open = case.pair is not None and case.pair.status != "ended"
    if report.kind in cases.WRITTEN:  # someone's own words: read, take, resolve
        first = [Button(_("Take it"), "rep.take", rid, style="primary")] if report.status == "open" else []
        return [[*first, resolved]]
    pair_actions = [
        Button(_("Close the pair"), "esc.close", rid, style="danger"),
        Button(_("Re-match the mentee"), "esc.rematch", rid),
    ]
    if report.status == "open":
        take = Button(_("I'll take it"), "esc.take", rid, style="primary")
        if report.kind in cases.ABOUT_A_STALLED_PAIR and pair_open:
            return [[take, Button(_("Contact the pair"), "esc.contact", rid)], pair_actions]
        return [[take]]
    if not pair_open:
        return [[resolved]]
    return [[Button(_("Contact the pair"), "esc.contact", rid), resolved], pair_actions]


@renders(CaseCard)
def _case_card(case: CaseCard, env: RenderEnv) -> Reply:
    if case.report.kind in cases.WRITTEN or case.report.status == "resolved":
        text = _report_text(case, env)
    else:  # the bot's own account of what happened, written when the case was filed
        text = case.report.text
        if case.handled_by is not None and case.report.status == "taken":
            text += "\n\n" + fmt(_("Taken by {name}."), name=case.handled_by.name)
    return Reply(text, buttons=case_buttons(case))


@renders(AlreadyTaken)
def _already_taken(taken: AlreadyTaken, env: RenderEnv) -> Reply:
    name = taken.by.name if taken.by else _("Someone")
    if taken.report.kind == cases.OFFICE_REQUEST:
        return Reply(fmt(_("{name} is already handling that request."), name=name))
    if taken.report.kind == "report":
        return Reply(fmt(_("{name} is already handling that report."), name=name))
    return Reply(fmt(_("{name} already has this one."), name=name))


@renders(CaseTaken)
def _case_taken(taken: CaseTaken, env: RenderEnv) -> Reply:
    return Reply(
        fmt(
            _("{name} from {office} is looking into what you told us."),
            name=taken.staff.first_name,
            office=env.programme.office,
        )
    )


# --- staff: take and resolve, the same for every kind of case ------------------------------------------


@action("rep.take", roles=STAFF)
async def take(ctx: Context) -> Reply:
    outcome = await cases.take(ctx.session, ctx.event.payload, ctx.user, ctx.now)
    reply = ctx.render(outcome)
    reply.edit = not isinstance(outcome, AlreadyTaken)  # the card stays as the first taker left it
    return reply


# The button on cases the bot files; the same action as rep.take (kept for messages already in staff chats).
action("esc.take", roles=STAFF)(take)


@action("rep.resolve", roles=STAFF)
async def resolve(ctx: Context) -> Reply:
    reply = ctx.render(await cases.resolve(ctx.session, ctx.event.payload, ctx.user, ctx.now))
    reply.edit = True
    return reply


# --- staff: a case about a mentorship -------------------------------------------------------------------


async def _open_pair(ctx: Context, pair_id: int | None) -> Pair:
    pair = await ctx.session.get(Pair, pair_id) if pair_id is not None else None
    if pair is None or pair.status == "ended":
        raise Refusal(_("That mentorship has ended, so there's nothing to answer. /help shows what you can do."))
    return pair


async def _names(ctx: Context, pair: Pair) -> str:
    mentor, mentee = await pair_sides(ctx.session, pair)
    return pair_names(mentor, mentee)


@action("esc.contact", roles=("staff",))
async def contact_pair(ctx: Context) -> Reply:
    """Both sides get a personal 'how is it going?' with the one-tap check-in answers."""
    report = await cases.case_for_staff(ctx.session, ctx.user, ctx.event.payload)
    pair = await _open_pair(ctx, report.pair_id)
    if not await checkins.ask_for_staff(ctx.session, report, pair, ctx.user, ctx.now, ctx.programme, ctx.settings):
        return Reply(_("Both were asked already; their answers come here."))
    return Reply(_("Both sides were asked how it's going (in their daytime). Their answers come here."))


@action("esc.close", roles=("staff",))
async def close_pair(ctx: Context) -> Reply:
    return await _confirm_closing(ctx, _("Close this mentorship: "), _("Yes, close it"), "esc.closeok")


@action("esc.rematch", roles=("staff",))
async def rematch(ctx: Context) -> Reply:
    return await _confirm_closing(
        ctx, _("Close this mentorship and show the student other mentors: "), _("Yes, re-match"), "esc.rematchok"
    )


async def _confirm_closing(ctx: Context, question: str, yes: str, yes_action: str) -> Reply:
    """Ask staff to confirm a step that ends the pair, naming the consequence; the safe choice first."""
    report = await cases.case_for_staff(ctx.session, ctx.user, ctx.event.payload)
    pair = await _open_pair(ctx, report.pair_id)
    return Reply(
        question + await _names(ctx, pair) + "?\n" + _("Both are told, and the mentor's place is freed."),
        buttons=[
            [
                Button(_("Keep it"), "esc.keep", str(report.id)),
                Button(yes, yes_action, str(report.id), style="danger"),
            ]
        ],
    )


@action("esc.keep", roles=("staff",))
async def keep_pair(ctx: Context) -> Reply:
    return Reply(_("Nothing was changed."), edit=True)


@action("esc.closeok", roles=("staff",))
async def close_confirmed(ctx: Context) -> Reply:
    report = await cases.case_for_staff(ctx.session, ctx.user, ctx.event.payload)
    pair = await _end_for_staff(ctx, report)
    return Reply(_("Closed: ") + await _names(ctx, pair) + ". " + _("Both were told."), edit=True)


@action("esc.rematchok", roles=("staff",))
async def rematch_confirmed(ctx: Context) -> Reply:
    report = await cases.case_for_staff(ctx.session, ctx.user, ctx.event.payload)
    pair = await _end_for_staff(ctx, report, reason="rematch")  # the student's message carries other mentors
    return Reply(_("Closed, and the student was shown other mentors: ") + await _names(ctx, pair) + ".", edit=True)


async def _end_for_staff(ctx: Context, report: Report, reason: str = "staff") -> Pair:
    pair = await _open_pair(ctx, report.pair_id)
    await ending.end_for_case(ctx.session, report, pair, ctx.user, ctx.now, ctx.programme, reason)
    return pair
