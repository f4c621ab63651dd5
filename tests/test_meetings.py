"""Meetings: planned in plain words, confirmed or moved with buttons, a calendar file for both, the reminder
the day before, and "did it happen?" logging the contact once."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar
from sqlalchemy import func, select

from bot.core.clock import ManualClock
from bot.core.events import Event
from bot.core.replies import Reply
from bot.services import privacy
from bot.services.meetings import read_meeting
from storage.models import ContactLog, Meeting, User
from tests.lifecycle_support import add_pair, add_person, zhanna_and_alex
from tests.scheduler.helpers import sweep
from tests.support import Harness, Person

NOW = dt.datetime(2026, 1, 12, 10, 0, tzinfo=dt.UTC)  # a Monday
THURSDAY_3PM = dt.datetime(2026, 1, 15, 15, 0, tzinfo=dt.UTC)


# --- reading plain words ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "moment", "method", "place"),
    [
        ("Thursday 15:00 on zoom", THURSDAY_3PM, "video", ""),
        ("Thursday 15:00 on zoom https://zoom.us/j/123", THURSDAY_3PM, "video", "https://zoom.us/j/123"),
        ("tomorrow 10am in person at Café Central", NOW.replace(day=13), "in_person", "Café Central"),
        ("15:00 on Thursday by phone", THURSDAY_3PM, "phone", ""),
        ("20 January 14:30", dt.datetime(2026, 1, 20, 14, 30, tzinfo=dt.UTC), None, ""),
        ("Thursday on zoom", None, "video", ""),  # no time of day: not a meeting time
        ("blursday 15:00", None, None, "blursday 15:00"),
    ],
)  # fmt: skip
def test_plain_words_give_time_way_and_place(
    text: str, moment: dt.datetime | None, method: str | None, place: str
) -> None:
    said = read_meeting(text, ZoneInfo("UTC"), NOW)
    assert (said.starts_at, said.method, said.place) == (moment, method, place)


def test_the_time_is_read_on_the_persons_clock() -> None:
    said = read_meeting("Thursday 15:00", ZoneInfo("Asia/Almaty"), NOW)  # UTC+5
    assert said.starts_at == dt.datetime(2026, 1, 15, 10, 0, tzinfo=dt.UTC)


# --- helpers ------------------------------------------------------------------------------------------


def _calendar(reply: Reply) -> Calendar:
    assert reply.attachment is not None
    assert reply.attachment.mime == "text/calendar"
    assert reply.attachment.filename.endswith(".ics")
    return Calendar.from_ical(reply.attachment.content)


def _with_file(person: Person) -> list[Reply]:
    return [reply for reply in person.inbox + person.last if reply.attachment is not None]


async def _count(harness: Harness, model: type) -> int:
    async with harness.core.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def _planned_and_confirmed(harness: Harness, clock: ManualClock) -> tuple[Person, Person]:
    clock.set(NOW)
    await zhanna_and_alex(harness.core)
    alex, zhanna = harness.person("alex"), harness.person("zhanna")
    await alex.say("/meet Thursday 15:00 on zoom https://zoom.us/j/123")
    await zhanna.press("Confirm", among=zhanna.inbox)
    return alex, zhanna


# --- planning, confirming, the calendar file ----------------------------------------------------------


async def test_one_line_meet_asks_the_other_side_and_confirming_gives_both_a_calendar_file(
    harness: Harness, clock: ManualClock
) -> None:
    clock.set(NOW)
    await zhanna_and_alex(harness.core)
    alex, zhanna = harness.person("alex"), harness.person("zhanna")

    answer = await alex.say("/meet Thursday 15:00 on zoom <b>https://zoom.us/j/123</b>")
    assert (
        "Planned: Thursday 15 January, 15:00 with Zhanna Abenova, video call · <b>https://zoom.us/j/123</b>" in answer
    )
    assert "waiting for Zhanna to confirm" in answer
    assert "&lt;b&gt;" in alex.last[0].text  # what was typed is shown as typed, never read as markup
    told = zhanna.inbox_text()
    assert "Alex Kim would like to meet you: Thursday 15 January, 15:00, video call" in told
    labels = [b.label for row in zhanna.inbox[-1].buttons for b in row]
    assert labels == ["Confirm", "Propose another time"]

    confirmed = await zhanna.press("Confirm", among=zhanna.inbox)
    assert "Confirmed: Thursday 15 January, 15:00 with Alex Kim" in confirmed
    assert "Confirmed: Thursday 15 January, 15:00 with Zhanna Abenova" in alex.inbox_text()
    for person, other in ((zhanna, "Alex Kim"), (alex, "Zhanna Abenova")):
        files = _with_file(person)
        assert len(files) == 1
        events = _calendar(files[0]).walk("VEVENT")
        assert len(events) == 1
        event = events[0]
        assert event.decoded("dtstart") == THURSDAY_3PM
        assert event.decoded("dtend") == THURSDAY_3PM + dt.timedelta(hours=1)
        assert str(event["summary"]) == f"Mentoring meeting with {other}"
        assert "https://zoom.us/j/123" in str(event["location"])
        assert "Video call" in str(event["description"])
    uids = {str(_calendar(_with_file(p)[0]).walk("VEVENT")[0]["uid"]) for p in (alex, zhanna)}
    assert len(uids) == 1  # the same event in both calendars

    # Pressed again: the file again, nobody is told twice.
    await zhanna.press("Confirm", among=zhanna.inbox)
    assert alex.inbox_text().count("Confirmed:") == 1


async def test_the_proposer_cannot_confirm_their_own_proposal(harness: Harness, clock: ManualClock) -> None:
    clock.set(NOW)
    await zhanna_and_alex(harness.core)
    alex, zhanna = harness.person("alex"), harness.person("zhanna")
    await alex.say("/meet Thursday 15:00 on zoom")
    button = zhanna.inbox[-1].buttons[0][0]
    assert "Zhanna is the one to confirm" in await alex.press_data(button.action, button.payload)


async def test_past_or_unreadable_times_are_refused_with_an_example_and_change_nothing(
    harness: Harness, clock: ManualClock
) -> None:
    clock.set(NOW)
    await zhanna_and_alex(harness.core)
    alex, zhanna = harness.person("alex"), harness.person("zhanna")

    past = await alex.say("/meet today 9:00 on zoom")
    assert "already passed" in past and "/meet Thursday 15:00 on zoom" in past
    unreadable = await alex.say("/meet blursday 15:00 on zoom")
    assert "couldn't read a day and time in 'blursday 15:00 on zoom'" in unreadable
    assert "Thursday 15:00" in unreadable and "For example: /meet Thursday 15:00 on zoom" in unreadable
    no_time = await alex.say("/meet Thursday on zoom")
    assert "couldn't read a day and time" in no_time
    assert await _count(harness, Meeting) == 0
    assert zhanna.inbox == []


async def test_meet_alone_walks_the_form(harness: Harness, clock: ManualClock) -> None:
    clock.set(NOW)
    await zhanna_and_alex(harness.core)
    zhanna, alex = harness.person("zhanna"), harness.person("alex")
    assert "When? A day and a time." in await zhanna.say("/meet")
    assert "couldn't read a day and time" in await zhanna.say("soonish")
    assert "How will you meet?" in await zhanna.say("Friday 11:00")
    assert "Where?" in await zhanna.press("In person")
    answer = await zhanna.say("The library café")
    assert "Planned: Friday 16 January, 11:00 with Alex Kim, in person · The library café" in answer
    assert "Zhanna Abenova would like to meet you: Friday 16 January, 11:00, in person · The library café" in (
        alex.inbox_text()
    )


async def test_with_several_mentees_the_name_picks_the_mentorship(harness: Harness, clock: ManualClock) -> None:
    clock.set(NOW)
    ids = await zhanna_and_alex(harness.core)
    dana = await add_person(harness.core, "dana", "Dana Sadykova", "student")
    await add_pair(harness.core, ids.mentor, dana)
    zhanna = harness.person("zhanna")
    assert "Who would you like to meet?" in await zhanna.say("/meet Thursday 15:00 on zoom")
    assert "with Dana Sadykova" in await zhanna.press("Dana")
    assert "with Alex Kim" in await zhanna.say("/meet Alex Friday 10:00 by phone")
    assert "When? A day and a time." in await zhanna.say("/meet Dana")
    assert "would like to meet you: Thursday" in harness.person("dana").inbox_text()
    assert "would like to meet you: Friday" in harness.person("alex").inbox_text()


async def test_the_time_is_shown_on_each_persons_own_clock(harness: Harness, clock: ManualClock) -> None:
    clock.set(NOW)
    ids = await zhanna_and_alex(harness.core)
    async with harness.core.sessions() as session, session.begin():
        alex_row = await session.get(User, ids.mentee)
        assert alex_row is not None
        alex_row.timezone = "Asia/Almaty"
    alex, zhanna = harness.person("alex"), harness.person("zhanna")
    assert "Thursday 15 January, 15:00" in await alex.say("/meet Thursday 15:00 on zoom")
    assert "Thursday 15 January, 10:00" in zhanna.inbox_text()
    await zhanna.press("Confirm", among=zhanna.inbox)
    event = _calendar(_with_file(alex)[0]).walk("VEVENT")[0]
    assert event.decoded("dtstart") == dt.datetime(2026, 1, 15, 10, 0, tzinfo=dt.UTC)


# --- another time, cancelling, /next --------------------------------------------------------------------


async def test_propose_another_time_asks_for_it_and_tells_the_first_side(harness: Harness, clock: ManualClock) -> None:
    clock.set(NOW)
    await zhanna_and_alex(harness.core)
    alex, zhanna = harness.person("alex"), harness.person("zhanna")
    await alex.say("/meet Thursday 15:00 on zoom")

    assert "What time would suit you instead?" in await zhanna.press("Propose another time", among=zhanna.inbox)
    assert "already passed" in await zhanna.say("yesterday 10:00")
    answer = await zhanna.say("Friday 11:00")
    assert "Planned: Friday 16 January, 11:00 with Alex Kim" in answer and "waiting for Alex" in answer
    told = alex.inbox_text()
    assert "Zhanna Abenova proposes another time for your meeting: Friday 16 January, 11:00, video call" in told

    # The first proposal's button, left in Zhanna's chat, cannot confirm a time she has not seen.
    assert "That time has changed since" in await zhanna.press("Confirm", among=zhanna.inbox)
    await alex.press("Confirm", among=alex.inbox)
    assert "Confirmed: Friday 16 January, 11:00 with Alex Kim" in zhanna.inbox_text()
    event = _calendar(_with_file(zhanna)[0]).walk("VEVENT")[0]
    assert event.decoded("dtstart") == dt.datetime(2026, 1, 16, 11, 0, tzinfo=dt.UTC)
    assert str(event["uid"]).startswith("meeting-")


async def test_next_lists_the_planned_meetings_and_cancelling_tells_the_other_side(
    harness: Harness, clock: ManualClock
) -> None:
    alex, zhanna = await _planned_and_confirmed(harness, clock)
    await zhanna.say("/meet Friday 11:00 by phone")

    listed = await alex.say("/next")
    assert "Thursday 15 January, 15:00 · Zhanna Abenova · video call · https://zoom.us/j/123 · confirmed" in listed
    assert "Friday 16 January, 11:00 · Zhanna Abenova · phone call · waiting for you to confirm" in listed
    assert "waiting for Alex to confirm" in await zhanna.say("/next")

    assert "Cancel your meeting with Zhanna Abenova on Thursday 15 January, 15:00? Zhanna will be told." in (
        await alex.press("Cancel 15 Jan")
    )
    assert "Cancelled the meeting" in await alex.press("Yes, cancel it")
    assert "Alex Kim cancelled your meeting on Thursday 15 January, 15:00" in zhanna.inbox_text()
    listed = await alex.say("/next")
    assert "15 January" not in listed and "16 January" in listed


async def test_a_stranger_cannot_press_a_meetings_buttons(harness: Harness, clock: ManualClock) -> None:
    clock.set(NOW)
    await zhanna_and_alex(harness.core)
    await add_person(harness.core, "dana", "Dana Sadykova", "student")
    alex, zhanna, dana = harness.person("alex"), harness.person("zhanna"), harness.person("dana")
    await alex.say("/meet Thursday 15:00 on zoom")
    button = zhanna.inbox[-1].buttons[0][0]
    for action in ("meet.ok", "meet.alt", "meet.drop", "meet.yes"):
        assert "couldn't find that meeting" in await dana.press_data(action, button.payload)
    assert "couldn't find that meeting" in await zhanna.press_data("meet.ok", "999")
    async with harness.core.sessions() as session:
        meeting = await session.scalar(select(Meeting))
        assert meeting is not None and meeting.status == "proposed"


# --- the day before, and after ----------------------------------------------------------------------------


async def test_reminder_the_day_before_once_then_a_yes_logs_the_contact_once(
    harness: Harness, clock: ManualClock
) -> None:
    alex, zhanna = await _planned_and_confirmed(harness, clock)

    clock.set(dt.datetime(2026, 1, 14, 8, 59, tzinfo=dt.UTC))  # Wednesday, before the daytime starts
    await sweep(harness)
    assert "Reminder" not in alex.inbox_text() + zhanna.inbox_text()

    clock.set(dt.datetime(2026, 1, 14, 9, 0, tzinfo=dt.UTC))  # the day before, 9 am for both
    await sweep(harness)
    assert "Reminder: you're meeting Zhanna Abenova on Thursday 15 January, 15:00, video call" in alex.inbox_text()
    assert "Reminder: you're meeting Alex Kim on Thursday 15 January, 15:00" in zhanna.inbox_text()
    clock.advance(dt.timedelta(hours=2))
    await sweep(harness)
    assert alex.inbox_text().count("Reminder") == 1 and zhanna.inbox_text().count("Reminder") == 1

    clock.set(THURSDAY_3PM + dt.timedelta(minutes=59))  # not over yet
    await sweep(harness)
    assert "Did your meeting" not in alex.inbox_text()
    clock.set(THURSDAY_3PM + dt.timedelta(hours=1))
    await sweep(harness)
    assert "Did your meeting with Zhanna Abenova on Thursday 15 January, 15:00 happen?" in alex.inbox_text()
    assert "Did your meeting with Alex Kim on Thursday 15 January, 15:00 happen?" in zhanna.inbox_text()
    clock.advance(dt.timedelta(hours=3))
    await sweep(harness)
    assert alex.inbox_text().count("Did your meeting") == 1

    assert "I've logged your meeting with Zhanna Abenova" in await alex.press("Yes, we met", among=alex.inbox)
    assert "already in your log" in await alex.press("Yes, we met", among=alex.inbox)
    assert "already in your log" in await zhanna.press("Yes, we met", among=zhanna.inbox)
    assert await _count(harness, ContactLog) == 1
    history = await zhanna.say("/history")
    assert history.count("15 Jan 2026 · Video call · logged by Alex") == 1
    assert "Is this a good fit" in alex.inbox_text()  # the first contact, logged the usual way

    clock.advance(dt.timedelta(days=1))
    await sweep(harness)
    assert alex.inbox_text().count("Did your meeting") == 1


async def test_the_reminder_comes_in_each_persons_morning_the_day_before(harness: Harness, clock: ManualClock) -> None:
    clock.set(NOW)
    ids = await zhanna_and_alex(harness.core)
    async with harness.core.sessions() as session, session.begin():
        alex_row = await session.get(User, ids.mentee)
        assert alex_row is not None
        alex_row.timezone = "Asia/Almaty"  # UTC+5
    alex, zhanna = harness.person("alex"), harness.person("zhanna")
    await zhanna.say("/meet Thursday 21:00 by phone")
    await alex.press("Confirm", among=alex.inbox)
    clock.set(dt.datetime(2026, 1, 14, 8, 59, tzinfo=dt.UTC))
    await sweep(harness)
    assert "Reminder" not in alex.inbox_text() + zhanna.inbox_text()
    clock.set(dt.datetime(2026, 1, 14, 9, 0, tzinfo=dt.UTC))  # Wednesday 9 am for Zhanna, 21:00 Thursday the day after
    await sweep(harness)
    assert "Reminder: you're meeting Alex Kim on Thursday 15 January, 21:00, phone call" in zhanna.inbox_text()
    assert "Reminder" not in alex.inbox_text()  # it is Friday 02:00 on Alex's clock: reminded on Thursday
    clock.set(dt.datetime(2026, 1, 15, 4, 0, tzinfo=dt.UTC))  # Thursday 9 am in Almaty
    await sweep(harness)
    assert "Reminder: you're meeting Zhanna Abenova on Friday 16 January, 02:00, phone call" in alex.inbox_text()
    assert zhanna.inbox_text().count("Reminder") == 1


async def test_a_moved_meeting_is_reminded_of_at_its_new_time(harness: Harness, clock: ManualClock) -> None:
    alex, zhanna = await _planned_and_confirmed(harness, clock)
    clock.set(dt.datetime(2026, 1, 14, 10, 0, tzinfo=dt.UTC))
    await sweep(harness)
    assert alex.inbox_text().count("Reminder") == 1
    await zhanna.press("Move it", among=zhanna.inbox)
    await zhanna.say("Friday 15:00")
    await alex.press("Confirm", among=alex.inbox)
    clock.set(dt.datetime(2026, 1, 15, 10, 0, tzinfo=dt.UTC))
    await sweep(harness)
    assert "Reminder: you're meeting Zhanna Abenova on Friday 16 January, 15:00" in alex.inbox_text()
    assert alex.inbox_text().count("Reminder") == 2


async def test_no_it_did_not_happen_logs_nothing(harness: Harness, clock: ManualClock) -> None:
    alex, _zhanna = await _planned_and_confirmed(harness, clock)
    clock.set(THURSDAY_3PM + dt.timedelta(hours=2))
    await sweep(harness)
    assert "Plan another time with Zhanna" in await alex.press("No", among=alex.inbox)
    assert await _count(harness, ContactLog) == 0


async def test_meetings_are_in_the_persons_copy_of_their_data(harness: Harness, clock: ManualClock) -> None:
    await _planned_and_confirmed(harness, clock)

    async with harness.core.sessions() as session:
        user = await session.scalar(select(User).where(User.name == "Alex Kim"))
        assert user is not None
        data = await privacy.export(session, user, NOW)
    meetings = [m for pair in data["mentorships"] for m in pair["meetings"]]
    assert len(meetings) == 1 and meetings[0]["place"] == "https://zoom.us/j/123"


async def test_planned_meetings_show_in_the_overview(harness: Harness, clock: ManualClock) -> None:
    alex, _zhanna = await _planned_and_confirmed(harness, clock)
    cards = await alex.send(Event(actor=alex.actor, kind="home"))
    shown = "\n".join(card.text for card in cards)
    assert "Your next meetings" in shown and "Thursday 15 January, 15:00 · Zhanna Abenova" in shown


async def test_after_an_evening_meeting_the_question_waits_for_the_morning(
    harness: Harness, clock: ManualClock
) -> None:
    clock.set(NOW)
    await zhanna_and_alex(harness.core)
    alex, zhanna = harness.person("alex"), harness.person("zhanna")
    await alex.say("/meet Thursday 19:30 on zoom")
    await zhanna.press("Confirm", among=zhanna.inbox)
    clock.set(dt.datetime(2026, 1, 15, 20, 30, tzinfo=dt.UTC))
    await sweep(harness)
    assert "Did your meeting" not in alex.inbox_text()
    clock.set(dt.datetime(2026, 1, 16, 9, 0, tzinfo=dt.UTC))
    await sweep(harness)
    assert alex.inbox_text().count("Did your meeting with Zhanna Abenova on Thursday 15 January, 19:30 happen?") == 1


async def test_a_mentorship_that_ends_takes_its_planned_meetings_with_it(harness: Harness, clock: ManualClock) -> None:
    alex, zhanna = await _planned_and_confirmed(harness, clock)
    await alex.say("/end")
    await alex.press("We reached our goals")
    await alex.press("Yes, end it")
    assert "your mentorship with Zhanna Abenova has ended" in alex.text
    async with harness.core.sessions() as session:
        statuses = {m.status for m in await session.scalars(select(Meeting))}
    assert statuses == {"cancelled"}
    clock.advance(dt.timedelta(days=3))
    await sweep(harness)
    assert "happen" not in zhanna.inbox_text().lower()
