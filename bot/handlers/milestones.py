"""/milestones for the pair and staff, /roadbook and /evaluate, the buttons to fill in and read the
road-book and the evaluation, and the words of every milestone notice."""

from __future__ import annotations

import datetime as dt
from typing import Any

from bot.config import Settings
from bot.conversations.milestone_forms import start_evaluation, start_roadbook
from bot.core.context import Context
from bot.core.daytime import zone_for
from bot.core.errors import Refusal
from bot.core.markup import esc, fmt
from bot.core.payloads import storable
from bot.core.registry import RenderEnv, action, command, renders
from bot.core.replies import Button, Reply, rows
from bot.handlers.meetings import when_text
from bot.i18n import N_, _, date_text, ngettext
from bot.programme import FormDefinition, Milestone, Programme
from bot.services import milestones
from bot.services.milestones import (
    EvaluationDue,
    EvaluationGiven,
    EvaluationSaved,
    MissedWindow,
    PairSteps,
    PlanReminder,
    RoadbookDue,
    RoadbookMissing,
    RoadbookOverdue,
    RoadbookReceived,
    RoadbookSent,
    Step,
    WindowOpened,
)
from storage.models import Meeting, MilestoneProgress, User

SIDES = ("student", "alumnus")
MEET_EXAMPLE = N_("/meet, e.g. /meet Thursday 15:00 on zoom")


def day_text(day: dt.date | dt.datetime) -> str:
    """'29 January'."""
    return date_text(day, "d MMMM")


def window_text(progress: MilestoneProgress) -> str:
    """'1 January to 31 March 2026' (plain text: dates only)."""
    opens, closes = progress.opens_on, progress.closes_on
    first = day_text(opens) if opens.year == closes.year else f"{day_text(opens)} {opens.year}"
    return _("{opens} to {closes}").format(opens=first, closes=f"{day_text(closes)} {closes.year}")


def _number(programme: Programme, milestone: Milestone) -> int:
    return next(i for i, m in enumerate(programme.milestones, 1) if m.key == milestone.key)


def _answer_lines(form: FormDefinition, answers: dict[str, Any]) -> list[str]:
    """Each question in bold and the answer as it was given (escaped)."""
    lines = []
    for question in form.questions:
        value = answers.get(question.key)
        if value in (None, ""):
            shown = _("(no answer)")
        elif question.kind == "yes_no":
            shown = _("Yes") if value is True else _("No")
        elif question.kind == "rating":
            shown = f"{value}/5"
        else:
            shown = str(value)
        lines += ["", f"<b>{esc(question.prompt)}</b>", esc(shown)]
    return lines


def _meeting_line(meeting: Meeting | None, person: User, settings: Settings) -> str:
    if meeting is None:
        return _("No meeting is planned for it yet.")
    return fmt(_("Your meeting: {when}."), when=when_text(meeting, person, settings))


def _fill_roadbook(progress: MilestoneProgress, *, again: bool = False) -> Button:
    label = _("Update the road-book") if again else _("Fill in the road-book")
    return Button(label, "ms.rbfill", str(progress.id), style="" if again else "primary")


def _fill_evaluation(progress: MilestoneProgress) -> Button:
    return Button(_("Fill in the evaluation"), "ms.evfill", str(progress.id), style="primary")


# --- the schedule's messages ----------------------------------------------------------------------------


@renders(WindowOpened)
def _window_opened(opened: WindowOpened, env: RenderEnv) -> Reply:
    milestone = opened.milestone
    lines = [
        fmt(_("<b>{step}</b> is open now: {window}."), step=milestone.title, window=window_text(opened.progress)),
    ]
    if milestone.description:
        lines.append(esc(milestone.description))
    lines.append(
        fmt(_("Plan the meeting with {first}: {example}."), first=opened.other.first_name, example=_(MEET_EXAMPLE))
    )
    buttons: list[list[Button]] = []
    if milestone.before_form is not None:
        if opened.role == "mentee":
            lines.append(
                fmt(
                    _("Send {first} your road-book at least {days} days before the meeting; I'll remind you."),
                    first=opened.other.first_name,
                    days=milestone.before_days,
                )
            )
            buttons.append([_fill_roadbook(opened.progress)])
        else:
            lines.append(
                fmt(
                    _("{first} sends you a road-book at least {days} days before it; I'll pass it on."),
                    first=opened.other.first_name,
                    days=milestone.before_days,
                )
            )
    return Reply("\n".join(lines), buttons=buttons)


