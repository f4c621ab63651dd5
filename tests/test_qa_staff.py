"""The career team's cases and the scheduler's rhythm, as staff and people meet them: what staff ask a
silent pair, closing a case without closing the pair, a rejected mentor trying again, reminders that say
how long it really has been."""

from __future__ import annotations

import datetime as dt
import io

from sqlalchemy import select

from bot.core.app import Core
from bot.core.clock import ManualClock
from bot.core.registry import RenderEnv, registry
from bot.platforms.console import ConsoleChat
from bot.services.checkins import CheckinQuestion
from storage.models import MentorProfile, Pair, Report, User
from tests.lifecycle_support import add_person
from tests.scheduler.helpers import START, load, pair, person, request, sweep
from tests.support import Harness
from tests.test_profiles import fill_mentor_profile

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


async def _keep_everything(person) -> None:  # type: ignore[no-untyped-def]
    """Walk the profile form in edit mode, keeping what it offers to keep, until it is saved."""
    for _step in range(30):
        labels = [b.label for reply in person.last for row in reply.buttons for b in row]
        if "Cancel" not in labels:
            return  # saved: the form is over
        choices = [x for x in labels if x not in ("« Back", "Cancel")]
        await person.press(next((x for x in ("Keep", "Done", "Skip") if x in labels), choices[0]))


async def test_a_rejected_mentor_edits_the_profile_and_it_goes_back_for_approval(harness: Harness) -> None:
    zhanna, sam = harness.person("zhanna"), harness.person("sam")
    await fill_mentor_profile(zhanna)
    await sam.say("/pending")
    await sam.press("Reject")
    await sam.say("Please add a few lines of job history.")
    told = zhanna.inbox[-1]
    assert "The career team can't approve your profile" in told.text  # a sentence starts with a capital
    assert "goes back to them for another look" in told.text

    await zhanna.press("Edit my profile", among=[told])
    await _keep_everything(zhanna)
    assert "back with the career team for another look" in zhanna.text
    assert "has updated their mentor profile" in harness.staff_text()
    assert "Please add a few lines of job history." in harness.staff_text()

    await sam.say("/pending")
    assert "1 mentor profile is waiting for approval" in sam.text
    await sam.press("Approve")
    await sam.press("Yes — approve")
    assert "Approved: Zhanna Abenova" in sam.text
    async with harness.core.sessions() as session:
        profile = await session.scalar(select(MentorProfile))
        assert profile is not None and profile.status == "approved"


async def test_each_reminder_says_how_long_it_really_has_been(harness: Harness, clock: ManualClock) -> None:
    mentor = await person(harness.core, "aigerim", "alumnus")
    mentee = await person(harness.core, "alex", "student")
    await pair(harness.core, mentor, mentee)
    alex = harness.person("alex")
    clock.set(START + 30 * DAY)
    await sweep(harness)
    assert "It's been a month since you and Aigerim last caught up" in alex.inbox[-1].text
    clock.set(START + 60 * DAY)
    await sweep(harness)
    assert "It's been about 2 months since you and Aigerim last caught up" in alex.inbox[-1].text


async def test_a_weekly_pair_hears_the_days_that_passed(harness: Harness, clock: ManualClock) -> None:
    mentor = await person(harness.core, "aigerim", "alumnus")
    mentee = await person(harness.core, "alex", "student")
    await pair(harness.core, mentor, mentee, interval=7)
    alex = harness.person("alex")
    clock.set(START + 7 * DAY)
    await sweep(harness)
    assert "It's been 7 days since" in alex.inbox[-1].text
    clock.set(START + 14 * DAY)
    await sweep(harness)
    assert "It's been 2 weeks since" in alex.inbox[-1].text


async def test_staff_read_that_a_quiet_side_never_got_the_reminders(harness: Harness, clock: ManualClock) -> None:
    mentor = await person(harness.core, "aigerim", "alumnus")
    mentee = await person(harness.core, "alex", "student", reminders_paused=True)
    await pair(harness.core, mentor, mentee)
    await harness.person("sam").say("/start")
    for days in (30, 60, 90):
        clock.set(START + days * DAY)
        await sweep(harness)
    staff = harness.staff_text()
    assert "Aigerim: no answer; Alex: reminders paused, so none reached them." in staff


