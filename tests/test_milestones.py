"""Milestones in the last-year programme: three interviews in their windows, the road-book the student sends
before each and the evaluation the mentor gives after it, the notices of the schedule, what each side and
staff read in /milestones."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import func, select

from bot.app import create_core
from bot.config import load_settings
from bot.core.app import Core
from bot.core.clock import ManualClock
from bot.core.events import Event
from bot.programme import load_programme, milestone_windows
from bot.services import privacy
from storage.models import Meeting, MilestoneProgress, Outbox, Pair, Report, User
from tests.lifecycle_support import add_person
from tests.scheduler.helpers import sweep
from tests.support import Harness, Person

NOW = dt.datetime(2026, 1, 12, 10, 0, tzinfo=dt.UTC)  # a Monday
INTERVIEW = dt.datetime(2026, 1, 29, 15, 0, tzinfo=dt.UTC)  # a Thursday, 17 days later
LAST_YEAR = load_programme("last_year")
I1 = "Interview 1: the professional project"
I2 = "Interview 2: the action plan"


@pytest.fixture
async def core(database_url: str, clock: ManualClock) -> AsyncIterator[Core]:
    settings = load_settings(database_url=database_url, staff_ids="console:sam", programme="last_year", _env_file=None)
    app = await create_core(settings, clock, migrate=False)
    yield app
    await app.close()


async def _matched(harness: Harness, clock: ManualClock, started: dt.datetime = NOW) -> tuple[Person, Person, int]:
    """Zhanna Abenova (alumna, 'zhanna') mentors Alex Kim (student, 'alex') from `started`."""
    clock.set(started)
    mentor = await add_person(harness.core, "zhanna", "Zhanna Abenova", "alumnus")
    mentee = await add_person(harness.core, "alex", "Alex Kim", "student")
    async with harness.core.sessions() as session, session.begin():
        pair = Pair(
            mentor_id=mentor,
            mentee_id=mentee,
            status="active",
            goals="A professional project that holds together",
            contact_method="video",
            contact_interval_days=60,
            created_at=started,
            started_at=started,
        )
        session.add(pair)
        await session.flush()
        pair_id = pair.id
    return harness.person("zhanna"), harness.person("alex"), pair_id


async def _interview_planned(
    harness: Harness, clock: ManualClock, when: str = "29 January 15:00"
) -> tuple[Person, Person]:
    zhanna, alex, _pair = await _matched(harness, clock)
    await sweep(harness)  # the window of interview 1 is open: both are told
    await alex.say(f"/meet {when} on zoom")
    await zhanna.press("Confirm", among=zhanna.inbox)
    return zhanna, alex


async def _fill_roadbook(
    alex: Person, first: str = "Fill in the road-book", *, project: str = "Audit, then consulting"
) -> str:
    assert "Your years in the School" in await alex.press(first, among=alex.inbox)
    assert "Your professional project" in await alex.say("Finance major, two internships in audit")
    assert "Your action plan" in await alex.say(project)
    assert "What would you like to talk about" in await alex.say("Ten applications a month, the alumni network")
    return await alex.say("How to explain my gap year")


async def _at(harness: Harness, clock: ManualClock, moment: dt.datetime) -> None:
    clock.set(moment)
    await sweep(harness)


async def _count(harness: Harness, model: type) -> int:
    async with harness.core.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


def _days(start: dt.date) -> list[tuple[str, str]]:
    return [(opens.isoformat(), closes.isoformat()) for opens, closes in milestone_windows(LAST_YEAR.milestones, start)]


# --- the windows --------------------------------------------------------------------------------------------


def test_windows_fall_in_the_first_year_that_keeps_the_interviews_in_order() -> None:
    this_year = [("2026-01-01", "2026-03-31"), ("2026-04-01", "2026-06-30"), ("2026-07-01", "2026-12-31")]
    assert _days(dt.date(2025, 12, 1)) == this_year  # December: next year's interviews
    assert _days(dt.date(2026, 2, 10)) == this_year  # February: interview 1's window is open now
    assert _days(dt.date(2026, 3, 31)) == this_year  # its last day still counts
    # May: interview 1's window closed before the start, so the three move to the next year, in order.
    next_year = [("2027-01-01", "2027-03-31"), ("2027-04-01", "2027-06-30"), ("2027-07-01", "2027-12-31")]
    assert _days(dt.date(2026, 5, 4)) == next_year


def test_a_window_across_the_new_year_closes_the_year_after_it_opens() -> None:
    winter = LAST_YEAR.milestones[0].model_copy(update={"opens": "11-01", "closes": "02-28"})
    assert milestone_windows([winter], dt.date(2026, 1, 15)) == [(dt.date(2025, 11, 1), dt.date(2026, 2, 28))]
    assert milestone_windows([winter], dt.date(2026, 3, 1)) == [(dt.date(2026, 11, 1), dt.date(2027, 2, 28))]


async def test_a_started_mentorship_gets_its_steps_once_with_those_windows(
    harness: Harness, clock: ManualClock
) -> None:
    zhanna, alex, _pair = await _matched(harness, clock, dt.datetime(2025, 12, 15, 10, 0, tzinfo=dt.UTC))
    await sweep(harness)
    await sweep(harness)
    assert await _count(harness, MilestoneProgress) == 3
    shown = await alex.say("/milestones")
    assert "Your steps with Zhanna Abenova" in shown
    assert f"1. {I1} · 1 January to 31 March 2026\n   upcoming" in shown
    assert f"2. {I2} · 1 April to 30 June 2026\n   upcoming" in shown
    assert "3. Interview 3: the follow-up · 1 July to 31 December 2026" in shown
    assert "Your steps with Alex Kim" in await zhanna.say("/milestones")
    assert await _count(harness, MilestoneProgress) == 3
    assert "is open now" not in alex.inbox_text() + zhanna.inbox_text()


# --- the schedule -------------------------------------------------------------------------------------------


async def test_the_window_opening_tells_both_sides_once(harness: Harness, clock: ManualClock) -> None:
    zhanna, alex, _pair = await _matched(harness, clock, dt.datetime(2025, 12, 15, 10, 0, tzinfo=dt.UTC))
    await _at(harness, clock, dt.datetime(2025, 12, 31, 12, 0, tzinfo=dt.UTC))
    assert "is open now" not in alex.inbox_text()

    await _at(harness, clock, dt.datetime(2026, 1, 1, 9, 0, tzinfo=dt.UTC))
    told = alex.inbox_text()
    assert f"{I1} is open now: 1 January to 31 March 2026." in told
    assert "The student presents the professional project with the road-book" in told
    assert "Plan the meeting with Zhanna: /meet, e.g. /meet Thursday 15:00 on zoom." in told
    assert "Send Zhanna your road-book at least 7 days before the meeting; I'll remind you." in told
    assert f"{I1} is open now" in zhanna.inbox_text()
    assert "Alex sends you a road-book at least 7 days before it" in zhanna.inbox_text()
    before = (len(alex.inbox), len(zhanna.inbox))
    await _at(harness, clock, dt.datetime(2026, 1, 1, 15, 0, tzinfo=dt.UTC))
    await _at(harness, clock, dt.datetime(2026, 1, 2, 9, 0, tzinfo=dt.UTC))
    assert (len(alex.inbox), len(zhanna.inbox)) == before
    assert alex.inbox_text().count("is open now") == 1


async def test_the_roadbook_is_asked_for_exactly_seven_days_before_and_reaches_the_mentor(
    harness: Harness, clock: ManualClock
) -> None:
    zhanna, alex = await _interview_planned(harness, clock)
    assert "meeting planned on Thursday 29 January, 15:00" in await alex.say("/milestones")

    await _at(harness, clock, dt.datetime(2026, 1, 21, 12, 0, tzinfo=dt.UTC))
    await _at(harness, clock, dt.datetime(2026, 1, 22, 8, 59, tzinfo=dt.UTC))
    assert "is due" not in alex.inbox_text()
    await _at(harness, clock, dt.datetime(2026, 1, 22, 9, 0, tzinfo=dt.UTC))
    assert (
        f"Your road-book for {I1} is due: you meet Zhanna Abenova on Thursday 29 January, 15:00. "
        "Send it now, so Zhanna has it 7 days ahead."
    ) in alex.inbox_text()
    await _at(harness, clock, dt.datetime(2026, 1, 22, 11, 0, tzinfo=dt.UTC))
    assert alex.inbox_text().count("is due") == 1

    answer = await _fill_roadbook(alex, project="Audit <b>then</b> consulting & strategy")
    assert f"Sent! Zhanna Abenova has your road-book for {I1}." in answer
    assert "Your meeting: Thursday 29 January, 15:00." in answer
    received = zhanna.inbox[-1]
    assert "&lt;b&gt;then&lt;/b&gt; consulting &amp; strategy" in received.text  # what Alex typed, as typed
    read = zhanna.inbox_text()
    assert f"Alex Kim sent you the road-book for {I1}" in read
    assert "Your years in the School: what did you choose, and why?\nFinance major, two internships in audit" in read
    assert "What would you like to talk about with your mentor?\nHow to explain my gap year" in read

    # Sent again before the meeting: it replaces the first, and Zhanna hears it was updated.
    clock.set(dt.datetime(2026, 1, 23, 10, 0, tzinfo=dt.UTC))
    assert "Your years in the School" in await alex.say("/roadbook")
    for text in ("Finance major", "Audit", "Ten applications a month"):
        await alex.say(text)
    assert "Updated: Zhanna Abenova has the new version of your road-book" in await alex.press("Skip")
    assert f"Alex Kim updated the road-book for {I1}" in zhanna.inbox_text()
    async with harness.core.sessions() as session:
        progress = await session.scalar(select(MilestoneProgress).where(MilestoneProgress.milestone == "interview_1"))
        assert progress is not None
        assert progress.form_answers["project"] == "Audit" and progress.form_answers["questions"] is None
        assert progress.form_sent_at == dt.datetime(2026, 1, 23, 10, 0, tzinfo=dt.UTC)
    shown = await zhanna.say("/milestones")
    assert "meeting planned on Thursday 29 January, 15:00 · road-book sent on 23 January" in shown
    assert "Audit" in await zhanna.press("Read road-book 1")


async def test_a_meeting_planned_closer_than_seven_days_asks_for_the_roadbook_at_once(
    harness: Harness, clock: ManualClock
) -> None:
    _zhanna, alex = await _interview_planned(harness, clock, when="Thursday 15:00")
    await _at(harness, clock, NOW + dt.timedelta(hours=1))
    assert f"Your road-book for {I1} is due: you meet Zhanna Abenova on Thursday 15 January, 15:00." in (
        alex.inbox_text()
    )


async def test_an_overdue_roadbook_tells_the_student_and_the_mentor_once(harness: Harness, clock: ManualClock) -> None:
    zhanna, alex = await _interview_planned(harness, clock)
    await _at(harness, clock, dt.datetime(2026, 1, 22, 9, 0, tzinfo=dt.UTC))
    await _at(harness, clock, dt.datetime(2026, 1, 23, 9, 0, tzinfo=dt.UTC))
    assert "overdue" not in alex.inbox_text()
    await _at(harness, clock, dt.datetime(2026, 1, 24, 9, 0, tzinfo=dt.UTC))
    assert f"Your road-book for {I1} is overdue: Zhanna hasn't received it yet, and you meet on Thursday" in (
        alex.inbox_text()
    )
    assert f"Alex Kim's road-book for {I1} hasn't arrived yet (you meet on Thursday 29 January, 15:00)." in (
        zhanna.inbox_text()
    )
    await _at(harness, clock, dt.datetime(2026, 1, 25, 9, 0, tzinfo=dt.UTC))
    assert alex.inbox_text().count("overdue") == 1 and zhanna.inbox_text().count("hasn't arrived") == 1
    # The overdue reminder's button still opens the road-book.
    assert "Your years in the School" in await alex.press("Fill in the road-book", among=alex.inbox)


async def test_after_it_happened_the_mentor_evaluates_and_the_student_gets_it(
    harness: Harness, clock: ManualClock
) -> None:
    zhanna, alex = await _interview_planned(harness, clock, when="Thursday 15:00")
    assert "There's no evaluation waiting for you. It opens once a step's meeting has happened." in (
        await zhanna.say("/evaluate")
    )
    await _at(harness, clock, dt.datetime(2026, 1, 15, 16, 0, tzinfo=dt.UTC))
    await alex.press("Yes, we met", among=alex.inbox)
    assert "met on 15 January, evaluation due" in await alex.say("/milestones")

    await _at(harness, clock, dt.datetime(2026, 1, 15, 16, 30, tzinfo=dt.UTC))
    assert (
        f"Your meeting with Alex Kim for {I1} has happened: thank you! Next is the evaluation form; it goes to Alex."
    ) in zhanna.inbox_text()
    await _at(harness, clock, dt.datetime(2026, 1, 16, 10, 0, tzinfo=dt.UTC))
    assert zhanna.inbox_text().count("Next is the evaluation form") == 1

    assert "Quality of the student's thinking" in await zhanna.press("Fill in the evaluation", among=zhanna.inbox)
    for rating in ("4", "5", "3"):
        await zhanna.press(rating)
    assert "Your main advice" in await zhanna.press("4")
    answer = await zhanna.say("Name two target firms & <write> to their alumni")
    assert f"Thank you! Alex has your evaluation of {I1}." in answer
    given = alex.inbox[-1]
    assert "&lt;write&gt;" in given.text
    read = alex.inbox_text()
    assert f"Zhanna Abenova sent you the evaluation of {I1}" in read
    assert "Quality of the student's thinking (1 = weak, 5 = excellent)\n4/5" in read
    assert "How well the road-book was filled in (1-5)\n3/5" in read
    assert "Your main advice for the next step.\nName two target firms & <write> to their alumni" in read

    shown = await alex.say("/milestones")
    assert "met on 15 January, evaluated on 16 January" in shown
    assert "4/5" in await alex.press("Read evaluation 1")
    assert "already sent the evaluation" in await zhanna.press("Fill in the evaluation", among=zhanna.inbox)
    await _at(harness, clock, dt.datetime(2026, 1, 20, 10, 0, tzinfo=dt.UTC))
    assert "gentle reminder" not in zhanna.inbox_text()


async def test_an_evaluation_not_sent_is_asked_for_once_more(harness: Harness, clock: ManualClock) -> None:
    zhanna, _alex = await _interview_planned(harness, clock, when="Thursday 15:00")
    await _at(harness, clock, dt.datetime(2026, 1, 15, 16, 0, tzinfo=dt.UTC))
    await zhanna.press("Yes, we met", among=zhanna.inbox)
    await _at(harness, clock, dt.datetime(2026, 1, 15, 17, 0, tzinfo=dt.UTC))
    await _at(harness, clock, dt.datetime(2026, 1, 17, 10, 0, tzinfo=dt.UTC))
    assert "gentle reminder" not in zhanna.inbox_text()
    await _at(harness, clock, dt.datetime(2026, 1, 18, 10, 0, tzinfo=dt.UTC))
    await _at(harness, clock, dt.datetime(2026, 1, 25, 10, 0, tzinfo=dt.UTC))
    assert zhanna.inbox_text().count(f"A gentle reminder: Alex is waiting for your evaluation of {I1}.") == 1
    assert "Quality of the student's thinking" in await zhanna.say("/evaluate")


async def test_april_opens_interview_2_and_a_missed_window_reaches_staff_once(
    harness: Harness, clock: ManualClock
) -> None:
    zhanna, alex, pair_id = await _matched(harness, clock)
    await sweep(harness)
    await _at(harness, clock, dt.datetime(2026, 3, 16, 10, 0, tzinfo=dt.UTC))
    assert "no meeting is planned yet" not in alex.inbox_text()
    await _at(harness, clock, dt.datetime(2026, 3, 17, 10, 0, tzinfo=dt.UTC))
    assert (
        f"{I1}: its window closes on 31 March and no meeting is planned yet. Plan one with Zhanna: /meet"
    ) in alex.inbox_text()
    assert "no meeting is planned yet. Plan one with Alex" in zhanna.inbox_text()
    assert harness.staff_text() == ""

    await _at(harness, clock, dt.datetime(2026, 4, 1, 9, 0, tzinfo=dt.UTC))
    assert f"{I2} is open now: 1 April to 30 June 2026." in alex.inbox_text()
    assert f"{I2} is open now" in zhanna.inbox_text()
    staff = harness.staff_text()
    assert f"Milestone missed · {I1}" in staff
    assert (
        f"Zhanna Abenova (mentor) and Alex Kim (student), mentorship #{pair_id}: the window 1 January to "
        "31 March 2026 closed without the meeting."
    ) in staff
    assert f"/milestones {pair_id} shows the pair's steps." in staff
    for moment in (dt.datetime(2026, 4, 1, 15, 0, tzinfo=dt.UTC), dt.datetime(2026, 4, 3, 9, 0, tzinfo=dt.UTC)):
        await _at(harness, clock, moment)
    assert harness.staff_text().count("Milestone missed") == 1
    assert alex.inbox_text().count(f"{I2} is open now") == 1
    assert await _count(harness, Report) == 1
    shown = await alex.say("/milestones")
    assert f"{I1} · 1 January to 31 March 2026\n   missed" in shown
    assert f"{I2} · 1 April to 30 June 2026\n   open now, no meeting yet" in shown


async def test_a_sweep_run_twice_sends_nothing_twice(harness: Harness, clock: ManualClock) -> None:
    zhanna, alex = await _interview_planned(harness, clock)
    moments = [
        dt.datetime(2026, 1, 22, 9, 0, tzinfo=dt.UTC),  # the road-book is due
        dt.datetime(2026, 1, 24, 9, 0, tzinfo=dt.UTC),  # and overdue
        dt.datetime(2026, 1, 29, 17, 0, tzinfo=dt.UTC),  # did it happen?
        dt.datetime(
            2026, 4, 1, 9, 0, tzinfo=dt.UTC
        ),  # interview 2 open; interview 1 may still be said to have happened
        dt.datetime(2026, 4, 8, 9, 0, tzinfo=dt.UTC),  # a week on, nobody said so: missed
    ]
    for moment in moments:
        clock.set(moment)
        await sweep(harness)
        seen = (len(alex.inbox), len(zhanna.inbox), len(harness.transport.staff_chat), await _count(harness, Outbox))
        await sweep(harness)
        assert (len(alex.inbox), len(zhanna.inbox), len(harness.transport.staff_chat)) == seen[:3]
        assert await _count(harness, Outbox) == seen[3]
    assert harness.staff_text().count("Milestone missed") == 1
    assert "A meeting was planned for Thursday 29 January, 15:00; neither side said it happened." in (
        harness.staff_text()
    )


async def test_a_meeting_moved_out_of_the_window_or_cancelled_no_longer_holds_it(
    harness: Harness, clock: ManualClock
) -> None:
    zhanna, alex = await _interview_planned(harness, clock)
    await zhanna.press("Move it")
    await zhanna.say("2 April 10:00")
    shown = await alex.say("/milestones")
    assert f"{I1} · 1 January to 31 March 2026\n   open now, no meeting yet" in shown
    assert f"{I2} · 1 April to 30 June 2026\n   meeting planned on Thursday 2 April, 10:00" in shown
    await alex.press("Cancel 2 Apr", among=[await _next(alex)])
    await alex.press("Yes, cancel it")
    shown = await alex.say("/milestones")
    assert "meeting planned" not in shown
    async with harness.core.sessions() as session:
        assert all(p.meeting_id is None for p in await session.scalars(select(MilestoneProgress)))


async def _next(person: Person) -> object:
    await person.say("/next")
    return person.last[-1]


# --- who may do what ----------------------------------------------------------------------------------------


async def test_only_the_right_side_may_press_a_forms_button(harness: Harness, clock: ManualClock) -> None:
    zhanna, alex = await _interview_planned(harness, clock)
    await add_person(harness.core, "dana", "Dana Sadykova", "student")
    dana = harness.person("dana")
    roadbook = next(b for r in alex.inbox for row in r.buttons for b in row if b.action == "ms.rbfill")

    assert "The road-book is your student's to fill in" in await zhanna.press_data("ms.rbfill", roadbook.payload)
    assert "couldn't find that step among yours" in await dana.press_data("ms.rbfill", roadbook.payload)
    assert "couldn't find that step among yours" in await dana.press_data("ms.rbread", roadbook.payload)
    assert "The evaluation is your mentor's to fill in" in await alex.press_data("ms.evfill", roadbook.payload)
    assert "opens once your meeting for it has happened" in await zhanna.press_data("ms.evfill", roadbook.payload)
    assert "couldn't find that step" in await alex.press_data("ms.rbfill", "999")
    assert "couldn't find that step" in await alex.press_data("ms.rbfill", "not-a-number")
    assert "nothing to read for that step yet" in await zhanna.press_data("ms.rbread", roadbook.payload)
    assert dana.inbox == [] and "Your years" not in zhanna.text


async def test_a_roadbook_finished_after_its_meeting_is_refused_at_submission(
    harness: Harness, clock: ManualClock
) -> None:
    zhanna, alex = await _interview_planned(harness, clock, when="Thursday 15:00")
    await alex.press("Fill in the road-book", among=alex.inbox)
    for text in ("Finance major", "Audit", "Ten applications a month"):
        await alex.say(text)
    clock.set(dt.datetime(2026, 1, 15, 16, 0, tzinfo=dt.UTC))  # the meeting has taken place meanwhile
    assert "is behind you now, so its road-book can't change any more" in await alex.press("Skip")
    assert "sent you the road-book" not in zhanna.inbox_text()
    async with harness.core.sessions() as session:
        progress = await session.scalar(select(MilestoneProgress).where(MilestoneProgress.milestone == "interview_1"))
        assert progress is not None and progress.form_sent_at is None and progress.form_answers == {}


# --- staff, the data copy, another programme ----------------------------------------------------------------


async def test_staff_see_every_pair_compactly_and_one_in_full(harness: Harness, clock: ManualClock) -> None:
    _zhanna, alex = await _interview_planned(harness, clock)
    await alex.press("Fill in the road-book", among=alex.inbox)
    for text in ("Finance major", "Audit", "Ten applications a month", "My gap year"):
        await alex.say(text)
    sam = harness.person("sam")
    async with harness.core.sessions() as session:
        pair_id = await session.scalar(select(Pair.id))
    listed = await sam.say("/milestones")
    assert "Milestones · 1 mentorship" in listed
    assert f"#{pair_id} Zhanna Abenova & Alex Kim: 1 road-book sent · 2 upcoming · 3 upcoming" in listed
    full = await sam.say(f"/milestones {pair_id}")
    assert f"Mentorship #{pair_id}: Zhanna Abenova (mentor) and Alex Kim (student)" in full
    assert "meeting planned on Thursday 29 January, 15:00 · road-book sent on 12 January" in full
    assert "Ten applications a month" in await sam.press("Read road-book 1")
    assert "couldn't find the mentorship '999'" in await sam.say("/milestones 999")
    assert "couldn't find the mentorship 'soon'" in await sam.say("/milestones soon")
    await alex.say("/milestones")  # the student reads the evaluation, not the road-book, from here
    assert "Read road-book 1" not in [b.label for r in alex.last for row in r.buttons for b in row]


async def test_the_steps_are_in_each_sides_copy_of_their_data(harness: Harness, clock: ManualClock) -> None:
    _zhanna, alex = await _interview_planned(harness, clock)
    await _fill_roadbook(alex)
    async with harness.core.sessions() as session:
        user = await session.scalar(select(User).where(User.name == "Alex Kim"))
        assert user is not None
        data = await privacy.export(session, user, NOW)
    steps = [m for pair in data["mentorships"] for m in pair["milestones"]]
    assert [s["milestone"] for s in steps] == ["interview_1", "interview_2", "interview_3"]
    assert steps[0]["form_answers"]["questions"] == "How to explain my gap year"


async def test_with_two_meetings_in_one_window_the_first_holds_the_step(harness: Harness, clock: ManualClock) -> None:
    _zhanna, alex = await _interview_planned(harness, clock)
    await alex.say("/meet 5 February 10:00 by phone")
    await alex.say("/milestones")
    async with harness.core.sessions() as session:
        first = await session.scalar(select(Meeting).where(Meeting.starts_at == INTERVIEW))
    async with harness.core.sessions() as session:
        progress = await session.scalar(select(MilestoneProgress).where(MilestoneProgress.milestone == "interview_1"))
        assert first is not None and progress is not None and progress.meeting_id == first.id


async def test_the_step_in_hand_shows_in_the_overview(harness: Harness, clock: ManualClock) -> None:
    zhanna, alex = await _interview_planned(harness, clock)
    cards = await alex.send(Event(actor=alex.actor, kind="home"))
    shown = "\n".join(card.text for card in cards)
    assert f"<b>Next step with Zhanna</b>: {I1} · 1 January to 31 March 2026" in shown
    assert "meeting planned on Thursday 29 January, 15:00" in shown
    assert "Fill in road-book 1" in [b.label for card in cards for row in card.buttons for b in row]
    mentor_cards = await zhanna.send(Event(actor=zhanna.actor, kind="home"))
    assert "Next step with Alex" in "\n".join(card.text for card in mentor_cards)


@pytest.fixture
async def university(database_url: str, clock: ManualClock) -> AsyncIterator[Harness]:
    settings = load_settings(database_url=database_url, staff_ids="console:sam", programme="university", _env_file=None)
    app = await create_core(settings, clock, migrate=False)
    yield Harness(app)
    await app.close()


async def test_a_programme_without_milestones_says_so(university: Harness, clock: ManualClock) -> None:
    zhanna, alex, _pair = await _matched(university, clock)
    assert "has no milestones: you plan your meetings together as suits you, with /meet" in await alex.say(
        "/milestones"
    )
    assert "has no milestones" in await zhanna.say("/evaluate")
    assert "has no milestones" in await alex.say("/roadbook")
    assert "has no milestones" in await university.person("sam").say("/milestones")
    await sweep(university)
    assert await _count(university, MilestoneProgress) == 0