@renders(PlanReminder)
def _plan_reminder(reminder: PlanReminder, env: RenderEnv) -> Reply:
    return Reply(
        fmt(
            _(
                "<b>{step}</b>: its window closes on {closes} and no meeting is planned yet. "
                "Plan one with {first}: {example}."
            ),
            step=reminder.milestone.title,
            closes=day_text(reminder.progress.closes_on),
            first=reminder.other.first_name,
            example=_(MEET_EXAMPLE),
        )
    )


@renders(RoadbookDue)
def _roadbook_due(due: RoadbookDue, env: RenderEnv) -> Reply:
    return Reply(
        fmt(
            _(
                "Your road-book for <b>{step}</b> is due: you meet {name} on {when}. Send it now, so {first} "
                "has it {days} days ahead."
            ),
            step=due.milestone.title,
            name=due.other.name,
            when=when_text(due.meeting, due.person, env.settings),
            first=due.other.first_name,
            days=due.milestone.before_days,
        ),
        buttons=[[_fill_roadbook(due.progress)]],
    )


@renders(RoadbookOverdue)
def _roadbook_overdue(late: RoadbookOverdue, env: RenderEnv) -> Reply:
    return Reply(
        fmt(
            _(
                "Your road-book for <b>{step}</b> is overdue: {first} hasn't received it yet, and you meet on "
                "{when}. It's the guide for your meeting, so please send it today."
            ),
            step=late.milestone.title,
            first=late.other.first_name,
            when=when_text(late.meeting, late.person, env.settings),
        ),
        buttons=[[_fill_roadbook(late.progress)]],
    )


@renders(RoadbookMissing)
def _roadbook_missing(missing: RoadbookMissing, env: RenderEnv) -> Reply:
    return Reply(
        fmt(
            _(
                "{name}'s road-book for <b>{step}</b> hasn't arrived yet (you meet on {when}). I've reminded "
                "{first}; a short message from you may help too."
            ),
            name=missing.other.name,
            step=missing.milestone.title,
            when=when_text(missing.meeting, missing.person, env.settings),
            first=missing.other.first_name,
        )
    )


@renders(EvaluationDue)
def _evaluation_due(due: EvaluationDue, env: RenderEnv) -> Reply:
    template = (
        _("A gentle reminder: {first} is waiting for your evaluation of <b>{step}</b>. It takes a few minutes.")
        if due.again
        else _(
            "Your meeting with {name} for <b>{step}</b> has happened: thank you! Next is the evaluation form; "
            "it goes to {first}."
        )
    )
    return Reply(
        fmt(template, first=due.other.first_name, name=due.other.name, step=due.milestone.title),
        buttons=[[_fill_evaluation(due.progress)]],
    )


@renders(MissedWindow)
def _window_missed(missed: MissedWindow, env: RenderEnv) -> Reply:
    lines = [
        fmt(_("<b>Milestone missed</b> · {step}"), step=missed.milestone.title),
        fmt(
            _(
                "{mentor} (mentor) and {mentee} (student), mentorship #{pair}: the window {window} closed "
                "without the meeting."
            ),
            mentor=missed.mentor.name,
            mentee=missed.mentee.name,
            pair=missed.pair.id,
            window=window_text(missed.progress),
        ),
    ]
    if missed.meeting is not None:
        lines.append(
            fmt(
                _("A meeting was planned for {when}; neither side said it happened."),
                when=when_text(missed.meeting, missed.mentor, env.settings),
            )
        )
    lines.append(fmt(_("/milestones {pair} shows the pair's steps."), pair=missed.pair.id))
    return Reply("\n".join(lines))


# --- the road-book ---------------------------------------------------------------------------------------


