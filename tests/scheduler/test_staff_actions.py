"""What staff and people do with the scheduler's buttons: contact a silent pair, re-match the student,
close after the cycle, edit a profile when asked to reconfirm."""

from __future__ import annotations

import datetime as dt

from bot.core.clock import ManualClock
from storage.models import MentorProfile, Pair
from tests.scheduler.helpers import START, load, pair, person, sweep
from tests.support import Harness

DAY = dt.timedelta(days=1)


async def _escalated(harness: Harness, clock: ManualClock) -> int:
    mentor = await person(harness.core, "aigerim", "alumnus")
    mentee = await person(harness.core, "alex", "student")
    pair_id = await pair(harness.core, mentor, mentee)
    await harness.person("sam").say("/start")
    for days in (30, 60, 90):
        clock.set(START + days * DAY)
        await sweep(harness)
    assert "No contact logged" in harness.staff_text()
    return pair_id


async def test_staff_contact_a_silent_pair_and_hear_their_answers(harness: Harness, clock: ManualClock) -> None:
    await _escalated(harness, clock)
    sam, alex, aigerim = harness.person("sam"), harness.person("alex"), harness.person("aigerim")
    await sam.press("Contact the pair", among=harness.transport.staff_chat)
    assert "Both sides were asked" in sam.text
    assert "Sam from the career team here" in alex.inbox[-1].text
    assert "Both were asked already" in await sam.press("Contact the pair", among=harness.transport.staff_chat)
    await alex.press("I'd like help", among=alex.inbox[-1:])
    assert "Alex Example says they would like help" in harness.staff_text()
    assert "Sam from the career team here" in aigerim.inbox[-1].text

    refused = await alex.press_data("esc.close", "1")
    assert "career team only" in refused


async def test_staff_re_match_the_student(harness: Harness, clock: ManualClock) -> None:
    pair_id = await _escalated(harness, clock)
    sam, alex = harness.person("sam"), harness.person("alex")
    await sam.press("Re-match the mentee", among=harness.transport.staff_chat)
    assert "Close this mentorship and show the student other mentors" in sam.text
    await sam.press("Keep it")
    assert (await load(harness.core, Pair, pair_id)).status == "active"
    await sam.press("Re-match the mentee", among=harness.transport.staff_chat)
    await sam.press("Yes, re-match")
    assert "Closed, and the student was shown other mentors" in sam.text
    assert (await load(harness.core, Pair, pair_id)).status == "ended"
    assert "let's find you a mentor with more time for you" in alex.inbox_text()
    assert (await load(harness.core, MentorProfile, 1)).active_mentees == 0


async def test_closing_after_the_cycle_asks_first_and_tells_the_other_side(
    harness: Harness, clock: ManualClock
) -> None:
    mentor = await person(harness.core, "aigerim", "alumnus")
    mentee = await person(harness.core, "alex", "student")
    pair_id = await pair(harness.core, mentor, mentee, last_contact=START + 170 * DAY)
    clock.set(START + 90 * DAY)
    await sweep(harness)  # the half-way check-in
    clock.set(dt.datetime(2026, 7, 12, 10, 0, tzinfo=dt.UTC))
    await sweep(harness)
    aigerim, alex = harness.person("aigerim"), harness.person("alex")
    await aigerim.press("Close it", among=aigerim.inbox[-1:])
    assert "Close your mentorship with Alex?" in aigerim.text
    await aigerim.press("Yes, close it")
    assert (await load(harness.core, Pair, pair_id)).status == "ended"
    assert "has ended your mentorship" in alex.inbox_text()
    refused = await alex.press("Carry on informally", among=alex.inbox[-2:])
    assert "has ended" in refused


async def test_reconfirmation_edit_opens_the_profile_form_and_saving_confirms(
    harness: Harness, clock: ManualClock
) -> None:
    aigerim_id = await person(harness.core, "aigerim", "alumnus")
    aigerim = harness.person("aigerim")
    clock.set(dt.datetime(2026, 8, 3, 10, 0, tzinfo=dt.UTC))
    await sweep(harness)
    await aigerim.press("Edit my profile", among=aigerim.inbox)
    assert "What's your full name?" in aigerim.text
    await aigerim.press("Cancel")
    assert "Still up to date" in [b.label for row in aigerim.inbox[0].buttons for b in row]
    await aigerim.press("Still up to date", among=aigerim.inbox)
    clock.set(dt.datetime(2026, 9, 5, 10, 0, tzinfo=dt.UTC))
    await sweep(harness)
    assert (await load(harness.core, MentorProfile, aigerim_id)).active is True
