"""/orientation for the career team (sessions to come with who's coming, Plan a session, Record attendance),
the mentors' Going / Can't make it, and the words of every orientation notice."""

from __future__ import annotations

from bot.conversations.orientation import FORM, when_text
from bot.core import forms
from bot.core.context import Context
from bot.core.daytime import zone_for
from bot.core.markup import esc, fmt
from bot.core.registry import RenderEnv, action, command, renders
from bot.core.replies import Button, Reply
from bot.i18n import N_, _, ngettext
from bot.services import orientation
from bot.services.orientation import (
    Answered,
    ApprovedTogether,
    AttendanceRecorded,
    AttendanceSaved,
    AttendanceSheet,
    Invited,
    Overview,
    Reminder,
    SessionPlanned,
    SessionSummary,
)
from storage.models import OrientationSession, User

STAFF = ("staff",)
MENTOR = ("alumnus",)


def _when(session: OrientationSession, person: User, env: RenderEnv) -> str:
    return when_text(session.starts_at, zone_for(person, env.settings))


def _details(session: OrientationSession, person: User, env: RenderEnv) -> str:
    """When (on the person's clock), how long, where and what it is: markup, the team's words escaped."""
    lines = [
        fmt(
            _("<b>{when}</b> (your time), {minutes} minutes"),
            when=_when(session, person, env),
            minutes=session.minutes,
        ),
        fmt(_("Where: {place}"), place=session.place),
    ]
    if session.about:
        lines.append(fmt("<i>{about}</i>", about=session.about))
    return "\n".join(lines)


# --- the career team's view -----------------------------------------------------------------------------


@command("orientation", help=N_("orientation sessions: plan one, see who's coming, record who came"), roles=STAFF)
async def overview(ctx: Context) -> Reply:
    return ctx.render(await orientation.overview(ctx.session, ctx.user, ctx.now, ctx.programme))


@action("ori.list", roles=STAFF)
async def overview_button(ctx: Context) -> Reply:
    return await overview(ctx)


def _answers_line(summary: SessionSummary) -> str:
    return fmt(
        ngettext(
            "{n} mentor invited: {going} going, {cannot} can't make it, {open} not answered yet",
            "{n} mentors invited: {going} going, {cannot} can't make it, {open} not answered yet",
            summary.invited,
        ),
        n=summary.invited,
        going=summary.going,
        cannot=summary.cannot,
        open=summary.unanswered,
    )


def _session_line(summary: SessionSummary, viewer: User, env: RenderEnv) -> str:
    session = summary.session
    return fmt(
        _("• {when}, {minutes} min, {place}"),
        when=_when(session, viewer, env),
        minutes=session.minutes,
        place=session.place,
    )


@renders(Overview)
def _overview(view: Overview, env: RenderEnv) -> Reply:
    lines = [_("<b>Orientation sessions</b>")]
    if view.upcoming:
        lines.append(_("Coming up (your time):"))
        for summary in view.upcoming:
            lines += [_session_line(summary, view.viewer, env), "   " + _answers_line(summary)]
    else:
        lines.append(_("No session is planned. Plan one and every mentor awaiting orientation is invited."))
    buttons = []
    if view.to_record:
        lines += ["", _("Attendance to record:")]
        for summary in view.to_record:
            lines += [_session_line(summary, view.viewer, env), "   " + _answers_line(summary)]
            buttons.append(
                [
                    Button(
                        _("Record attendance: {when}").format(when=_when(summary.session, view.viewer, env)),
                        "ori.sheet",
                        str(summary.session.id),
                        style="primary",
                    )
                ]
            )
    lines += [
        "",
        fmt(
            ngettext(
                "{n} mentor is awaiting orientation.",
                "{n} mentors are awaiting orientation.",
                view.awaiting,
            ),
            n=view.awaiting,
        ),
    ]
    buttons.append([Button(_("Plan a session"), "ori.plan")])
    return Reply("\n".join(lines), buttons=buttons)


@action("ori.plan", roles=STAFF)
async def plan(ctx: Context) -> Reply:
    orientation.may_run(ctx.programme).or_refuse()
    return await forms.start_form(ctx, FORM)