@command("roadbook", help=N_("fill in the road-book for your next meeting with your mentor"), roles=("student",))
async def roadbook(ctx: Context) -> Reply:
    _no_milestones(ctx)
    found = [
        (shown, step)
        for shown in await milestones.mine(ctx.session, ctx.user, ctx.programme, ctx.settings, ctx.now)
        for step in shown.steps
        if step.may_send_roadbook
    ]
    firsts: dict[int, tuple[PairSteps, Step]] = {}
    for shown, step in found:
        firsts.setdefault(shown.pair.id, (shown, step))  # each mentorship's next step only
    if not firsts:
        return Reply(_("There's no road-book to send right now. /milestones shows your steps and what each waits for."))
    if len(firsts) == 1:
        _shown, step = next(iter(firsts.values()))
        return await start_roadbook(ctx, step.progress.id)
    buttons = [
        Button(f"{shown.mentor.first_name} · {step.milestone.title}"[:60], "ms.rbfill", str(step.progress.id))
        for shown, step in firsts.values()
    ]
    return Reply(_("Which road-book would you like to fill in?"), buttons=rows(buttons, 1))


@action("ms.rbfill", roles=SIDES)
async def roadbook_button(ctx: Context) -> Reply:
    return await start_roadbook(ctx, ctx.event.payload)


@renders(RoadbookSent)
def _roadbook_sent(sent: RoadbookSent, env: RenderEnv) -> Reply:
    template = (
        _("Updated: {name} has the new version of your road-book for <b>{step}</b>.")
        if sent.updated
        else _("Sent! {name} has your road-book for <b>{step}</b>.")
    )
    lines = [fmt(template, name=sent.other.name, step=sent.milestone.title)]
    lines.append(_meeting_line(sent.meeting, sent.person, env.settings))
    lines.append(_("You can send it again before the meeting to change it. /milestones shows your steps."))
    return Reply("\n".join(lines))


@renders(RoadbookReceived)
def _roadbook_received(received: RoadbookReceived, env: RenderEnv) -> Reply:
    template = (
        _("<b>{name} updated the road-book for {step}</b>")
        if received.updated
        else _("<b>{name} sent you the road-book for {step}</b>")
    )
    lines = [fmt(template, name=received.other.name, step=received.milestone.title)]
    lines.append(_meeting_line(received.meeting, received.person, env.settings))
    lines += _answer_lines(received.form, received.progress.form_answers or {})
    return Reply("\n".join(lines))


# --- the evaluation --------------------------------------------------------------------------------------


@command("evaluate", help=N_("fill in the evaluation after a meeting with your student"), roles=("alumnus",))
async def evaluate(ctx: Context) -> Reply:
    _no_milestones(ctx)
    found = [
        (shown, step)
        for shown in await milestones.mine(ctx.session, ctx.user, ctx.programme, ctx.settings, ctx.now)
        for step in shown.steps
        if step.may_evaluate
    ]
    if not found:
        return Reply(
            _(
                "There's no evaluation waiting for you. It opens once a step's meeting has happened. "
                "/milestones shows your students' steps."
            )
        )
    if len(found) == 1:
        return await start_evaluation(ctx, found[0][1].progress.id)
    buttons = [
        Button(f"{shown.mentee.first_name} · {step.milestone.title}"[:60], "ms.evfill", str(step.progress.id))
        for shown, step in found
    ]
    return Reply(_("Which evaluation would you like to fill in?"), buttons=rows(buttons, 1))


@action("ms.evfill", roles=SIDES)
async def evaluation_button(ctx: Context) -> Reply:
    return await start_evaluation(ctx, ctx.event.payload)


@renders(EvaluationSaved)
def _evaluation_saved(saved: EvaluationSaved, env: RenderEnv) -> Reply:
    return Reply(
        fmt(
            _("Thank you! {first} has your evaluation of <b>{step}</b>. /milestones shows what comes next."),
            first=saved.other.first_name,
            step=saved.milestone.title,
        )
    )


@renders(EvaluationGiven)
def _evaluation_given(given: EvaluationGiven, env: RenderEnv) -> Reply:
    lines = [
        fmt(_("<b>{name} sent you the evaluation of {step}</b>"), name=given.other.name, step=given.milestone.title)
    ]
    lines += _answer_lines(given.form, given.progress.evaluation or {})
    lines += ["", _("/milestones shows your steps and what comes next.")]
    return Reply("\n".join(lines))


# --- reading them back -----------------------------------------------------------------------------------


