"""Meetings a pair plans: one side proposes a time, the way and a place or link; the other confirms or
proposes another time. Once confirmed both get a calendar file, a reminder the day before, and after the
planned time the one-tap question whether it happened; a yes logs the contact once.

States: proposed (waiting for the side that did not propose) -> confirmed -> done (it happened); a proposed
or confirmed meeting can be moved (proposed again, by the mover) or cancelled.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import dateparser
from icalendar import Calendar, Event
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.core.context import queue_message
from bot.core.datacopy import row
from bot.core.daytime import daytime_start_on, local_day, next_daytime, zone_for
from bot.core.errors import Refusal
from bot.core.markup import fmt
from bot.core.notices import Claim, Note, claim_many, taken_keys, users_by_id
from bot.core.outcomes import Outcome
from bot.core.payloads import id_in, quoted
from bot.core.policy import YES, Decision, no
from bot.core.registry import on_pair_closed, pair_export, sweep
from bot.i18n import _, date_languages
from bot.programme import Programme
from bot.services import contacts
from bot.services.pairs import other_side, sides
from storage.lists import one_of
from storage.models import Meeting, Pair, User

PROPOSED, CONFIRMED, CANCELLED, DONE = "proposed", "confirmed", "cancelled", "done"
OPEN = (PROPOSED, CONFIRMED)
MINUTES = 60  # how long a meeting is planned for (the calendar file's end)
REMIND_BEFORE = dt.timedelta(days=1)  # the reminder comes the local day before, when that person's daytime starts
ASK_WITHIN = dt.timedelta(days=30)  # how long after a meeting the sweep still asks whether it happened
METHODS = {key: label for key, label in contacts.METHODS.items() if key != "email"}  # a meeting is not an e-mail
EXAMPLE = "/meet Thursday 15:00 on zoom"

_TIME = re.compile(r"\b\d{1,2}[:.h]\d{2}\b|\b\d{1,2}\s*(?:am|pm)\b|\bnoon\b|\bmidday\b", re.IGNORECASE)
_LEAD = {"on", "at", "via", "by", "over", "in", "with", "-", "—", ",", ":"}


# --- reading plain words ------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlainMeeting:
    """What `/meet ...` said: the time (None when not said), the way (None when not said), the place."""

    starts_at: dt.datetime | None
    method: str | None
    place: str


def _parse(text: str, zone: ZoneInfo, now: dt.datetime) -> dt.datetime | None:
    settings = {
        "PREFER_DATES_FROM": "future",
        "RELATIVE_BASE": now.astimezone(zone).replace(tzinfo=None),
        "RETURN_AS_TIMEZONE_AWARE": False,
        "DATE_ORDER": "DMY",
    }
    parsed = dateparser.parse(text, languages=date_languages(), settings=settings)  # type: ignore[arg-type]
    return parsed.replace(tzinfo=zone).astimezone(dt.UTC) if parsed is not None else None


def _time_span(words: list[str], zone: ZoneInfo, now: dt.datetime) -> tuple[int, int, dt.datetime] | None:
    """Where the date and time are: the first, shortest run of words with a time of day in it that reads as
    one, grown while more words say more ('15:00 on Thursday')."""
    for start in range(len(words)):
        for end in range(start + 1, min(len(words), start + 7) + 1):
            candidate = " ".join(words[start:end])
            if not _TIME.search(candidate) or (moment := _parse(candidate, zone, now)) is None:
                continue
            grown = end
            while grown < min(len(words), end + 4):
                longer = _parse(" ".join(words[start : grown + 1]), zone, now)
                if longer is None:
                    break
                grown += 1
                if longer != moment:  # the words said more ('on Thursday'), not just 'at the library'
                    end, moment = grown, longer
            return start, end, moment
    return None


def _is_link(word: str) -> bool:
    return "://" in word or "@" in word or word.lower().startswith("www.")


def _place_from(words: list[str], method: str | None) -> str:
    """The rest of the sentence without the way and the little words before it: the place or the link."""
    rest = list(words)
    changed = True
    while rest and changed:
        changed = False
        for size in (1, 2, 3):  # the shortest words naming the way: 'zoom', not 'zoom https://...'
            if any(_is_link(word) for word in rest[:size]):
                break
            if method and len(rest) >= size and contacts.read_method(" ".join(rest[:size])) == method:
                rest, changed = rest[size:], True
                break
        if not changed and rest and rest[0].lower() in _LEAD:
            rest, changed = rest[1:], True
    return " ".join(rest).strip(" ,")


def read_meeting(text: str, zone: ZoneInfo, now: dt.datetime) -> PlainMeeting:
    """'Thursday 15:00 on zoom https://...' -> next Thursday 15:00 in `zone` (as UTC), video, the link."""
    words = text.split()
    method = contacts.read_method(text)
    if method == "email":
        method = None
    span = _time_span(words, zone, now)
    if span is None:
        return PlainMeeting(None, method, _place_from(words, method))
    start, end, moment = span
    if _place_from(words[:start], method):  # 'blursday 15:00': words before the time that say nothing known
        return PlainMeeting(None, method, _place_from(words, method))
    return PlainMeeting(moment, method, _place_from(words[:start] + words[end:], method))


def read_time(text: str, zone: ZoneInfo, now: dt.datetime) -> dt.datetime:
    """The future moment `text` names, or a refusal with an example."""
    said = read_meeting(text, zone, now)
    if said.starts_at is None:
        raise Refusal(
            fmt(
                _(
                    "I couldn't read a day and time in '{text}'. "
                    "Try 'Thursday 15:00', 'tomorrow 10am' or '20 March 14:30'."
                ),
                text=quoted(text) or " ",
            )
        )
    may_plan_at(said.starts_at, now).or_refuse()
    return said.starts_at


def may_plan_at(moment: dt.datetime, now: dt.datetime) -> Decision:
    """A meeting can be planned for a time still to come."""
    if moment <= now:
        return no(_("That time has already passed. Pick one still to come, e.g. 'tomorrow 10am' or 'Thursday 15:00'."))
    return YES


# --- outcomes -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MeetingProposed(Outcome):
    """`proposer` would like to meet `person` (moved: a new time for a meeting planned before)."""

    meeting: Meeting
    person: User
    proposer: User
    moved: bool


@dataclass(frozen=True)
class MeetingWaiting(Outcome):
    """The proposer's answer: the meeting is planned, waiting for `other` to confirm."""

    meeting: Meeting
    person: User
    other: User


