"""/meet to plan a meeting, /next to see the planned ones, their buttons (confirm, another time, cancel,
it happened), and the words of every meeting notice."""

from __future__ import annotations

from bot.config import Settings
from bot.conversations.meeting import FORM, MOVE_FORM, plan
from bot.core import forms
from bot.core.context import Context
from bot.core.dates import moment_text
from bot.core.daytime import zone_for
from bot.core.errors import Refusal
from bot.core.markup import esc, fmt
from bot.core.payloads import storable
from bot.core.registry import RenderEnv, action, command, renders
from bot.core.replies import Attachment, Button, Reply
from bot.i18n import N_, _, date_text
from bot.services import contacts, meetings
from bot.services.meetings import (
    MeetingCancelled,
    MeetingConfirmed,
    MeetingHappened,
    MeetingLogged,
    MeetingProposed,
    MeetingReminder,
    MeetingWaiting,
)
from bot.views.pair_choice import no_pairs_left, pair_options
from storage.models import Meeting, Pair, User

SIDES = ("student", "alumnus")
EXAMPLE = N_("For example: /meet Thursday 15:00 on zoom")
CALENDAR_DOMAIN = "mentorbot"
SHOWN_WITH_BUTTONS = 3


def when_text(meeting: Meeting, person: User, settings: Settings) -> str:
    """'Thursday 15 January, 15:00' on the person's own clock."""
    return moment_text(meeting.starts_at, zone_for(person, settings))


def way_text(meeting: Meeting) -> str:
    """'video call' or 'video call · https://...' (markup: the place is escaped). It ends its line in every
    message: no full stop after a link, which some apps would take into the link."""
    way = contacts.method_label(meeting.method).lower()
    return fmt("{way} · {place}", way=way, place=meeting.place) if meeting.place else fmt("{way}", way=way)


def fill(template: str, *, markup: dict[str, str], **values: object) -> str:
    """A catalogue template with escaped values and some parts already in markup (the way and place)."""
    return template.format(**markup, **{key: esc(value) for key, value in values.items()})


# --- /meet ---------------------------------------------------------------------------------------------


def _named_pair(text: str, options: list[tuple[Pair, User]]) -> Pair | None:
    """'/meet Alex Thursday 15:00' with several mentorships: the one whose first name is in the text."""
    words = {w.strip(".,;:!?").lower() for w in text.split()}
    found = [pair for pair, other in options if other.first_name and other.first_name.lower() in words]
    return found[0] if len(found) == 1 else None


@command("meet", help=N_("plan a meeting with your mentor or mentee, e.g. /meet Thursday 15:00 on zoom"), roles=SIDES)
async def meet(ctx: Context) -> Reply | list[Reply]:
    options = await pair_options(ctx)
    if not options:
        raise await no_pairs_left(ctx)
    context: dict[str, object] = {"pairs": [[pair.id, other.name] for pair, other in options]}
    answers: dict[str, object] = {}
    if len(options) == 1:
        context["pair"], answers["_has_pair"] = options[0][0].id, True
    text = storable(ctx.event.args).strip()
    named = _named_pair(text, options) if text else None
    if named is not None:
        context["pair"], answers["_has_pair"] = named.id, True
        first = next(other.first_name for pair, other in options if pair.id == named.id)
        text = " ".join(w for w in text.split() if w.strip(".,;:!?").lower() != first.lower())
    if not text:
        return await forms.start_form(ctx, FORM, context=context, answers=answers)
    said = meetings.read_meeting(text, ctx.zone, ctx.now)
    try:
        starts_at = meetings.read_time(text, ctx.zone, ctx.now)  # unreadable or past: refused with examples
    except Refusal as refusal:
        raise Refusal(refusal.text + "\n" + _(EXAMPLE)) from None
    context["starts_at"], answers["_has_when"] = starts_at.isoformat(), True
    if said.method is not None:
        context["method"], answers["_has_method"] = said.method, True
    if said.place or said.method is not None:  # a whole sentence: no place question
        context["place"], answers["_has_place"] = said.place, True
    if all(answers.get(f"_has_{key}") for key in ("pair", "when", "method", "place")):
        return await plan(
            ctx,
            pair_id=str(context["pair"]),
            starts_at=starts_at,
            method=str(said.method),
            place=said.place,
        )
    return await forms.start_form(ctx, FORM, context=context, answers=answers)


@renders(MeetingWaiting)
def _waiting(waiting: MeetingWaiting, env: RenderEnv) -> Reply:
    meeting = waiting.meeting
    return Reply(
        fill(
            _("Planned: {when} with {name}, {way}\nI'm waiting for {first} to confirm; I'll tell you when they do."),
            markup={"way": way_text(meeting)},
            when=when_text(meeting, waiting.person, env.settings),
            name=waiting.other.name,
            first=waiting.other.first_name,
        ),
        buttons=[[Button(_("Cancel the meeting"), "meet.cancel", str(meeting.id))]],
    )