async def _read(ctx: Context, which: str) -> Reply:
    shown = await milestones.read_form(ctx.session, ctx.user, storable(ctx.event.payload), which, ctx.programme)
    template = (
        _("<b>{name}'s road-book for {step}</b>, sent on {day}")
        if which == "before"
        else _("<b>{name}'s evaluation of {step}</b>, sent on {day}")
    )
    sent_on = day_text(shown.written_at.astimezone(ctx.zone))
    lines = [fmt(template, name=shown.author.name, step=shown.milestone.title, day=sent_on)]
    if which == "before":
        lines.append(_meeting_line(shown.meeting, ctx.user, ctx.settings))
    lines += _answer_lines(shown.form, shown.answers)
    return Reply("\n".join(lines))


@action("ms.rbread", roles=(*SIDES, "staff"))
async def read_roadbook(ctx: Context) -> Reply:
    return await _read(ctx, "before")


@action("ms.evread", roles=(*SIDES, "staff"))
async def read_evaluation(ctx: Context) -> Reply:
    return await _read(ctx, "after")


# --- /milestones -----------------------------------------------------------------------------------------


def _no_milestones(ctx: Context) -> None:
    if not ctx.programme.milestones:
        raise Refusal(
            fmt(
                _("The {title} has no milestones: you plan your meetings together as suits you, with /meet."),
                title=ctx.programme.title,
            )
        )


def state_text(step: Step, viewer: User, settings: Settings) -> str:
    """Where a step stands, in plain words (markup), with its days on the viewer's clock."""
    progress, meeting = step.progress, step.meeting

    def on(moment: dt.datetime | None) -> str:
        return day_text(moment.astimezone(zone_for(viewer, settings))) if moment is not None else ""

    if step.state == milestones.UPCOMING:
        return _("upcoming")
    if step.state == milestones.OPEN:
        return _("open now, no meeting yet")
    if step.state == milestones.MISSED_STEP:
        return _("missed")
    if step.state == milestones.EVALUATION_WAITING:
        return fmt(_("met on {day}, evaluation due"), day=on(progress.met_at))
    if step.state == milestones.EVALUATED:
        return fmt(_("met on {met}, evaluated on {day}"), met=on(progress.met_at), day=on(progress.evaluated_at))
    if step.state == milestones.DONE_STEP:
        return fmt(_("met on {day}"), day=on(progress.met_at))
    planned = fmt(_("meeting planned on {when}"), when=when_text(meeting, viewer, settings)) if meeting else ""
    if step.state == milestones.PLANNED:
        return planned
    sent = fmt(_("road-book sent on {day}"), day=on(progress.form_sent_at))
    return f"{planned} · {sent}" if planned else sent + _(", no meeting yet")


SHORT_STATES = {
    milestones.UPCOMING: N_("upcoming"),
    milestones.OPEN: N_("open, nothing planned"),
    milestones.PLANNED: N_("planned"),
    milestones.ROADBOOK_SENT: N_("road-book sent"),
    milestones.EVALUATION_WAITING: N_("evaluation due"),
    milestones.EVALUATED: N_("evaluated"),
    milestones.DONE_STEP: N_("met"),
    milestones.MISSED_STEP: N_("missed"),
}


def _step_buttons(step: Step, n: int, viewer: User, pair_mentor: int, pair_mentee: int) -> list[Button]:
    progress = step.progress
    buttons = []
    if step.may_send_roadbook:
        label = _("Update road-book {n}") if progress.form_sent_at else _("Fill in road-book {n}")
        buttons.append(Button(label.format(n=n), "ms.rbfill", str(progress.id)))
    if step.may_evaluate:
        buttons.append(Button(_("Fill in evaluation {n}").format(n=n), "ms.evfill", str(progress.id), style="primary"))
    if (
        progress.form_sent_at is not None
        and (viewer.id == pair_mentor or viewer.is_staff)
        and step.milestone.before_form
    ):
        buttons.append(Button(_("Read road-book {n}").format(n=n), "ms.rbread", str(progress.id)))
    if (
        progress.evaluated_at is not None
        and (viewer.id == pair_mentee or viewer.is_staff)
        and step.milestone.after_form
    ):
        buttons.append(Button(_("Read evaluation {n}").format(n=n), "ms.evread", str(progress.id)))
    return buttons