@dataclass(frozen=True)
class MeetingConfirmed(Outcome):
    """The meeting is confirmed: `person` gets its calendar file; `other` is whom they meet."""

    meeting: Meeting
    person: User
    other: User


@dataclass(frozen=True)
class MeetingCancelled(Outcome):
    """`by` cancelled the meeting with `person` (told to `person`)."""

    meeting: Meeting
    person: User
    by: User


@dataclass(frozen=True)
class MeetingReminder(Outcome):
    """The day before: `person` meets `other` at the meeting's time."""

    meeting: Meeting
    person: User
    other: User


@dataclass(frozen=True)
class MeetingHappened(Outcome):
    """After the planned time: did `person`'s meeting with `other` happen?"""

    meeting: Meeting
    person: User
    other: User


@dataclass(frozen=True)
class MeetingLogged(Outcome):
    """`person` said it happened: logged as a contact (`already`: it was logged before)."""

    meeting: Meeting
    person: User
    other: User
    already: bool


# --- the rules ----------------------------------------------------------------------------------------


async def _sides(session: AsyncSession, pair: Pair, user: User) -> User:
    other = await session.get(User, other_side(pair, user))
    if other is None:
        raise Refusal(_("I couldn't find that person; they may have left the programme."))
    return other


async def meeting_for(session: AsyncSession, user: User, meeting_id: str | int) -> tuple[Meeting, Pair, User]:
    """The meeting, its mentorship and the other side, only if the person is one side of an open mentorship."""
    not_yours = _("I couldn't find that meeting among yours. /next shows your meetings.")
    meeting = await session.get(Meeting, id_in(meeting_id, not_yours))
    pair = await session.get(Pair, meeting.pair_id) if meeting is not None else None
    if meeting is None or pair is None or user.id not in (pair.mentor_id, pair.mentee_id):
        raise Refusal(not_yours)
    if pair.status == "ended":
        raise Refusal(_("That mentorship has ended, so there is nothing to plan for it."))
    return meeting, pair, await _sides(session, pair, user)


