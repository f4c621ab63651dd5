"""Browsing mentors: who is offered, in which order and why, paging that edits the card, filters, and no
contact details on any card."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from bot.core.app import Core
from bot.services import requests
from bot.services.matching import best_mentors_for, describe_responsiveness
from storage.models import MentorProfile, User
from tests.support import Harness
from tests.test_profiles import fill_mentee_profile
from tests.test_requests import accept, add_mentor, add_student, send


async def ranked(core: Core, student_id: int, **kwargs) -> list[str]:  # type: ignore[no-untyped-def]
    async with core.sessions() as session:
        mentee = await session.get(User, student_id)
        matches = await best_mentors_for(session, mentee, core.programme, now=core.clock.now(), **kwargs)
    return [m.mentor.name for m in matches]


async def test_best_matches_first_with_a_reason(core: Core) -> None:
    await add_mentor(core, "far", full="Far Away", industry="Law", areas=("networking",), languages=("German",))
    await add_mentor(core, "close", full="Close Fit", industry="Software and IT", areas=("jobs", "jobs.cv"))
    await add_mentor(core, "some", full="Some Fit", industry="Consulting", areas=("jobs",))
    student = await add_student(core, "alex", areas=("jobs", "jobs.cv"), industries=("Software and IT",))
    assert await ranked(core, student) == ["Close Fit", "Some Fit", "Far Away"]
    async with core.sessions() as session:
        student_user = await session.get(User, student)
        matches = await best_mentors_for(session, student_user, core.programme, now=core.clock.now())
    assert matches[0].reason == "Both: Software and IT; offers CV review"
    assert matches[1].reason == "Both: Job search"
    assert matches[2].reason == "Can help with Networking"  # nothing shared: what they offer


async def test_programme_language_and_country_count(core: Core) -> None:
    await add_mentor(core, "a", full="Same Programme", programme_of_study="BSc Computer Science", areas=("career",))
    await add_mentor(core, "b", full="Other Programme", programme_of_study="BA History", areas=("career",))
    await add_mentor(core, "c", full="No Shared Language", languages=("German",), areas=("career",))
    student = await add_student(core, "alex", areas=("networking",), industries=())
    names = await ranked(core, student)
    assert names[0] == "Same Programme"
    assert names[-1] == "No Shared Language"


async def test_only_approved_active_mentors_with_room_and_never_the_current_mentor(core: Core) -> None:
    await add_mentor(core, "ok", full="Open Mentor")
    await add_mentor(core, "wait", full="Waiting Approval", status="awaiting_approval")
    await add_mentor(core, "paused", full="Paused Mentor", active=False)
    full = await add_mentor(core, "full", full="Full Mentor", capacity=1)
    mine = await add_mentor(core, "mine", full="My Mentor", capacity=2)
    other = await add_student(core, "bea")
    student = await add_student(core, "alex")
    await accept(core, full, await send(core, other, full))
    await accept(core, mine, await send(core, student, mine))
    assert await ranked(core, student) == ["Open Mentor"]
    assert await ranked(core, student, exclude_ids={99999}) == ["Open Mentor"]
    assert "My Mentor" in await ranked(core, other)  # still has a free place for others


async def test_responsiveness_from_answer_times_and_activity(core: Core, clock) -> None:  # type: ignore[no-untyped-def]
    quick = await add_mentor(core, "quick", full="Quick Answerer", capacity=5)
    for n in range(3):
        student = await add_student(core, f"s{n}")
        request = await send(core, student, quick)
        clock.advance(dt.timedelta(hours=36))
        async with core.sessions() as session, session.begin():
            mentor = await session.get(User, quick)
            await requests.decline_request(session, mentor, request, "", clock.now(), core.programme)
    alex = await add_student(core, "alex")
    async with core.sessions() as session:
        matches = await best_mentors_for(session, await session.get(User, alex), core.programme, now=clock.now())
    assert matches[0].responsiveness == "usually answers within 2 days · active this week"

    later = clock.now() + dt.timedelta(days=60)
    assert describe_responsiveness(None, clock.now(), later) == "new to the programme"
    assert describe_responsiveness(0.3, clock.now() - dt.timedelta(days=20), clock.now()) == (
        "usually answers within a day · active this month"
    )


async def test_paging_edits_the_same_message_and_shows_no_contact_details(harness: Harness) -> None:
    core = harness.core
    for name in ("ann", "ben", "cat"):
        await add_mentor(core, name, full=f"{name.title()} Mentor")
    await add_student(core, "alex")
    alex = harness.person("alex")
    first = await alex.say("/mentors")
    assert "Mentor 1 of 3 · best matches first" in first
    assert not alex.last[0].edit  # /mentors is a new message
    assert "Both: Software and IT; offers CV review" in first
    assert "active this week" in first
    seen = [first]
    for _ in range(2):
        seen.append(await alex.press("Next"))
        assert alex.last[0].edit  # Next replaces the card
    assert "Mentor 3 of 3" in seen[-1]
    assert not any(b.label.startswith("Next") for row in alex.last[0].buttons for b in row)
    back = await alex.press("Previous")
    assert alex.last[0].edit and "Mentor 2 of 3" in back
    names = {line for text in seen for line in text.splitlines() if line.endswith("— Engineer · Acme")}
    assert len(names) == 3  # three different mentors
    for text in seen:
        assert "@alumni.example.org" not in text
        assert "Contact" not in text


async def test_filters_by_area_and_by_industry(harness: Harness) -> None:
    core = harness.core
    await add_mentor(core, "soft", full="Soft Ware", industry="Software and IT", areas=("jobs",))
    await add_mentor(core, "bank", full="Bank Er", industry="Finance and banking", areas=("education",))
    await add_mentor(core, "net", full="Net Worker", industry="Finance and banking", areas=("networking.where",))
    await add_student(core, "alex")
    alex = harness.person("alex")
    await alex.say("/mentors")
    await alex.press("Filter by industry")
    assert alex.last[0].edit and "Mentors from which industry?" in alex.text
    shown = await alex.press("Finance and banking")
    assert "Mentor 1 of 2" in shown and "Finance and banking" in shown
    await alex.press("Filter by area")
    shown = await alex.press("Networking")
    assert "Mentor 1 of 1" in shown and "Net Worker" in shown  # a topic counts for its area
    await alex.press("Filter by area")
    shown = await alex.press("Career conversations")
    assert "No mentor with a free place matches" in shown
    shown = await alex.press("Clear filters")
    assert "Mentor 1 of 3" in shown


async def test_forged_or_stale_paging_shows_a_card_not_an_error(harness: Harness) -> None:
    await add_mentor(harness.core, "ann", full="Ann Mentor")
    await add_student(harness.core, "alex")
    alex = harness.person("alex")
    for payload in ("", "zzz", "99.99.99", "5.-.-", "-1.x.y"):
        shown = await alex.press_data("browse.pg", payload)
        assert "Ann Mentor" in shown, payload


async def test_no_mentor_free_says_what_next(harness: Harness) -> None:
    await add_student(harness.core, "alex")
    reply = await harness.person("alex").say("/mentors")
    assert "Every mentor is busy" in reply and "/report" in reply


async def test_browsing_is_for_students(harness: Harness) -> None:
    await add_mentor(harness.core, "ann")
    reply = await harness.person("ann").say("/mentors")
    assert "something students do" in reply


async def test_new_student_browses_from_the_profile_button(harness: Harness) -> None:
    await add_mentor(harness.core, "ann", full="Ann Mentor")
    alex = harness.person("alex")
    await fill_mentee_profile(alex)
    shown = await alex.press("Browse mentors")
    assert "Ann Mentor" in shown and "Interested" in [b.label for row in alex.last[0].buttons for b in row]


async def test_a_student_with_a_mentor_sees_cards_without_interested(harness: Harness) -> None:
    core = harness.core
    mentor = await add_mentor(core, "ann")
    await add_mentor(core, "ben", full="Ben Mentor")
    student = await add_student(core, "alex")
    await accept(core, mentor, await send(core, student, mentor))
    alex = harness.person("alex")
    shown = await alex.say("/mentors")
    assert "Ben Mentor" in shown and "You already have a mentor" in shown
    assert "Interested" not in [b.label for row in alex.last[0].buttons for b in row]


async def test_journey_browse_filter_interested_accept_agree(harness: Harness) -> None:
    """The terminal journey up to an active mentorship, every step asserted on the text."""
    core = harness.core
    await add_mentor(core, "aigerim", full="Aigerim Sadykova", industry="Software and IT", areas=("jobs", "jobs.cv"))
    await add_mentor(core, "madina", full="Madina Omarova", industry="Finance and banking", areas=("jobs",))
    alex, aigerim = harness.person("alex"), harness.person("aigerim")
    await fill_mentee_profile(alex)

    assert "Aigerim Sadykova" in await alex.say("/mentors")
    await alex.press("Filter by industry")
    assert "Aigerim Sadykova" in await alex.press("Software and IT")
    await alex.press("Interested")
    await alex.say("I'm in third year CS and would love help with my CV for internships.")
    assert "Sent!" in alex.text

    assert "Alex would like you as their mentor" in aigerim.inbox_text()
    await aigerim.press("Accept", among=aigerim.inbox)
    assert "alex@example.com" in aigerim.text
    assert "aigerim@alumni.example.org" in alex.inbox_text()

    await aigerim.say("A CV ready by March and two mock interviews.")
    await aigerim.press("Video")
    await aigerim.press("Once a month")
    await aigerim.press("Yes")
    await alex.press("I agree", among=alex.inbox)
    assert "Your mentorship is confirmed by you both" in alex.text
    async with core.sessions() as session:
        profile = await session.scalar(select(MentorProfile).where(MentorProfile.industry == "Software and IT"))
    assert profile.active_mentees == 1


async def test_the_page_leaves_out_who_said_no_and_names_what_is_waiting_with_or_without_a_mentor(
    harness: Harness,
) -> None:
    """The page reads the student's profile, mentorships and requests in one go: each still counts once,
    whatever else the student has (a mentorship beside several requests answered and waiting)."""
    core, clock = harness.core, harness.core.clock
    ids = {name: await add_mentor(core, name, full=f"{name.title()} Mentor") for name in ("ann", "ben", "cat", "dan")}
    alex = await add_student(core, "alex")
    declined = await send(core, alex, ids["ann"])
    async with core.sessions() as session, session.begin():
        ann = await session.get(User, ids["ann"])
        await requests.decline_request(session, ann, declined, "", clock.now(), core.programme)
    await send(core, alex, ids["ben"])
    await send(core, alex, ids["cat"])
    person = harness.person("alex")
    seen = [await person.say("/mentors")]
    seen += [await person.press("Next") for _ in range(2)]
    assert all("of 3 · best matches first" in text for text in seen)  # Ann said no: Ben, Cat and Dan
    assert not any("Ann Mentor" in text for text in seen)
    waiting = sorted(line for text in seen for line in text.splitlines() if "they'll answer soon." in line)
    assert waiting == [f"You've sent {name} a request; they'll answer soon." for name in ("Ben", "Cat")]

    await accept(core, ids["dan"], await send(core, alex, ids["dan"]))
    page = await person.say("/mentors")
    assert "Mentor 1 of 2 · best matches first" in page  # neither Ann nor Dan, their mentor now
    assert "You already have a mentor, so you can't send requests for now." in page