def pair_card(shown: PairSteps, viewer: User, programme: Programme, settings: Settings) -> Reply:
    """A mentorship's steps, one line each, with the buttons the viewer may use."""
    if viewer.id == shown.pair.mentor_id:
        head = fmt(_("<b>Your steps with {name}</b>"), name=shown.mentee.name)
    elif viewer.id == shown.pair.mentee_id:
        head = fmt(_("<b>Your steps with {name}</b>"), name=shown.mentor.name)
    else:
        head = fmt(
            _("<b>Mentorship #{pair}: {mentor} (mentor) and {mentee} (student)</b>"),
            pair=shown.pair.id,
            mentor=shown.mentor.name,
            mentee=shown.mentee.name,
        )
    lines = [head]
    buttons: list[Button] = []
    for step in shown.steps:
        n = _number(programme, step.milestone)
        lines.append(
            fmt("{n}. <b>{step}</b> · {window}", n=n, step=step.milestone.title, window=window_text(step.progress))
            + "\n   "
            + state_text(step, viewer, settings)
        )
        buttons += _step_buttons(step, n, viewer, shown.pair.mentor_id, shown.pair.mentee_id)
    if viewer.id in (shown.pair.mentor_id, shown.pair.mentee_id):
        lines.append(fmt(_("Plan a step's meeting with {example}."), example=_(MEET_EXAMPLE)))
    return Reply("\n".join(lines), buttons=rows(buttons, 2))


@command("milestones", help=N_("the steps of your mentorship and where you stand"), roles=(*SIDES, "staff"))
async def milestones_view(ctx: Context) -> Reply | list[Reply]:
    _no_milestones(ctx)
    args = storable(ctx.event.args).strip()
    if ctx.user.is_staff and ctx.user.role not in SIDES:
        if args:
            shown = await milestones.one_pair(ctx.session, ctx.user, args, ctx.programme, ctx.settings, ctx.now)
            return pair_card(shown, ctx.user, ctx.programme, ctx.settings)
        return await _staff_list(ctx)
    mine = await milestones.mine(ctx.session, ctx.user, ctx.programme, ctx.settings, ctx.now)
    if not mine:
        return Reply(
            _(
                "Your mentorship's steps appear here once you and your match have confirmed your agreement. "
                "/help lists what you can do now."
            )
        )
    return [pair_card(shown, ctx.user, ctx.programme, ctx.settings) for shown in mine]


async def _staff_list(ctx: Context) -> Reply:
    shown, total = await milestones.all_pairs(ctx.session, ctx.user, ctx.programme, ctx.settings, ctx.now)
    if not shown:
        return Reply(_("No mentorship has started yet, so there are no steps to show."))
    lines = [fmt(ngettext("<b>Milestones</b> · {n} mentorship", "<b>Milestones</b> · {n} mentorships", total), n=total)]
    for pair in shown:
        states = " · ".join(
            f"{_number(ctx.programme, step.milestone)} {_(SHORT_STATES[step.state])}" for step in pair.steps
        )
        lines.append(
            fmt("#{pair} {mentor} & {mentee}: ", pair=pair.pair.id, mentor=pair.mentor.name, mentee=pair.mentee.name)
            + esc(states)
        )
    if total > len(shown):
        lines.append(fmt(_("… and {n} more."), n=total - len(shown)))
    lines.append(_("/milestones followed by a number shows that mentorship in full, e.g. /milestones 12."))
    return Reply("\n".join(lines))


async def milestone_cards(ctx: Context) -> list[Reply]:
    """For an overview: each mentorship's step now in hand, with its buttons (nothing when there is none)."""
    if ctx.user.role not in SIDES or not ctx.programme.milestones:
        return []
    cards = []
    for shown in await milestones.mine(ctx.session, ctx.user, ctx.programme, ctx.settings, ctx.now):
        current = next((s for s in shown.steps if s.state not in milestones.BEHIND), None)
        if current is None:
            continue
        other = shown.mentee if ctx.user.id == shown.pair.mentor_id else shown.mentor
        n = _number(ctx.programme, current.milestone)
        text = fmt(
            _("<b>Next step with {name}</b>: {step} · {window}"),
            name=other.first_name,
            step=current.milestone.title,
            window=window_text(current.progress),
        )
        buttons = _step_buttons(current, n, ctx.user, shown.pair.mentor_id, shown.pair.mentee_id)
        cards.append(Reply(text + "\n" + state_text(current, ctx.user, ctx.settings), buttons=rows(buttons, 2)))
    return cards