def _require_open(meeting: Meeting, now: dt.datetime) -> None:
    if meeting.status not in OPEN or meeting.starts_at <= now:
        raise Refusal(_("That meeting is no longer planned, so nothing was changed. /next shows your meetings."))


async def propose(
    session: AsyncSession,
    pair: Pair,
    user: User,
    *,
    starts_at: dt.datetime,
    method: str,
    place: str,
    now: dt.datetime,
) -> MeetingWaiting:
    """Plan a meeting: the other side is asked to confirm; the proposer waits."""
    if pair.status == "ended":
        raise Refusal(_("That mentorship has ended, so there is nothing to plan for it."))
    may_plan_at(starts_at, now).or_refuse()
    if method not in METHODS:
        raise Refusal(_("Please choose how you'll meet: video, phone, in person or chat."))
    other = await _sides(session, pair, user)
    meeting = Meeting(
        pair_id=pair.id,
        proposed_by=user.id,
        starts_at=starts_at,
        minutes=MINUTES,
        method=method,
        place=place.strip()[:500],
        status=PROPOSED,
        created_at=now,
        updated_at=now,
    )
    session.add(meeting)
    await session.flush()
    queue_message(session, now, MeetingProposed(meeting, other, user, moved=False), user_id=other.id)
    return MeetingWaiting(meeting, user, other)


def version(meeting: Meeting) -> str:
    """The meeting and the time a Confirm button was shown for ('12:202601151500'): a button left from
    before a move cannot confirm the new time unseen."""
    return f"{meeting.id}:{meeting.starts_at:%Y%m%d%H%M}"


async def confirm(session: AsyncSession, user: User, payload: str, now: dt.datetime) -> MeetingConfirmed:
    """The side that did not propose confirms: both get the calendar file (the proposer through the outbox)."""
    meeting_id, _sep, shown = payload.partition(":")
    meeting, _pair, other = await meeting_for(session, user, meeting_id)
    _require_open(meeting, now)
    if shown and shown != version(meeting).partition(":")[2]:
        raise Refusal(_("That time has changed since. /next shows the meeting as it is planned now."))
    if meeting.status == CONFIRMED:
        return MeetingConfirmed(meeting, user, other)  # pressed twice: the file again, nobody told twice
    if meeting.proposed_by == user.id:
        raise Refusal(fmt(_("This is your proposal: {first} is the one to confirm it."), first=other.first_name))
    meeting.status, meeting.updated_at = CONFIRMED, now
    queue_message(session, now, MeetingConfirmed(meeting, other, user), user_id=other.id)
    return MeetingConfirmed(meeting, user, other)


async def move(
    session: AsyncSession, user: User, meeting_id: str, starts_at: dt.datetime, now: dt.datetime
) -> MeetingWaiting:
    """Another time for a planned meeting (either side): proposed again by the mover, the other side asked."""
    meeting, _pair, other = await meeting_for(session, user, meeting_id)
    _require_open(meeting, now)
    may_plan_at(starts_at, now).or_refuse()
    meeting.starts_at, meeting.proposed_by, meeting.status, meeting.updated_at = starts_at, user.id, PROPOSED, now
    queue_message(session, now, MeetingProposed(meeting, other, user, moved=True), user_id=other.id)
    return MeetingWaiting(meeting, user, other)


