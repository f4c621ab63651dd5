"""No contact for the agreed interval: both sides are nudged once, answer in one tap, and staff hear of
problems, contradictions and pairs that stay silent after two nudges."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from bot.core.clock import ManualClock
from bot.services.nudges import _overdue_pairs, is_overdue
from storage.models import ContactLog, Pair, Report
from tests.scheduler.helpers import START, load, pair, person, sweep
from tests.support import Harness

DAY = dt.timedelta(days=1)


def nudges(chat) -> int:  # type: ignore[no-untyped-def]
    return sum("Have you talked?" in reply.text for reply in chat.inbox)


async def _pair(harness: Harness, **kwargs: object) -> int:
    mentor = await person(harness.core, "aigerim", "alumnus")
    mentee = await person(harness.core, "alex", "student")
    return await pair(harness.core, mentor, mentee, **kwargs)  # type: ignore[arg-type]


async def test_nudge_comes_exactly_after_the_interval_to_both_sides_and_only_once(
    harness: Harness, clock: ManualClock
) -> None:
    await _pair(harness)
    aigerim, alex = harness.person("aigerim"), harness.person("alex")

    clock.set(START + 30 * DAY - dt.timedelta(minutes=1))
    await sweep(harness)
    assert aigerim.inbox == [] and alex.inbox == []

    clock.set(START + 30 * DAY)
    await sweep(harness)
    assert "It's been a month since you and Alex last caught up" in aigerim.inbox_text()
    assert "you and Aigerim last caught up" in alex.inbox_text()
    labels = [b.label for row in alex.inbox[-1].buttons for b in row]
    assert labels == ["We talked (call/video)", "We talked (chat/e-mail)", "Not yet", "There is a problem"]

    for _ in range(3):
        clock.advance(dt.timedelta(hours=2))
        await sweep(harness)
    assert len(aigerim.inbox) == 1 and len(alex.inbox) == 1


async def test_we_talked_logs_a_contact_and_the_nudges_stop(harness: Harness, clock: ManualClock) -> None:
    pair_id = await _pair(harness)
    alex = harness.person("alex")
    clock.set(START + 30 * DAY)
    await sweep(harness)

    answer = await alex.press("We talked (call/video)", among=alex.inbox)
    assert "logged for today" in answer
    async with harness.core.sessions() as session:
        logs = list(await session.scalars(select(ContactLog).where(ContactLog.pair_id == pair_id)))
    assert [(log.method, log.source) for log in logs] == [("video", "nudge")]
    again = await alex.press("We talked (call/video)", among=alex.inbox)
    assert "Already noted" in again

    # The next month counts from the contact: nothing 29 days on, a nudge at 30 (from noon on the day logged).
    clock.set(START + 59 * DAY)
    await sweep(harness)
    assert nudges(alex) == 1
    clock.set(START.replace(hour=12) + 60 * DAY)
    await sweep(harness)
    assert nudges(alex) == 2
    assert harness.staff_text() == ""


async def test_two_silent_nudges_escalate_to_staff_once(harness: Harness, clock: ManualClock) -> None:
    pair_id = await _pair(harness)
    aigerim, alex, sam = harness.person("aigerim"), harness.person("alex"), harness.person("sam")
    await sam.say("/start")  # the career team member (STAFF_IDS has console:sam)
    for days in (30, 60):
        clock.set(START + days * DAY)
        await sweep(harness)
    assert len(alex.inbox) == 2 and harness.staff_text() == ""

    clock.set(START + 90 * DAY - dt.timedelta(minutes=1))
    await sweep(harness)
    assert harness.staff_text() == ""

    clock.set(START + 90 * DAY)
    await sweep(harness)
    staff = harness.staff_text()
    assert "No contact logged" in staff and "Aigerim Example (mentor) and Alex Example (student)" in staff
    assert "12 January 2026" in staff and "11 February 2026, 13 March 2026" in staff
    assert "Their answers: Aigerim: no answer; Alex: no answer." in staff
    assert "may get in touch" in alex.inbox_text() and "may get in touch" in aigerim.inbox_text()
    staff_buttons = [b.label for row in harness.transport.staff_chat[-1].buttons for b in row]
    assert staff_buttons == ["I'll take it", "Contact the pair", "Close the pair", "Re-match the mentee"]

    clock.set(START + 150 * DAY)
    await sweep(harness)
    assert len(harness.transport.staff_chat) == 1  # once; no more automatic nudges either
    assert len(alex.inbox) == 3

    await sam.press("I'll take it", among=harness.transport.staff_chat)
    assert "Taken by Sam" in sam.text
    report = await load(harness.core, Report, 1)
    assert report.status == "taken" and report.kind == "escalation"

    await sam.press("Close the pair", among=harness.transport.staff_chat)
    await sam.press("Yes, close it")
    assert (await load(harness.core, Pair, pair_id)).status == "ended"


async def test_not_yet_offers_a_ready_message_and_contradicting_answers_reach_staff(
    harness: Harness, clock: ManualClock
) -> None:
    await _pair(harness)
    aigerim, alex = harness.person("aigerim"), harness.person("alex")
    clock.set(START + 30 * DAY)
    await sweep(harness)

    offer = await alex.press("Not yet", among=alex.inbox)
    assert "Here's a message you could send Aigerim" in offer
    assert "Would you have 30 minutes" in offer and "aigerim@example.com" in offer
    await alex.press("Send it for me")
    assert "Sent to Aigerim" in alex.text
    assert "A message from Alex Example" in aigerim.inbox_text() and "alex@example.com" in aigerim.inbox_text()
    notice = alex.inbox[0].buttons[0][0].payload
    assert "Already sent" in await alex.press_data("nudge.send", notice)
    assert len([r for r in aigerim.inbox if "A message from" in r.text]) == 1

    await aigerim.press("We talked (chat/e-mail)", among=aigerim.inbox)
    assert "Answers that don't match" in harness.staff_text()
    assert "Aigerim Example says they talked, Alex Example says not yet" in harness.staff_text()


async def test_there_is_a_problem_reaches_staff_at_once_and_others_cannot_press(
    harness: Harness, clock: ManualClock
) -> None:
    await _pair(harness)
    alex, mallory = harness.person("alex"), harness.person("mallory")
    await person(harness.core, "mallory", "student")
    clock.set(START + 30 * DAY + dt.timedelta(hours=10))  # 20:00: outside daytime, the nudge waits
    await sweep(harness)
    assert alex.inbox == []
    clock.set(START + 31 * DAY - dt.timedelta(hours=1))  # 09:00 the next morning
    await harness.core.delivery.flush()
    assert len(alex.inbox) == 1

    button = alex.inbox[0].buttons[1][1]
    refused = await mallory.press_data(button.action, button.payload)
    assert "isn't for you" in refused and harness.staff_text() == ""

    answer = await alex.press("There is a problem", among=alex.inbox)
    assert "will get in touch with you privately" in answer
    assert "A problem reported by Alex Example" in harness.staff_text()


async def test_quiet_pauses_my_reminders_but_not_my_mentors(harness: Harness, clock: ManualClock) -> None:
    await _pair(harness)
    aigerim, alex = harness.person("aigerim"), harness.person("alex")
    assert "no more reminders" in await alex.say("/quiet")
    clock.set(START + 30 * DAY)
    await sweep(harness)
    assert alex.inbox == [] and len(aigerim.inbox) == 1
    await alex.say("/unquiet")
    clock.set(START + 60 * DAY)
    await sweep(harness)
    assert len(alex.inbox) == 1 and "Have you talked?" in alex.inbox_text()


async def test_after_downtime_one_nudge_now_and_none_for_a_pair_that_has_met(
    harness: Harness, clock: ManualClock
) -> None:
    silent = await _pair(harness)
    madina = await person(harness.core, "madina", "alumnus")
    bota = await person(harness.core, "bota", "student")
    await pair(harness.core, madina, bota, last_contact=START + 95 * DAY)
    alex, bota_chat = harness.person("alex"), harness.person("bota")

    clock.set(START + 100 * DAY)  # the bot was off for three months
    await sweep(harness)
    assert nudges(alex) == 1  # one nudge, not three
    assert len(alex.inbox) == 1  # with the (also due) half-way check-in in the same message
    assert "halfway through" in alex.inbox_text()
    assert harness.staff_text() == ""  # and no escalation before two nudges were really sent
    assert nudges(bota_chat) == 0

    clock.set(START + 129 * DAY)
    await sweep(harness)
    assert nudges(alex) == 1  # the second nudge still waits its interval after the first
    clock.set(START + 130 * DAY)
    await sweep(harness)
    assert nudges(alex) == 2
    assert (await load(harness.core, Pair, silent)).status == "active"


async def test_the_sweeps_query_finds_exactly_the_pairs_the_contact_rule_calls_overdue(harness: Harness) -> None:
    core = harness.core
    mentor = await person(core, "zhanna", "alumnus")
    cases = [  # (interval, started, last contact)
        (30, START, None),
        (30, START, START + 20 * DAY),
        (7, START, START + 3 * DAY),
        (14, START + 10 * DAY, None),
        (42, START, START + 1 * DAY),
        (30, START + 29 * DAY, START + 29 * DAY),
    ]
    for n, (interval, started, last) in enumerate(cases):
        mentee = await person(core, f"student{n}", "student")
        await pair(core, mentor, mentee, started=started, last_contact=last, interval=interval)
    async with core.sessions() as session, session.begin():
        ended, agreeing = (await session.scalars(select(Pair).order_by(Pair.id).limit(2))).all()
        ended.status, agreeing.status = "ended", "agreeing"

    overdue_some_day: set[int] = set()
    for days in (0, 10, 25, 31, 45, 52, 60, 90):
        now = START + days * DAY
        async with core.sessions() as session:
            found = await _overdue_pairs(session, now)
            every = list(await session.scalars(select(Pair).order_by(Pair.id)))
            assert found == [p.id for p in every if is_overdue(p, now)], f"day {days}"
        overdue_some_day.update(found)
    assert len(overdue_some_day) == 4  # every running pair, at some point; never the ended or agreeing one