@renders(SessionPlanned)
def _planned(planned: SessionPlanned, env: RenderEnv) -> Reply:
    session = planned.session
    text = fmt(
        _("Planned: the orientation session on {when} (your time), {minutes} minutes, at {place}."),
        when=_when(session, planned.planner, env),
        minutes=session.minutes,
        place=session.place,
    )
    if planned.invited:
        text += "\n" + fmt(
            ngettext(
                "I've invited the {n} mentor awaiting orientation, on their own clock.",
                "I've invited the {n} mentors awaiting orientation, each on their own clock.",
                planned.invited,
            ),
            n=planned.invited,
        )
    else:
        text += "\n" + _("Nobody is awaiting orientation at the moment.")
    text += " " + _("Mentors who sign up before it are invited too. /orientation shows who's coming.")
    return Reply(text, buttons=[[Button(_("Orientation sessions"), "ori.list")]])


# --- the mentor's invitation ----------------------------------------------------------------------------


def _answer_buttons(attendance_id: int) -> list[list[Button]]:
    return [
        [
            Button(_("Going"), "ori.go", str(attendance_id), style="primary"),
            Button(_("Can't make it"), "ori.no", str(attendance_id)),
        ]
    ]


@renders(Invited)
def _invited(invited: Invited, env: RenderEnv) -> Reply:
    text = fmt(
        _(
            "Hello {first}! {office} invites you to an orientation session for new mentors. It's the step "
            "before your profile is approved."
        ),
        first=invited.person.first_name,
        office=env.programme.office_opening,
    )
    text += "\n\n" + _details(invited.session, invited.person, env) + "\n\n" + _("Will you come?")
    return Reply(text, buttons=_answer_buttons(invited.attendance.id))


@action("ori.go", roles=MENTOR)
async def going(ctx: Context) -> Reply:
    return ctx.render(await orientation.answer(ctx.session, ctx.user, ctx.event.payload, orientation.GOING, ctx.now))


@action("ori.no", roles=MENTOR)
async def cannot(ctx: Context) -> Reply:
    return ctx.render(await orientation.answer(ctx.session, ctx.user, ctx.event.payload, orientation.CANNOT, ctx.now))


@renders(Answered)
def _answered(answered: Answered, env: RenderEnv) -> Reply:
    attendance_id = str(answered.attendance.id)
    if answered.attendance.answer == orientation.GOING:
        text = fmt(
            _("Thank you, {first}: you're on the list. I'll remind you the day before."),
            first=answered.person.first_name,
        )
        return Reply(
            text + "\n\n" + _details(answered.session, answered.person, env),
            buttons=[[Button(_("I can't make it after all"), "ori.no", attendance_id)]],
            edit=True,
        )
    return Reply(
        fmt(
            _(
                "Thanks for letting us know, {first}. We'll invite you to the next session, so you can still "
                "be approved soon."
            ),
            first=answered.person.first_name,
        ),
        buttons=[[Button(_("I can come after all"), "ori.go", attendance_id)]],
        edit=True,
    )


@renders(Reminder)
def _reminder(reminder: Reminder, env: RenderEnv) -> Reply:
    text = fmt(_("A reminder, {first}: your orientation session is tomorrow."), first=reminder.person.first_name)
    text += "\n\n" + _details(reminder.session, reminder.person, env)
    return Reply(text, buttons=[[Button(_("I can't make it after all"), "ori.no", str(reminder.attendance.id))]])


@renders(AttendanceRecorded)
def _recorded(recorded: AttendanceRecorded, env: RenderEnv) -> Reply:
    text = fmt(
        _("Thank you for coming to the orientation, {first}: {office} has recorded it."),
        first=recorded.person.first_name,
        office=env.programme.office,
    )
    if recorded.approvable:
        text += " " + _("Next, they approve your profile, and I'll tell you here as soon as students can see it.")
    else:
        text += " " + _("/profile shows where your profile is.")
    return Reply(text, buttons=[[Button(_("See my profile"), "profile.show")]])


# --- recording attendance -----------------------------------------------------------------------------