async def test_a_mentor_who_let_a_request_expire_is_not_shown_as_active(harness: Harness, clock: ManualClock) -> None:
    mentor = await person(harness.core, "aigerim", "alumnus")
    mentee = await person(harness.core, "alex", "student")
    clock.set(START + 40 * DAY)
    await request(harness.core, mentor, mentee, created=START + 40 * DAY)
    clock.set(START + 54 * DAY)
    await sweep(harness)
    alex = harness.person("alex")
    assert "couldn't answer your request in time" in alex.inbox_text()
    card = await alex.press("Show me mentors who fit", among=alex.inbox)
    assert "Aigerim Example" in card
    assert "active this week" not in card  # the expiry was the bot's doing, not hers


async def test_the_career_team_is_greeted_as_staff_not_asked_for_a_profile(harness: Harness) -> None:
    sam = harness.person("sam")
    hello = await sam.say("/start")
    assert "You're part of the career team" in hello and "/pending" in hello
    assert "I'm an alumnus / alumna" in [b.label for reply in sam.last for row in reply.buttons for b in row]
    answer = await sam.say("hello")
    assert "set up your profile" not in answer and "/pending, /match and /stats are yours" in answer
    stranger = await harness.person("guest").say("hello")
    assert "Send /start to set up your profile" in stranger


async def test_closing_after_the_cycle_says_why_and_does_not_ask_for_thanks_twice(
    harness: Harness, clock: ManualClock
) -> None:
    mentor = await person(harness.core, "aigerim", "alumnus")
    mentee = await person(harness.core, "alex", "student")
    await pair(harness.core, mentor, mentee, last_contact=START + 170 * DAY)
    clock.set(dt.datetime(2026, 7, 12, 10, 0, tzinfo=dt.UTC))
    await sweep(harness)
    aigerim, alex = harness.person("aigerim"), harness.person("alex")
    await alex.press("Thank Aigerim", among=alex.inbox[-1:])
    await alex.say("Thank you for everything!")
    assert "A thank-you note from Alex Example" in aigerim.inbox_text()

    await aigerim.press("Close it", among=aigerim.inbox[:1])
    await aigerim.press("Yes, close it")
    told = alex.inbox[-1]
    assert "has ended your mentorship (the programme's months are complete)" in told.text
    assert "goals were reached" not in told.text  # nobody said so
    assert "thank-you note" not in told.text and told.buttons == []  # already thanked


async def test_the_request_reminder_counts_the_days_left_as_a_person_would(
    harness: Harness, clock: ManualClock
) -> None:
    mentor = await person(harness.core, "aigerim", "alumnus")
    mentee = await person(harness.core, "alex", "student")
    await request(harness.core, mentor, mentee)
    clock.set(START + 7 * DAY + dt.timedelta(hours=1))  # the hourly sweep finds it a little after day 7
    await sweep(harness)
    assert "The request closes by itself in 7 days." in harness.person("aigerim").inbox_text()


async def test_in_the_terminal_every_waiting_mentors_card_can_be_approved(core: Core) -> None:
    await add_person(core, "zhanna", "Zhanna Abenova", "alumnus", status="awaiting_approval")
    await add_person(core, "bolat", "Bolat Nurov", "alumnus", status="awaiting_approval")
    out = io.StringIO()
    chat = ConsoleChat(core, out)
    await chat.handle_line("/as sam")
    await chat.handle_line("/pending")
    shown = out.getvalue()
    assert "[1] Approve   [2] Reject" in shown and "[3] Approve   [4] Reject" in shown
    await chat.handle_line("1")  # the first card's Approve, not the last card's
    assert "Approved: Zhanna Abenova" in out.getvalue()
    await chat.handle_line("/pending")
    await chat.handle_line("1")
    assert "Approved: Bolat Nurov" in out.getvalue()


async def test_staff_cannot_match_a_mentor_who_paused_after_the_list_was_shown(harness: Harness) -> None:
    mentor = await person(harness.core, "aigerim", "alumnus")
    await person(harness.core, "alex", "student")
    sam, aigerim = harness.person("sam"), harness.person("aigerim")
    await sam.say("/match")
    await sam.press("Alex Example")
    assert "Aigerim Example" in sam.text
    await aigerim.say("/pause")
    refused = await sam.press("Aigerim Example")
    assert "has paused their profile" in refused
    async with harness.core.sessions() as session:
        assert await session.scalar(select(Pair.id)) is None
        profile = await session.get(MentorProfile, mentor)
        assert profile is not None and profile.active_mentees == 0


