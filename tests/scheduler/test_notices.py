"""Request reminders and expiry, the half-way check-in, the end-of-cycle survey and the yearly
reconfirmation: each due exactly when the programme says, not a day before, and never twice."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from bot.core import notices as sweeps
from bot.core.clock import ManualClock
from storage.models import MentorProfile, MentorshipRequest, Pair, SurveyResponse
from tests.scheduler.helpers import START, load, pair, person, request, sweep
from tests.support import Harness

DAY = dt.timedelta(days=1)


async def test_pending_request_reminds_the_mentor_at_7_days_and_expires_at_14(
    harness: Harness, clock: ManualClock
) -> None:
    mentor = await person(harness.core, "aigerim", "alumnus")
    mentee = await person(harness.core, "alex", "student")
    request_id = await request(harness.core, mentor, mentee)
    aigerim, alex = harness.person("aigerim"), harness.person("alex")

    clock.set(START + 7 * DAY - dt.timedelta(minutes=1))
    await sweep(harness)
    assert aigerim.inbox == []
    clock.set(START + 7 * DAY)
    await sweep(harness)
    assert "Alex Example asked you to be their mentor on 12 January 2026" in aigerim.inbox_text()
    clock.advance(DAY)
    await sweep(harness)
    assert len(aigerim.inbox) == 1

    clock.set(START + 14 * DAY - dt.timedelta(minutes=1))
    await sweep(harness)
    assert alex.inbox == []
    clock.set(START + 14 * DAY)
    await sweep(harness)
    assert "couldn't answer your request in time" in alex.inbox_text()
    assert "Show me mentors who fit" in [b.label for row in alex.inbox[0].buttons for b in row]
    assert "has closed after 14 days" in aigerim.inbox_text()
    assert (await load(harness.core, MentorshipRequest, request_id)).status == "expired"
    clock.advance(DAY)
    await sweep(harness)
    assert len(alex.inbox) == 1


async def test_half_way_check_in_at_three_months_reaches_staff_only_when_not_fine(
    harness: Harness, clock: ManualClock
) -> None:
    mentor = await person(harness.core, "aigerim", "alumnus")
    mentee = await person(harness.core, "alex", "student")
    await pair(harness.core, mentor, mentee, last_contact=START + 80 * DAY)
    aigerim, alex = harness.person("aigerim"), harness.person("alex")

    clock.set(dt.datetime(2026, 4, 11, 10, 0, tzinfo=dt.UTC))
    await sweep(harness)
    assert alex.inbox == []
    clock.set(dt.datetime(2026, 4, 12, 10, 0, tzinfo=dt.UTC))
    await sweep(harness)
    assert "halfway through your mentorship. How is it going?" in alex.inbox_text()
    assert "halfway through" in aigerim.inbox_text()

    await aigerim.press("It's going well", among=aigerim.inbox)
    assert "Lovely to hear" in aigerim.text and harness.staff_text() == ""
    await alex.press("Could be better", among=alex.inbox)
    assert "Check-in for Aigerim Example (mentor) and Alex Example (student): Alex Example says it could be better" in (
        harness.staff_text()
    )
    assert "Already noted" in await alex.press("I'd like help", among=alex.inbox)
    assert len(harness.transport.staff_chat) == 1

    clock.advance(10 * DAY)
    await sweep(harness)
    assert len(alex.inbox) == 1


async def test_end_of_cycle_survey_reminder_continue_and_thanks(harness: Harness, clock: ManualClock) -> None:
    mentor = await person(harness.core, "aigerim", "alumnus")
    mentee = await person(harness.core, "alex", "student")
    pair_id = await pair(harness.core, mentor, mentee, interval=30)
    aigerim, alex = harness.person("aigerim"), harness.person("alex")
    ends = dt.datetime(2026, 7, 12, 10, 0, tzinfo=dt.UTC)

    # Keep the pair in contact so only the cycle's end is due at the end.
    async with harness.core.sessions() as session, session.begin():
        row = await session.get(Pair, pair_id)
        assert row is not None
        row.last_contact_at = ends - 2 * DAY
    await sweep_at(harness, clock, ends - 30 * DAY)  # the half-way check-in went out long before
    await sweep_at(harness, clock, ends - dt.timedelta(minutes=1))
    before = len(alex.inbox)
    await sweep_at(harness, clock, ends)
    assert len(alex.inbox) == before + 1
    text = alex.inbox[-1].text
    assert "your 6 months with Aigerim are complete" in text and "thank-you note" in text
    labels = [b.label for row in alex.inbox[-1].buttons for b in row]
    assert labels == ["Take the survey", "Carry on informally", "Close it", "Thank Aigerim"]

    await alex.press("Take the survey", among=alex.inbox[-1:])
    assert "End-of-mentorship survey" in alex.text and "how useful" in alex.text
    await alex.say("9")  # not a rating: asked again
    assert "Please pick one of the buttons" in alex.text
    await alex.press("5")
    await alex.press("4")
    await alex.press("Yes")  # goals met
    await alex.press("Yes")  # recommend
    await alex.say("More events for students.")
    assert "Thank you, Alex! Your answers are with the career team." in alex.text
    async with harness.core.sessions() as session:
        saved = list(await session.scalars(select(SurveyResponse)))
    assert [(s.role, s.answers["overall"], s.answers["recommend"]) for s in saved] == [("mentee", "5", True)]
    await alex.press("Carry on informally")
    assert "carry on as you like" in alex.text
    assert "would like to carry on informally" in aigerim.inbox_text()
    assert (await load(harness.core, Pair, pair_id)).continue_after_cycle is True

    # Seven days on, only the mentor (who hasn't answered) is reminded, once.
    await sweep_at(harness, clock, ends + 7 * DAY - dt.timedelta(minutes=1))
    assert "still open" not in aigerim.inbox_text()
    await sweep_at(harness, clock, ends + 7 * DAY)
    assert "survey is still open" in aigerim.inbox_text()
    assert "survey is still open" not in alex.inbox_text()
    await sweep_at(harness, clock, ends + 9 * DAY)
    assert aigerim.inbox_text().count("survey is still open") == 1
    # Carrying on informally: no monthly nudges after the cycle.
    await sweep_at(harness, clock, ends + 60 * DAY)
    assert "Have you talked?" not in alex.inbox[-1].text


async def sweep_at(harness: Harness, clock: ManualClock, moment: dt.datetime) -> None:
    clock.set(moment)
    await sweep(harness)


async def test_reconfirmation_every_august_and_pause_after_the_grace_period(
    harness: Harness, clock: ManualClock
) -> None:
    aigerim_id = await person(harness.core, "aigerim", "alumnus")
    daniyar_id = await person(harness.core, "daniyar", "alumnus")
    aigerim, daniyar = harness.person("aigerim"), harness.person("daniyar")

    await sweep_at(harness, clock, dt.datetime(2026, 7, 31, 12, 0, tzinfo=dt.UTC))
    assert aigerim.inbox == []
    await sweep_at(harness, clock, dt.datetime(2026, 8, 1, 10, 0, tzinfo=dt.UTC))
    assert "Is yours still up to date?" in aigerim.inbox_text()
    assert "Is yours still up to date?" in daniyar.inbox_text()
    await daniyar.press("Still up to date", among=daniyar.inbox)
    assert "stays as it is" in daniyar.text

    await sweep_at(harness, clock, dt.datetime(2026, 8, 31, 9, 59, tzinfo=dt.UTC))
    assert (await load(harness.core, MentorProfile, aigerim_id)).active is True
    await sweep_at(harness, clock, dt.datetime(2026, 8, 31, 10, 0, tzinfo=dt.UTC))
    assert (await load(harness.core, MentorProfile, aigerim_id)).active is False
    assert "we've hidden it from students for now" in aigerim.inbox_text() and "/resume" in aigerim.inbox_text()
    assert (await load(harness.core, MentorProfile, daniyar_id)).active is True
    assert len(daniyar.inbox) == 1

    await aigerim.press("Resume now", among=aigerim.inbox)
    await sweep_at(harness, clock, dt.datetime(2026, 9, 20, 10, 0, tzinfo=dt.UTC))
    assert (await load(harness.core, MentorProfile, aigerim_id)).active is True
    assert len(aigerim.inbox) == 2  # no second ask this year
    await sweep_at(harness, clock, dt.datetime(2027, 8, 1, 10, 0, tzinfo=dt.UTC))
    assert len(aigerim.inbox) == 3  # next August, asked again


async def test_reconfirmation_asks_everyone_once_in_batches_and_skips_the_quiet(
    harness: Harness, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sweeps, "BATCH", 2)
    for i in range(5):
        await person(harness.core, f"mentor{i}", "alumnus", reminders_paused=i == 0)
    await sweep_at(harness, clock, dt.datetime(2026, 8, 1, 10, 0, tzinfo=dt.UTC))
    await sweep_at(harness, clock, dt.datetime(2026, 8, 1, 11, 0, tzinfo=dt.UTC))
    assert harness.person("mentor0").inbox == []
    for i in range(1, 5):
        assert len(harness.person(f"mentor{i}").inbox) == 1
    await sweep_at(harness, clock, dt.datetime(2026, 9, 1, 10, 0, tzinfo=dt.UTC))
    assert (await load(harness.core, MentorProfile, 1)).active is True  # never asked, so never paused
    assert (await load(harness.core, MentorProfile, 2)).active is False


async def test_someone_half_way_through_the_survey_is_not_reminded(harness: Harness, clock: ManualClock) -> None:
    mentor = await person(harness.core, "aigerim", "alumnus")
    mentee = await person(harness.core, "alex", "student")
    pair_id = await pair(harness.core, mentor, mentee, interval=30)
    aigerim, alex = harness.person("aigerim"), harness.person("alex")
    ends = dt.datetime(2026, 7, 12, 10, 0, tzinfo=dt.UTC)
    async with harness.core.sessions() as session, session.begin():
        row = await session.get(Pair, pair_id)
        assert row is not None
        row.last_contact_at = ends - 2 * DAY
    await sweep_at(harness, clock, ends - 30 * DAY)
    await sweep_at(harness, clock, ends)
    await alex.press("Take the survey", among=alex.inbox[-1:])
    await alex.press("5")  # the first answer; the rest still to come

    await sweep_at(harness, clock, ends + 7 * DAY)
    assert "survey is still open" in aigerim.inbox_text()  # hasn't started it
    assert "survey is still open" not in alex.inbox_text()  # has its next question in front of them


async def test_a_mentor_with_two_students_can_tell_which_check_in_button_is_whose(
    harness: Harness, clock: ManualClock
) -> None:
    mentor = await person(
        harness.core,
        "aigerim",
        "alumnus",
    )
    alex = await person(harness.core, "alex", "student")
    dana = await person(harness.core, "dana", "student")
    for student in (alex, dana):
        await pair(harness.core, mentor, student, last_contact=START + 80 * DAY)
    aigerim = harness.person("aigerim")
    clock.set(dt.datetime(2026, 4, 12, 10, 0, tzinfo=dt.UTC))
    await sweep(harness)
    (message,) = aigerim.inbox  # one message a day, holding both check-ins
    labels = [b.label for row in message.buttons for b in row]
    assert "It's going well · Alex" in labels and "It's going well · Dana" in labels
    assert len(set(labels)) == len(labels)  # no two buttons read alike
    await aigerim.press("Could be better · Dana", among=aigerim.inbox)
    told = harness.staff_text()
    assert "Check-in for Aigerim Example (mentor) and Dana Example (student): Aigerim Example says it could" in told
    assert "Alex Example" not in told
    # Alone, a student's check-in needs no name on its buttons.
    alone = [b.label for row in harness.person("alex").inbox[0].buttons for b in row]
    assert "It's going well" in alone
