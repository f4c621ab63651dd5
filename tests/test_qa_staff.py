"""The career team's cases and the scheduler's rhythm, as staff and people meet them: what staff ask a
silent pair, closing a case without closing the pair, a rejected mentor trying again, reminders that say
how long it really has been."""

from __future__ import annotations

import datetime as dt

from bot.core.clock import ManualClock
from storage.models import Pair, Report
from tests.scheduler.helpers import START, load, pair, person, sweep
from tests.support import Harness

DAY = dt.timedelta(days=1)


async def _silent_pair(harness: Harness, clock: ManualClock) -> int:
    """Aigerim and Alex, matched on START and silent for three months: staff have the escalation."""
    mentor = await person(harness.core, "aigerim", "alumnus")
    mentee = await person(harness.core, "alex", "student")
    pair_id = await pair(harness.core, mentor, mentee)
    await harness.person("sam").say("/start")
    for days in (30, 60, 90):
        clock.set(START + days * DAY)
        await sweep(harness)
    assert "No contact logged" in harness.staff_text()
    return pair_id


async def test_staff_contact_asks_how_it_is_going_in_plain_words_and_hears_every_answer(
    harness: Harness, clock: ManualClock
) -> None:
    await _silent_pair(harness, clock)
    sam, alex, aigerim = harness.person("sam"), harness.person("alex"), harness.person("aigerim")
    await sam.press("Contact the pair", among=harness.transport.staff_chat)

    asked = alex.inbox[-1].text
    assert "Sam from the career team here" in asked and "How are things going with Aigerim?" in asked
    assert asked.count("career team") == 1  # introduced once, not twice
    assert "halfway" not in asked  # staff ask at any month, not only at the half-way check-in

    await aigerim.press("It's going well", among=aigerim.inbox[-1:])
    assert "Aigerim Example says it's going well" in harness.staff_text()  # staff were told answers come


async def test_a_case_can_be_marked_resolved_without_closing_the_pair(harness: Harness, clock: ManualClock) -> None:
    pair_id = await _silent_pair(harness, clock)
    sam = harness.person("sam")
    await sam.press("I'll take it", among=harness.transport.staff_chat)
    assert "Taken by Sam" in sam.text
    await sam.press("Resolved")
    assert "Resolved by Sam" in sam.text
    assert (await load(harness.core, Report, 1)).status == "resolved"
    assert (await load(harness.core, Pair, pair_id)).status == "active"
    assert "Open reports: 0" in await sam.say("/stats")


async def test_a_problem_from_the_reminder_can_be_taken_and_resolved(harness: Harness, clock: ManualClock) -> None:
    mentor = await person(harness.core, "aigerim", "alumnus")
    mentee = await person(harness.core, "alex", "student")
    await pair(harness.core, mentor, mentee)
    sam, alex = harness.person("sam"), harness.person("alex")
    await sam.say("/start")
    clock.set(START + 30 * DAY)
    await sweep(harness)
    await alex.press("There is a problem", among=alex.inbox)
    await sam.press("I'll take it", among=harness.transport.staff_chat)
    await sam.press("Resolved")
    assert (await load(harness.core, Report, 1)).status == "resolved"