@renders(MeetingProposed)
def _proposed(proposed: MeetingProposed, env: RenderEnv) -> Reply:
    meeting = proposed.meeting
    template = (
        _("{name} proposes another time for your meeting: {when}, {way}\nDoes it suit you?")
        if proposed.moved
        else _("{name} would like to meet you: {when}, {way}\nDoes it suit you?")
    )
    return Reply(
        fill(
            template,
            markup={"way": way_text(meeting)},
            name=proposed.proposer.name,
            when=when_text(meeting, proposed.person, env.settings),
        ),
        buttons=[
            [
                Button(_("Confirm"), "meet.ok", meetings.version(meeting), style="primary"),
                Button(_("Propose another time"), "meet.alt", str(meeting.id)),
            ]
        ],
    )


# --- the buttons ---------------------------------------------------------------------------------------


@action("meet.ok", roles=SIDES)
async def confirm(ctx: Context) -> Reply:
    return ctx.render(await meetings.confirm(ctx.session, ctx.user, ctx.event.payload, ctx.now))


@renders(MeetingConfirmed)
def _confirmed(confirmed: MeetingConfirmed, env: RenderEnv) -> Reply:
    meeting, other = confirmed.meeting, confirmed.other
    way = contacts.method_label(meeting.method)
    ics = meetings.calendar_file(
        meeting,
        summary=_("Mentoring meeting with {name}").format(name=other.name),
        description=f"{way}: {meeting.place}" if meeting.place else way,
        location=meeting.place or way,
        domain=CALENDAR_DOMAIN,
    )
    return Reply(
        fill(
            _(
                "Confirmed: {when} with {name}, {way}\nOpen the calendar file to add it to your calendar. "
                "I'll remind you the day before."
            ),
            markup={"way": way_text(meeting)},
            when=when_text(meeting, confirmed.person, env.settings),
            name=other.name,
        ),
        buttons=[
            [
                Button(_("Move it"), "meet.alt", str(meeting.id)),
                Button(_("Cancel the meeting"), "meet.cancel", str(meeting.id)),
            ]
        ],
        attachment=Attachment(f"meeting-{meeting.id}.ics", ics, "text/calendar"),
    )


@action("meet.alt", roles=SIDES)
async def another_time(ctx: Context) -> Reply:
    meeting, pair, _other = await meetings.meeting_for(ctx.session, ctx.user, ctx.event.payload)
    if meeting.status not in meetings.OPEN or meeting.starts_at <= ctx.now:
        raise Refusal(_("That meeting is no longer planned, so nothing was changed. /next shows your meetings."))
    return await forms.start_form(ctx, MOVE_FORM, context={"meeting": meeting.id, "pair": pair.id})


@action("meet.cancel", roles=SIDES)
async def cancel_ask(ctx: Context) -> Reply:
    meeting, _pair, other = await meetings.meeting_for(ctx.session, ctx.user, ctx.event.payload)
    if meeting.status not in meetings.OPEN or meeting.starts_at <= ctx.now:
        raise Refusal(_("That meeting is no longer planned, so nothing was changed. /next shows your meetings."))
    return Reply(
        fmt(
            _("Cancel your meeting with {name} on {when}? {first} will be told."),
            name=other.name,
            first=other.first_name,
            when=when_text(meeting, ctx.user, ctx.settings),
        ),
        buttons=[
            [
                Button(_("Keep it"), "meet.keep", str(meeting.id)),
                Button(_("Yes, cancel it"), "meet.drop", str(meeting.id), style="danger"),
            ]
        ],
    )


@action("meet.keep", roles=SIDES)
async def cancel_keep(ctx: Context) -> Reply:
    await meetings.meeting_for(ctx.session, ctx.user, ctx.event.payload)
    return Reply(_("Alright, the meeting stays as planned. /next shows your meetings."), edit=True)


@action("meet.drop", roles=SIDES)
async def cancel_do(ctx: Context) -> Reply:
    meeting = await meetings.cancel(ctx.session, ctx.user, ctx.event.payload, ctx.now)
    return Reply(
        fmt(
            _("Cancelled the meeting on {when}. I've let them know. Plan another any time with /meet."),
            when=when_text(meeting, ctx.user, ctx.settings),
        ),
        edit=True,
    )