async def test_a_student_who_thanked_is_not_offered_it_again_after_the_survey(
    harness: Harness, clock: ManualClock
) -> None:
    mentor = await person(harness.core, "aigerim", "alumnus")
    mentee = await person(harness.core, "alex", "student")
    await pair(harness.core, mentor, mentee, last_contact=START + 170 * DAY)
    clock.set(dt.datetime(2026, 7, 12, 10, 0, tzinfo=dt.UTC))
    await sweep(harness)
    alex = harness.person("alex")
    await alex.press("Thank Aigerim", among=alex.inbox[-1:])
    await alex.say("Thank you for everything!")
    await alex.press("Take the survey", among=alex.inbox[-1:])
    for answer in ("5", "4", "Yes", "Yes"):
        await alex.press(answer)
    await alex.say("More events for students.")
    assert "Your answers are with the career team" in alex.text
    labels = [b.label for reply in alex.last for row in reply.buttons for b in row]
    assert labels == ["Carry on informally", "Close it"]  # no second thank-you


async def test_stats_count_paused_mentors_among_the_approved_only(harness: Harness) -> None:
    await add_person(harness.core, "zhanna", "Zhanna Abenova", "alumnus", status="awaiting_approval")
    await add_person(harness.core, "aigerim", "Aigerim Sadykova", "alumnus")
    await harness.person("zhanna").say("/pause")
    figures = await harness.person("sam").say("/stats")
    assert "Mentors: 1 approved (0 paused), 1 awaiting approval" in figures


async def _matched_not_agreed(harness: Harness) -> int:
    mentor = await person(harness.core, "aigerim", "alumnus")
    mentee = await person(harness.core, "alex", "student")
    async with harness.core.sessions() as session, session.begin():
        row = Pair(mentor_id=mentor, mentee_id=mentee, status="agreeing", created_at=START, mentor_confirmed_at=None)
        session.add(row)
        profile = await session.get(MentorProfile, mentor)
        assert profile is not None
        profile.active_mentees = 1
        await session.flush()
        return row.id


async def test_an_agreement_nobody_confirms_is_reminded_then_reaches_staff(
    harness: Harness, clock: ManualClock
) -> None:
    pair_id = await _matched_not_agreed(harness)
    aigerim, alex, sam = harness.person("aigerim"), harness.person("alex"), harness.person("sam")
    await sam.say("/start")
    clock.set(START + 7 * DAY - dt.timedelta(minutes=1))
    await sweep(harness)
    assert alex.inbox == [] and aigerim.inbox == []

    clock.set(START + 7 * DAY)
    await sweep(harness)
    assert "begins once you both confirm how you'll work together" in alex.inbox_text()
    assert "begins once you both confirm" in aigerim.inbox_text()
    await sweep(harness)
    assert len(alex.inbox) == 1  # once
    opened = await alex.press("Open the agreement", among=alex.inbox)
    assert "What are your goals and expectations" in opened

    clock.set(START + 14 * DAY)
    await sweep(harness)
    await sweep(harness)
    staff = [reply.text for reply in harness.transport.staff_chat if "Agreement not confirmed" in reply.text]
    assert len(staff) == 1 and "Still to confirm: Aigerim, Alex" in staff[0]
    await sam.press("Close the pair", among=harness.transport.staff_chat[-1:])
    await sam.press("Yes, close it")
    assert (await load(harness.core, Pair, pair_id)).status == "ended"
    assert (await load(harness.core, MentorProfile, 1)).active_mentees == 0  # the place is free again


async def test_a_re_matched_student_hears_once_and_is_not_shown_the_silent_mentor_again(
    harness: Harness, clock: ManualClock
) -> None:
    await _silent_pair(harness, clock)
    await person(harness.core, "madina", "alumnus")
    sam, alex = harness.person("sam"), harness.person("alex")
    before = len(alex.inbox)
    await sam.press("Re-match the mentee", among=harness.transport.staff_chat)
    await sam.press("Yes, re-match")
    told = alex.inbox[before:]
    assert len(told) == 1  # the close and the way on, in one message
    assert "let's find you a mentor with more time for you" in told[0].text
    assert "Madina Example" in told[0].text and "Aigerim" not in told[0].text.split("closed:")[1]
    card = await alex.press("Browse mentors", among=told)
    assert "Madina Example" in card and "Aigerim Example" not in card


def test_the_check_in_says_where_in_the_cycle_the_pair_is(core: Core) -> None:
    alex, aigerim = User(name="Alex Kim"), User(name="Aigerim Sadykova")
    question = CheckinQuestion(1, alex, aigerim)
    text = registry.render(question, RenderEnv(core.programme, core.settings, registry)).text
    assert "You and Aigerim are halfway through your mentorship." in text
    early = core.programme.model_copy(update={"checkin_months": 2})
    text = registry.render(question, RenderEnv(early, core.settings, registry)).text
    assert "You and Aigerim are 2 months into your mentorship." in text and "halfway" not in text
