"""The home view: a person's dashboard (bot.services.dashboard) as a short list of cards, most urgent
first, with the buttons to act on each. Platforms that show an overview ask for it with a "home" event
(Slack's App Home tab); the words and buttons are the same wherever it is shown."""

from __future__ import annotations

import datetime as dt

from bot.core.context import Context
from bot.core.markup import esc, fmt, shorten
from bot.core.registry import home
from bot.core.replies import Button, Reply
from bot.handlers.meetings import upcoming_cards
from bot.handlers.milestones import milestone_cards
from bot.i18n import _, date_text, ngettext
from bot.programme import Programme
from bot.services.dashboard import Dashboard, Figures, PairLine, ReportLine, RequestLine, load_dashboard
from bot.views import status_text, welcome_question


@home
async def overview(ctx: Context) -> list[Reply]:
    """The acting person's dashboard, read as it is now."""
    board = await load_dashboard(ctx.session, ctx.user, ctx.now)
    return dashboard_cards(board, ctx.programme) + await milestone_cards(ctx) + await upcoming_cards(ctx)


def _day(moment: dt.datetime | dt.date) -> str:
    return date_text(moment, "dd MMM y")


def dashboard_cards(board: Dashboard, programme: Programme) -> list[Reply]:
    """The dashboard as a short list of cards (text and buttons), most urgent first."""
    cards = [_profile_card(board, programme)]
    if board.incoming:
        cards.append(Reply(_("<b>Students waiting for your answer</b>")))
        cards += [_incoming_card(line) for line in board.incoming]
    if board.outgoing:
        cards.append(_outgoing_card(board.outgoing))
    if board.pairs:
        cards.append(Reply(_("<b>Your mentorships</b>")))
        cards += [_pair_card(line) for line in board.pairs]
    if board.figures is not None:
        cards.append(_figures_card(board.figures, programme))
        cards += [_report_card(line) for line in board.reports]
    return cards


def _profile_card(board: Dashboard, programme: Programme) -> Reply:
    if board.role is None and not board.is_staff:
        return Reply(
            fmt(_("<b>Welcome to the {title}!</b>"), title=programme.title) + "\n" + welcome_question(programme),
            buttons=[
                [
                    Button(_("I'm a student"), "start.role", "student"),
                    Button(_("I'm an alumnus / alumna"), "start.role", "alumnus"),
                ]
            ],
        )
    hello = fmt(_("<b>Hello, {name}!</b>"), name=board.name.split()[0] if board.name.strip() else _("friend"))
    if board.profile_status == "none":
        if board.is_staff and board.role is None:
            return Reply(
                hello
                + "\n"
                + fmt(_("You're part of {office}. The programme's figures are below."), office=programme.office)
            )
        return Reply(
            hello + "\n" + _("Your profile isn't finished yet."),
            buttons=[[Button(_("Finish my profile"), "profile.show")]],
        )
    if board.profile_status == "student":
        return Reply(
            hello + "\n" + _("Your student profile is ready: mentors see it when you approach them."),
            buttons=[[Button(_("Browse mentors"), "browse.open"), Button(_("My profile"), "profile.show")]],
        )
    status = status_text(board.profile_status, programme)
    line = fmt(_("Your mentor profile: {status}."), status=status)
    if board.paused:
        line += " " + _("It is paused, so students don't see it.")
    return Reply(hello + "\n" + line, buttons=[[Button(_("My profile"), "profile.show")]])


def _incoming_card(line: RequestLine) -> Reply:
    text = fmt(_("<b>{name}</b> would like you as their mentor (since {day})."), name=line.person, day=_day(line.since))
    if line.message:
        text += "\n" + f"<i>{esc(shorten(line.message, 280))}</i>"
    return Reply(
        text,
        buttons=[
            [
                Button(_("Accept"), "req.acc", str(line.request_id), style="primary"),
                Button(_("Decline"), "req.dec", str(line.request_id)),
            ]
        ],
    )


def _outgoing_card(lines: list[RequestLine]) -> Reply:
    names = ", ".join(line.person for line in lines)
    return Reply(
        fmt(_("<b>Your requests</b>: waiting for {names}. We'll tell you as soon as they answer."), names=names)
    )


def _pair_card(line: PairLine) -> Reply:
    if line.status != "active":
        return Reply(
            fmt(_("<b>{name}</b>: you're agreeing how you'll work together."), name=line.person),
            buttons=[[Button(_("The agreement"), "agr.start", str(line.pair_id))]],
        )
    last = (
        fmt(_("last contact {day}"), day=_day(line.last_contact)) if line.last_contact else _("no contact logged yet")
    )
    return Reply(
        fmt(_("<b>{name}</b>: since {since}; {last}."), name=line.person, since=_day(line.since), last=last),
        buttons=[
            [
                Button(_("Log a contact"), "log.new", str(line.pair_id), style="primary"),
                Button(_("Goals"), "goal.list", str(line.pair_id)),
            ]
        ],
    )


def _figures_card(figures: Figures, programme: Programme) -> Reply:
    lines = [
        fmt(_("<b>{title}: the figures</b>"), title=programme.title),
        fmt(
            _("Mentors: {approved} approved, {waiting} waiting for approval. Students: {students}."),
            approved=figures.mentors_approved,
            waiting=figures.mentors_waiting,
            students=figures.students,
        ),
        fmt(
            _("Requests waiting for an answer: {requests}. Active mentorships: {active}, of which {quiet} quiet."),
            requests=figures.requests_pending,
            active=figures.pairs_active,
            quiet=figures.pairs_quiet,
        ),
        fmt(
            ngettext("{n} open report.", "{n} open reports.", figures.reports_open),
            n=figures.reports_open,
        ),
    ]
    return Reply("\n".join(lines))


def _report_card(line: ReportLine) -> Reply:
    who = line.reporter or _("someone")
    text = fmt(_("<b>{kind}</b> from {who}, {day}"), kind=line.kind.capitalize(), who=who, day=_day(line.since))
    if line.text:
        text += "\n" + esc(shorten(line.text, 280))
    if line.status != "open":
        return Reply(text + "\n" + _("Someone on the team is on it."))
    return Reply(text, buttons=[[Button(_("I'll take it"), "rep.take", str(line.report_id))]])
