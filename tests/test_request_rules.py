"""Rules of requests that mutation testing (docs/mutation.md) found untested: who is suggested after a decline,
what a mentor is told when an accept can't go ahead, how many requests a student is told are waiting, how
long a decline's reason may be, and how quickly a mentor is said to answer."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from bot.core.clock import ManualClock
from bot.core.errors import Refusal
from bot.services import requests
from storage.models import MentorProfile, MentorshipRequest, Pair, User
from tests.support import Harness
from tests.test_requests import MESSAGE, accept, add_mentor, add_student, count, mentor_load, send, statuses

T0 = dt.datetime(2026, 1, 12, 10, 0, tzinfo=dt.UTC)


async def decline(harness: Harness, mentor_id: int, request_id: int, reason: str = "") -> None:
    async with harness.core.sessions() as session, session.begin():
        mentor = await session.get(User, mentor_id)
        assert mentor is not None
        await requests.decline_request(
            session, mentor, request_id, reason, harness.core.clock.now(), harness.core.programme
        )
    await harness.core.delivery.flush()


async def test_after_a_decline_three_mentors_are_suggested_none_already_asked_or_who_said_no(
    harness: Harness, clock: ManualClock
) -> None:
    core = harness.core
    clock.set(T0 - dt.timedelta(days=30))
    student = await add_student(core, "alex")
    # More free places rank a mentor higher among equal fits: Timur (already asked) and Madina (said no a
    # month ago) would come first if they were not left out.
    madina = await add_mentor(core, "madina", full="Madina Said-No", capacity=4)
    await decline(harness, madina, await send(core, student, madina), "Travelling")
    clock.set(T0)
    aigerim = await add_mentor(core, "aigerim", full="Aigerim Declines")
    await add_mentor(core, "timur", full="Timur Asked", capacity=5)
    others = ["Saule Free", "Dana Free", "Erlan Free", "Farida Free"]
    for name in others:
        await add_mentor(core, name.split()[0].lower(), full=name)
    await send(core, student, await user_id(harness, "Timur Asked"))
    request = await send(core, student, aigerim)

    await decline(harness, aigerim, request)

    told = harness.person("alex").inbox_text().split("Aigerim can't take you on right now")[-1]
    suggested = [name for name in [*others, "Timur Asked", "Madina Said-No", "Aigerim Declines"] if name in told]
    assert len(suggested) == 3 and set(suggested) <= set(others), told


async def user_id(harness: Harness, name: str) -> int:
    async with harness.core.sessions() as session:
        found = await session.scalar(select(User.id).where(User.name == name))
    assert found is not None
    return found


async def test_a_mentor_no_longer_approved_is_told_who_will_be_in_touch(harness: Harness) -> None:
    core = harness.core
    mentor = await add_mentor(core, "aigerim")
    request = await send(core, await add_student(core, "alex"), mentor)
    async with core.sessions() as session, session.begin():
        (await session.get(MentorProfile, mentor)).status = "rejected"
    reply = await harness.person("aigerim").press_data("req.acc", str(request))
    assert "Your mentor profile isn't approved at the moment, so the career team will be in touch." in reply


async def test_a_full_mentor_accepting_is_told_whom_they_would_take_on(core) -> None:  # type: ignore[no-untyped-def]
    mentor = await add_mentor(core, "aigerim", capacity=2)
    first = await send(core, await add_student(core, "alex"), mentor)
    second = await send(core, await add_student(core, "bea"), mentor)
    await accept(core, mentor, first)
    async with core.sessions() as session, session.begin():
        (await session.get(MentorProfile, mentor)).capacity = 1
    with pytest.raises(Refusal, match="To take Bea on, raise your limit in /profile first"):
        await accept(core, mentor, second)


async def test_accepting_a_student_matched_meanwhile_is_refused_and_changes_nothing(harness: Harness) -> None:
    """The state a racing accept leaves on PostgreSQL: this request is still waiting when read, but by the time
    the student's row is locked another mentor's match has been committed."""
    core = harness.core
    aigerim, timur = await add_mentor(core, "aigerim"), await add_mentor(core, "timur")
    student = await add_student(core, "alex")
    request = await send(core, student, aigerim)
    async with core.sessions() as session, session.begin():
        session.add(
            Pair(
                mentor_id=timur,
                mentee_id=student,
                status="agreeing",
                matched_by="request",
                contact_interval_days=30,
                created_at=core.clock.now(),
            )
        )
        (await session.get(MentorProfile, timur)).active_mentees = 1

    reply = await harness.person("aigerim").press_data("req.acc", str(request))

    assert "Alex has just been matched with another mentor, so this request is closed." in reply
    assert await count(core, Pair) == 1
    assert await mentor_load(core, aigerim) == 0
    assert "Great news" not in harness.person("alex").inbox_text()


async def test_a_student_is_told_how_many_of_their_own_requests_wait(harness: Harness) -> None:
    core = harness.core
    mentors = [await add_mentor(core, name) for name in ("aigerim", "timur", "saule")]
    alex, bea = await add_student(core, "alex"), await add_student(core, "bea")
    for mentor in mentors[1:]:
        await send(core, bea, mentor)  # someone else's requests
    await decline(harness, mentors[1], await send(core, alex, mentors[1]))  # one of Alex's, answered

    person = harness.person("alex")
    await person.press_data("req.new", str(mentors[0]))
    assert "You have 1 of 3 requests waiting" in await person.say(MESSAGE)


async def test_a_decline_reason_may_be_500_characters_and_no_more(harness: Harness) -> None:
    core = harness.core
    mentor = await add_mentor(core, "aigerim")
    first = await send(core, await add_student(core, "alex"), mentor)
    second = await send(core, await add_student(core, "bea"), mentor)
    with pytest.raises(Refusal, match="please keep it under 500 characters"):
        await decline(harness, mentor, first, "x" * 501)
    await decline(harness, mentor, second, "y" * 500)
    assert (await statuses(core))[first] == "pending"
    assert (await statuses(core))[second] == "declined"
    assert "y" * 500 in harness.person("bea").inbox_text()


async def test_declining_a_request_no_longer_waiting_says_what_became_of_it(harness: Harness) -> None:
    core = harness.core
    mentor = await add_mentor(core, "aigerim")
    request = await send(core, await add_student(core, "alex"), mentor)
    await harness.person("alex").press_data("req.wd", str(request))
    with pytest.raises(Refusal, match=r"That request was withdrawn, so nothing was changed\."):
        await decline(harness, mentor, request)


async def test_how_quickly_a_mentor_accepted_is_what_the_next_student_reads(
    harness: Harness, clock: ManualClock
) -> None:
    core = harness.core
    clock.set(T0)
    mentor = await add_mentor(core, "aigerim", capacity=3)
    request = await send(core, await add_student(core, "alex"), mentor)
    clock.advance(dt.timedelta(days=2))
    await accept(core, mentor, request)
    await add_student(core, "bea")

    assert "usually answers within 2 days" in await harness.person("bea").say("/mentors")
    async with core.sessions() as session:
        answered = await session.scalar(select(MentorshipRequest.answered_at).where(MentorshipRequest.id == request))
    assert answered == T0 + dt.timedelta(days=2)


async def test_a_mentor_is_shown_only_the_requests_still_waiting(harness: Harness) -> None:
    core = harness.core
    mentor = await add_mentor(core, "aigerim", capacity=3)
    await decline(harness, mentor, await send(core, await add_student(core, "alex"), mentor))
    await send(core, await add_student(core, "bea"), mentor)
    reply = await harness.person("aigerim").say("/requests")
    assert "1 request is waiting for your answer" in reply
    assert "Alex" not in reply


async def test_the_mentor_reads_the_students_profile_with_the_request(harness: Harness) -> None:
    core = harness.core
    mentor = await add_mentor(core, "aigerim")
    await send(core, await add_student(core, "alex"), mentor)
    received = harness.person("aigerim").inbox_text()
    assert "BSc Computer Science year 3" in received
    assert "Find a first job." in received
    assert "alex@students.example.org" not in received


async def test_a_button_whose_payload_is_not_a_number_finds_no_request(harness: Harness) -> None:
    # Request ids start at 1 in a new database: a payload that isn't a number must not be read as one.
    core = harness.core
    mentor = await add_mentor(core, "aigerim")
    request = await send(core, await add_student(core, "alex"), mentor)
    assert request == 1
    aigerim = harness.person("aigerim")
    for forged in ("abc", ""):
        assert "isn't addressed to you" in await aigerim.press_data("req.acc", forged)
    assert (await statuses(core))[request] == "pending"
    assert await count(core, Pair) == 0


async def test_a_student_with_a_mentor_is_told_who_it_is_and_whom_to_talk_to(harness: Harness) -> None:
    core = harness.core
    mentor, other = await add_mentor(core, "aigerim"), await add_mentor(core, "timur")
    student = await add_student(core, "alex")
    await accept(core, mentor, await send(core, student, mentor))
    with pytest.raises(Refusal) as refused:
        await send(core, student, other)
    assert refused.value.text == (
        "You already have a mentor, Aigerim Mentor, so you can't send new requests. If it isn't working out, "
        "you can end the mentorship kindly with /end, or /report to talk to the career team."
    )


async def decide(harness: Harness, student: int, mentor: int) -> requests.RequestDecision:
    async with harness.core.sessions() as session:
        mentee = await session.get(User, student)
        assert mentee is not None
        return await requests.may_request(session, mentee, mentor, harness.core.programme, harness.core.clock.now())


async def test_the_request_policy_names_the_full_and_said_no_rules_and_refuses_a_student_as_mentor(
    harness: Harness,
) -> None:
    core = harness.core
    full = await add_mentor(core, "full", capacity=1)
    declined = await add_mentor(core, "aigerim")
    student, other = await add_student(core, "alex"), await add_student(core, "bea")
    await accept(core, full, await send(core, other, full))
    await decline(harness, declined, await send(core, student, declined), "Travelling")

    assert [(d.allowed, d.rule) for d in [await decide(harness, student, m) for m in (full, declined, other)]] == [
        (False, "full"),
        (False, "said_no"),
        (False, "unavailable"),  # another student's id, as a forged Interested button would carry
    ]
    await send(core, student, await add_mentor(core, "timur"))
    again = await decide(harness, student, await user_id(harness, "Timur Mentor"))
    assert (again.rule, again.reason) == (
        "already_sent",
        "You've already sent Timur a request; they'll answer soon. /requests shows it.",
    )


async def test_a_request_message_between_15_and_1000_characters_is_sent(core) -> None:  # type: ignore[no-untyped-def]
    mentors = [await add_mentor(core, name) for name in ("aigerim", "timur", "saule")]
    student = await add_student(core, "alex")
    with pytest.raises(Refusal, match="Please write a sentence or two"):
        await send(core, student, mentors[0], "x" * 14)
    with pytest.raises(Refusal, match="please keep it under 1000 characters"):
        await send(core, student, mentors[0], "x" * 1001)
    await send(core, student, mentors[0], "x" * 15)
    await send(core, student, mentors[1], "y" * 1000)
    assert await count(core, MentorshipRequest) == 2