@renders(MeetingCancelled)
def _cancelled(cancelled: MeetingCancelled, env: RenderEnv) -> Reply:
    return Reply(
        fmt(
            _("{name} cancelled your meeting on {when}. Plan another time with /meet, e.g. /meet Friday 10:00."),
            name=cancelled.by.name,
            when=when_text(cancelled.meeting, cancelled.person, env.settings),
        )
    )


# --- the day before, and after -------------------------------------------------------------------------


@renders(MeetingReminder)
def _reminder(reminder: MeetingReminder, env: RenderEnv) -> Reply:
    meeting = reminder.meeting
    return Reply(
        fill(
            _("Reminder: you're meeting {name} on {when}, {way}"),
            markup={"way": way_text(meeting)},
            name=reminder.other.name,
            when=when_text(meeting, reminder.person, env.settings),
        ),
        buttons=[
            [
                Button(_("Move it"), "meet.alt", str(meeting.id)),
                Button(_("Cancel the meeting"), "meet.cancel", str(meeting.id)),
            ]
        ],
    )


@renders(MeetingHappened)
def _happened(question: MeetingHappened, env: RenderEnv) -> Reply:
    meeting = question.meeting
    return Reply(
        fmt(
            _("Did your meeting with {name} on {when} happen?"),
            name=question.other.name,
            when=when_text(meeting, question.person, env.settings),
        ),
        buttons=[
            [
                Button(_("Yes, we met"), "meet.yes", str(meeting.id), style="primary"),
                Button(_("No"), "meet.no", str(meeting.id)),
            ]
        ],
    )


@action("meet.yes", roles=SIDES)
async def happened_yes(ctx: Context) -> Reply:
    reply = ctx.render(await meetings.happened(ctx.session, ctx.user, ctx.event.payload, ctx.now, ctx.settings))
    reply.edit = True
    return reply


@renders(MeetingLogged)
def _logged(logged: MeetingLogged, env: RenderEnv) -> Reply:
    text = (
        _("It's already in your log with {name}. Thank you!")
        if logged.already
        else _("Wonderful! I've logged your meeting with {name}, so no need for /log.")
    )
    return Reply(
        fmt(text, name=logged.other.name),
        buttons=[[Button(_("See the history"), "log.hist", str(logged.meeting.pair_id))]],
    )


@action("meet.no", roles=SIDES)
async def happened_no(ctx: Context) -> Reply:
    _meeting, _pair, other = await meetings.meeting_for(ctx.session, ctx.user, ctx.event.payload)
    return Reply(
        fmt(
            _("Thanks for letting me know. Plan another time with {first}: /meet, e.g. /meet Friday 10:00."),
            first=other.first_name,
        ),
        edit=True,
    )


# --- /next ---------------------------------------------------------------------------------------------


@command("next", help=N_("see your planned meetings"), roles=SIDES)
async def next_meetings(ctx: Context) -> Reply:
    planned = await meetings.upcoming(ctx.session, ctx.user, ctx.now)
    if not planned:
        return Reply(_("No meetings planned. Plan one with /meet, e.g. /meet Thursday 15:00 on zoom."))
    return _planned(ctx, planned)


async def upcoming_cards(ctx: Context) -> list[Reply]:
    """The person's planned meetings as a card for an overview (nothing when there are none)."""
    if ctx.user.role not in SIDES:
        return []
    planned = await meetings.upcoming(ctx.session, ctx.user, ctx.now)
    return [_planned(ctx, planned)] if planned else []


def _planned(ctx: Context, planned: list[tuple[Meeting, User]]) -> Reply:
    lines = [_("<b>Your next meetings</b>:")]
    buttons: list[list[Button]] = []
    for index, (meeting, other) in enumerate(planned):
        if meeting.status == meetings.CONFIRMED:
            state = _("confirmed")
        elif meeting.proposed_by == ctx.user.id:
            state = fmt(_("waiting for {first} to confirm"), first=other.first_name)
        else:
            state = _("waiting for you to confirm")
        lines.append(
            fill(
                "• {when} · {name} · {way} · {state}",
                markup={"way": way_text(meeting), "state": state},
                when=when_text(meeting, ctx.user, ctx.settings),
                name=other.name,
            )
        )
        if index < SHOWN_WITH_BUTTONS:
            day = date_text(meeting.starts_at.astimezone(ctx.zone), "d MMM")
            row = []
            if meeting.status == meetings.PROPOSED and meeting.proposed_by != ctx.user.id:
                row.append(
                    Button(_("Confirm {day}").format(day=day), "meet.ok", meetings.version(meeting), style="primary")
                )
            row.append(Button(_("Move {day}").format(day=day), "meet.alt", str(meeting.id)))
            row.append(Button(_("Cancel {day}").format(day=day), "meet.cancel", str(meeting.id)))
            buttons.append(row)
    return Reply("\n".join(lines), buttons=buttons)