@action("ori.sheet", roles=STAFF)
async def sheet(ctx: Context) -> Reply:
    return ctx.render(await orientation.sheet(ctx.session, ctx.user, ctx.event.payload, ctx.now))


@action("ori.tick", roles=STAFF)
async def tick(ctx: Context) -> Reply:
    return ctx.render(await orientation.toggle(ctx.session, ctx.user, ctx.event.payload, ctx.now))


@renders(AttendanceSheet)
def _sheet(shown: AttendanceSheet, env: RenderEnv) -> Reply:
    session = shown.session
    lines = [
        fmt(_("<b>Who came to the orientation on {when}?</b>"), when=_when(session, shown.viewer, env)),
    ]
    if not shown.invitees:
        lines.append(_("Nobody was invited to this session."))
    else:
        lines.append(_("Tap each mentor who attended, then Save attendance."))
    buttons = []
    labels = {orientation.GOING: _("going"), orientation.CANNOT: _("can't make it")}
    for invitee in shown.invitees:
        attendance = invitee.attendance
        label = ("✓ " if attendance.attended else "") + invitee.person.name
        if attendance.recorded_at is not None:
            label += " · " + _("recorded")
        elif attendance.answer in labels:
            label += " · " + labels[attendance.answer]
        buttons.append([Button(label, "ori.tick", str(attendance.id))])
    buttons.append(
        [
            Button(_("Save attendance"), "ori.save", str(session.id), style="primary"),
            Button(_("« Back"), "ori.list"),
        ]
    )
    return Reply("\n".join(lines), buttons=buttons, edit=shown.edit)


@action("ori.save", roles=STAFF)
async def save(ctx: Context) -> Reply:
    return ctx.render(
        await orientation.save_attendance(ctx.session, ctx.user, ctx.event.payload, ctx.now, ctx.programme)
    )


def _names(people: list[User]) -> str:
    return ", ".join(esc(person.name) for person in people)


@renders(AttendanceSaved)
def _saved(saved: AttendanceSaved, env: RenderEnv) -> Reply:
    when = _when(saved.session, saved.viewer, env)
    if saved.recorded:
        text = fmt(
            ngettext(
                "Attendance saved for {when}: {n} mentor attended",
                "Attendance saved for {when}: {n} mentors attended",
                len(saved.recorded),
            ),
            when=when,
            n=len(saved.recorded),
        )
        text += f" ({_names(saved.recorded)}). " + _("Each has been told it is recorded.")
    else:
        text = fmt(_("Attendance saved for {when}: nobody new was marked as attending."), when=when)
    buttons = []
    if saved.approved:
        text += "\n\n" + fmt(
            ngettext(
                "In this programme attending approves a mentor: {n} is approved and has been told.",
                "In this programme attending approves a mentor: {n} are approved and have been told.",
                len(saved.approved),
            ),
            n=len(saved.approved),
        )
    if saved.approvable:
        text += "\n\n" + fmt(
            ngettext(
                "{n} attended and can be approved now:",
                "{n} attended and can be approved now:",
                len(saved.approvable),
            ),
            n=len(saved.approvable),
        )
        text += " " + _names(saved.approvable) + "."
        buttons.append(
            [
                Button(
                    ngettext("Approve {n} mentor", "Approve all {n}", len(saved.approvable)).format(
                        n=len(saved.approvable)
                    ),
                    "ori.appr",
                    str(saved.session.id),
                    style="primary",
                ),
                Button(_("Mentors waiting"), "staff.pending"),
            ]
        )
    return Reply(text, buttons=buttons, edit=True)


@action("ori.appr", roles=STAFF)
async def approve_all(ctx: Context) -> Reply:
    return ctx.render(
        await orientation.approve_attended(ctx.session, ctx.user, ctx.event.payload, ctx.now, ctx.programme)
    )


@renders(ApprovedTogether)
def _approved(approved: ApprovedTogether, env: RenderEnv) -> Reply:
    return Reply(
        fmt(
            ngettext(
                "Approved: {names}. They've been told that students can see their profile now.",
                "Approved: {names}. They've been told that students can see their profiles now.",
                len(approved.approved),
            ),
            names=", ".join(person.name for person in approved.approved),
        ),
        edit=True,
    )