async def cancel(session: AsyncSession, user: User, meeting_id: str, now: dt.datetime) -> Meeting:
    """Either side cancels a planned meeting; the other side is told."""
    meeting, _pair, other = await meeting_for(session, user, meeting_id)
    _require_open(meeting, now)
    meeting.status, meeting.updated_at = CANCELLED, now
    queue_message(session, now, MeetingCancelled(meeting, other, user), user_id=other.id)
    return meeting


@on_pair_closed
async def cancel_with_pair(session: AsyncSession, pair: Pair, now: dt.datetime) -> int:
    """A mentorship that ends takes its planned meetings with it (both sides hear of the ending itself, so
    nobody is reminded of a meeting with someone they are no longer matched with)."""
    result = await session.execute(
        update(Meeting)
        .where(Meeting.pair_id == pair.id, Meeting.status.in_(OPEN))
        .values(status=CANCELLED, updated_at=now)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def happened(
    session: AsyncSession, user: User, meeting_id: str, now: dt.datetime, settings: Settings
) -> MeetingLogged:
    """'Yes, it happened': the contact is logged once, whoever says so first (a second yes changes nothing)."""
    meeting, pair, other = await meeting_for(session, user, meeting_id)
    if meeting.status not in (CONFIRMED, DONE) or meeting.starts_at > now:
        raise Refusal(_("That meeting hasn't taken place yet. /next shows your meetings."))
    # One statement decides who logs it: two presses at once cannot both win.
    won = await session.execute(
        update(Meeting)
        .where(Meeting.id == meeting.id, Meeting.status == CONFIRMED)
        .values(status=DONE, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if won.rowcount == 0:  # type: ignore[attr-defined]
        return MeetingLogged(meeting, user, other, already=True)
    entry = await contacts.record_contact(
        session,
        pair,
        author_id=user.id,
        happened_on=meeting.starts_at.astimezone(zone_for(user, settings)).date(),
        method=meeting.method,
        source="meeting",
        now=now,
    )
    meeting.contact_id, meeting.status = entry.id, DONE
    return MeetingLogged(meeting, user, other, already=False)


async def upcoming(
    session: AsyncSession, user: User, now: dt.datetime, *, limit: int = 10
) -> list[tuple[Meeting, User]]:
    """The person's planned meetings still to come, soonest first, each with the other side."""
    pairs = select(Pair.id).where((Pair.mentor_id == user.id) | (Pair.mentee_id == user.id), Pair.status != "ended")
    meetings = list(
        await session.scalars(
            select(Meeting)
            .where(Meeting.pair_id.in_(pairs), Meeting.status.in_(OPEN), Meeting.starts_at > now)
            .order_by(Meeting.starts_at, Meeting.id)
            .limit(limit)
        )
    )
    shown = []
    for meeting in meetings:
        pair = await session.get(Pair, meeting.pair_id)
        if pair is not None:
            shown.append((meeting, await _sides(session, pair, user)))
    return shown


# --- the calendar file --------------------------------------------------------------------------------


def calendar_file(meeting: Meeting, *, summary: str, description: str, location: str, domain: str) -> bytes:
    """An .ics with the one event: the same UID for both sides and every version of the meeting."""
    calendar = Calendar()
    calendar.add("prodid", "-//mentorbot//meetings//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    event = Event()
    event.add("uid", f"meeting-{meeting.id}@{domain}")
    event.add("dtstamp", meeting.updated_at.astimezone(dt.UTC))
    # Higher after every move, so a calendar that has the event already takes the new time.
    event.add("sequence", max(0, int((meeting.updated_at - meeting.created_at).total_seconds())))
    event.add("dtstart", meeting.starts_at.astimezone(dt.UTC))
    event.add("dtend", meeting.starts_at.astimezone(dt.UTC) + dt.timedelta(minutes=meeting.minutes))
    event.add("summary", summary)
    event.add("location", location)
    event.add("description", description)
    calendar.add_component(event)
    return calendar.to_ical()


# --- scheduled: the reminder the day before, the question after ----------------------------------------

REMINDER, QUESTION = "meeting_reminder", "meeting_happened"


def reminder_due(meeting: Meeting, person: User, programme: Programme, settings: Settings) -> dt.datetime:
    """When `person` is reminded of the meeting: the start of their daytime on the day before it, on their
    own clock (a meeting confirmed later than that is reminded of at once)."""
    zone = zone_for(person, settings)
    return daytime_start_on(local_day(meeting.starts_at, zone) - REMIND_BEFORE, zone, programme)


def _reminder_key(meeting: Meeting, user_id: int) -> str:
    # The time is in the key: a moved meeting is reminded of again, at its new time.
    return f"meetrem:{meeting.id}:{meeting.starts_at:%Y%m%d%H%M}:{user_id}"


def _question_key(meeting: Meeting, user_id: int) -> str:
    return f"meetask:{meeting.id}:{user_id}"


@sweep("meetings", order=90)
async def sweep_meetings(
    session: AsyncSession, now: dt.datetime, programme: Programme, settings: Settings
) -> list[Note]:
    """Confirmed meetings tomorrow: a reminder to each side, once, in their daytime the day before; past ones:
    did it happen?, once to each side, in their daytime."""
    soon = list(
        await session.scalars(
            select(Meeting)
            .where(Meeting.status == CONFIRMED, Meeting.starts_at > now, Meeting.starts_at <= now + 2 * REMIND_BEFORE)
            .order_by(Meeting.id)
        )
    )
    past = list(
        await session.scalars(
            select(Meeting)
            .where(Meeting.status == CONFIRMED, Meeting.starts_at <= now, Meeting.starts_at > now - ASK_WITHIN)
            .order_by(Meeting.id)
        )
    )
    past = [m for m in past if m.starts_at + dt.timedelta(minutes=m.minutes) <= now]
    pairs = {
        p.id: p
        for p in await session.scalars(select(Pair).where(one_of(Pair.id, {m.pair_id for m in soon + past})))
    }
    users = await users_by_id(session, {uid for p in pairs.values() for uid in (p.mentor_id, p.mentee_id)})
    wanted: list[tuple[Claim, Outcome, User]] = []
    for meetings, kind, key_of, outcome in (
        (soon, REMINDER, _reminder_key, MeetingReminder),
        (past, QUESTION, _question_key, MeetingHappened),
    ):
        for meeting in meetings:
            pair = pairs.get(meeting.pair_id)
            if pair is None or pair.status == "ended":
                continue
            for person, other, _role in sides(pair, users):
                if kind == REMINDER and (
                    person.reminders_paused or now < reminder_due(meeting, person, programme, settings)
                ):
                    continue
                claim = Claim(key_of(meeting, person.id), kind, user_id=person.id, pair_id=pair.id)
                wanted.append((claim, outcome(meeting, person, other), person))
    taken = await taken_keys(session, [c.key for c, _o, _p in wanted])
    wanted = [w for w in wanted if w[0].key not in taken]
    won = await claim_many(session, now, [c for c, _o, _p in wanted])
    # Each its own message in the person's daytime, not folded into the day's news: a meeting the person
    # planned is reminded of the day before, and asked about after, even when other news came that day.
    for claim, outcome_, person in wanted:
        if claim.key in won:
            when = next_daytime(now, zone_for(person, settings), programme)
            queue_message(session, now, outcome_, user_id=person.id, not_before=when)
    return []


# --- this capability's part of a person's copy of their data ----------------------------------------------


@pair_export("meetings", covers=(Meeting,))
async def _meetings(session: AsyncSession, pair: Pair, user: User) -> list[dict[str, Any]]:
    rows = await session.scalars(select(Meeting).where(Meeting.pair_id == pair.id).order_by(Meeting.starts_at))
    return [row(m) for m in rows]
