"""Interested requests, accept/decline, capacity under racing accepts, the match and the agreement."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
from sqlalchemy import func, select

from bot.core.app import Core
from bot.core.errors import Refusal
from bot.services import pairs, requests
from storage.models import (
    Identity,
    MenteeProfile,
    MentorProfile,
    MentorshipRequest,
    Outbox,
    Pair,
    User,
)
from tests.support import Harness, Person

MESSAGE = "I'd love your advice on my CV for software internships."


# --- people, made directly in the database (the profile forms have their own tests) ----------------


async def add_mentor(
    core: Core,
    name: str,
    *,
    full: str = "",
    industry: str = "Software and IT",
    areas: tuple[str, ...] = ("jobs", "jobs.cv"),
    languages: tuple[str, ...] = ("English",),
    capacity: int = 2,
    status: str = "approved",
    active: bool = True,
    programme_of_study: str = "BSc Physics",
    country: str = "Kazakhstan",
) -> int:
    now = core.clock.now()
    async with core.sessions() as session, session.begin():
        user = User(
            name=full or f"{name.title()} Mentor",
            role="alumnus",
            contact_details=f"{name}@alumni.example.org",
            created_at=now,
        )
        session.add(user)
        session.add(Identity(user=user, platform="console", external_id=name, chat_id=name, created_at=now))
        session.add(
            MentorProfile(
                user=user,
                programme_of_study=programme_of_study,
                current_role="Engineer",
                employer="Acme",
                industry=industry,
                country=country,
                areas=list(areas),
                languages=list(languages),
                contact_method="video",
                capacity=capacity,
                active_mentees=0,
                status=status,
                active=active,
                orientation_done=status == "approved",
                updated_at=now,
            )
        )
        await session.flush()
        return user.id


async def add_student(
    core: Core,
    name: str,
    *,
    full: str = "",
    areas: tuple[str, ...] = ("jobs", "jobs.cv"),
    industries: tuple[str, ...] = ("Software and IT",),
    languages: tuple[str, ...] = ("English",),
    programme_of_study: str = "BSc Computer Science",
) -> int:
    now = core.clock.now()
    async with core.sessions() as session, session.begin():
        user = User(
            name=full or f"{name.title()} Student",
            role="student",
            contact_details=f"{name}@students.example.org",
            created_at=now,
        )
        session.add(user)
        session.add(Identity(user=user, platform="console", external_id=name, chat_id=name, created_at=now))
        session.add(
            MenteeProfile(
                user=user,
                programme_of_study=programme_of_study,
                year_of_study=3,
                goals="Find a first job.",
                areas=list(areas),
                industries=list(industries),
                languages=list(languages),
                updated_at=now,
            )
        )
        await session.flush()
        return user.id


async def user(core: Core, user_id: int) -> User:
    async with core.sessions() as session:
        found = await session.get(User, user_id)
        assert found is not None
        return found


async def send(core: Core, mentee_id: int, mentor_id: int, message: str = MESSAGE) -> int:
    async with core.sessions() as session, session.begin():
        mentee = await session.get(User, mentee_id)
        request = await requests.send_request(session, mentee, mentor_id, message, core.clock.now(), core.programme)
    await core.delivery.flush()
    return request.id


async def accept(core: Core, mentor_id: int, request_id: int) -> requests.AcceptOutcome:
    async with core.sessions() as session, session.begin():
        mentor = await session.get(User, mentor_id)
        return await requests.accept_request(session, mentor, request_id, core.clock.now(), core.programme)


async def statuses(core: Core) -> dict[int, str]:
    async with core.sessions() as session:
        return dict((await session.execute(select(MentorshipRequest.id, MentorshipRequest.status))).all())


async def mentor_load(core: Core, mentor_id: int) -> int:
    async with core.sessions() as session:
        profile = await session.get(MentorProfile, mentor_id)
        return profile.active_mentees


async def count(core: Core, model: type) -> int:
    async with core.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model)))


# --- sending ---------------------------------------------------------------------------------------


async def test_request_reaches_the_mentor_without_the_students_contact(harness: Harness) -> None:
    core = harness.core
    mentor = await add_mentor(core, "aigerim")
    await add_student(core, "alex")
    alex, aigerim = harness.person("alex"), harness.person("aigerim")

    await alex.say("/mentors")
    await alex.press("Interested")
    assert "You're writing to Aigerim Mentor" in alex.text
    assert "contact details stay private" in alex.text
    await alex.say(MESSAGE)
    assert "Sent!" in alex.text
    assert "1 of 3 requests waiting" in alex.text

    received = aigerim.inbox_text()
    assert "Alex would like you as their mentor" in received
    assert MESSAGE in received
    assert "alex@students.example.org" not in received
    labels = [b.label for r in aigerim.inbox for row in r.buttons for b in row]
    assert labels == ["Accept", "Decline"]
    async with core.sessions() as session:
        request = await session.scalar(select(MentorshipRequest))
    assert request.mentor_id == mentor and request.status == "pending"


async def test_a_too_short_message_is_explained_and_asked_again(harness: Harness) -> None:
    await add_mentor(harness.core, "aigerim")
    await add_student(harness.core, "alex")
    alex = harness.person("alex")
    await alex.say("/mentors")
    await alex.press("Interested")
    reply = await alex.say("hi")
    assert "a sentence or two" in reply
    assert "Why this mentor" in reply  # the same question again
    assert await count(harness.core, MentorshipRequest) == 0


async def test_duplicate_request_is_refused(harness: Harness) -> None:
    core = harness.core
    mentor = await add_mentor(core, "aigerim")
    student = await add_student(core, "alex")
    await send(core, student, mentor)
    with pytest.raises(Refusal, match="already sent"):
        await send(core, student, mentor)
    # Through the chat too: the card offers Withdraw instead of Interested, and a forged press is refused.
    alex = harness.person("alex")
    await alex.say("/mentors")
    assert "You've sent Aigerim a request" in alex.text
    reply = await alex.press_data("req.new", str(mentor))
    assert "already sent" in reply
    assert await count(core, MentorshipRequest) == 1


async def test_duplicate_requests_racing_leave_one(core: Core) -> None:
    mentor = await add_mentor(core, "aigerim")
    student = await add_student(core, "alex")
    results = await asyncio.gather(send(core, student, mentor), send(core, student, mentor), return_exceptions=True)
    assert sum(isinstance(r, int) for r in results) == 1, results
    assert all(isinstance(r, int | Refusal) for r in results), results
    assert await count(core, MentorshipRequest) == 1


async def test_at_most_the_programmes_pending_requests(core: Core) -> None:
    student = await add_student(core, "alex")
    mentors = [await add_mentor(core, f"m{i}") for i in range(4)]
    for mentor in mentors[:3]:
        await send(core, student, mentor)
    with pytest.raises(Refusal, match="3 requests waiting already"):
        await send(core, student, mentors[3])
    assert await count(core, MentorshipRequest) == 3


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"status": "awaiting_approval"}, "isn't available"),
        ({"active": False}, "paused"),
    ],
)
async def test_no_request_to_unapproved_or_paused_mentors(core: Core, kwargs: dict, words: str) -> None:
    mentor = await add_mentor(core, "aigerim", **kwargs)
    student = await add_student(core, "alex")
    with pytest.raises(Refusal, match=words):
        await send(core, student, mentor)


async def test_no_request_to_a_full_mentor(core: Core) -> None:
    mentor = await add_mentor(core, "aigerim", capacity=1)
    first, second = await add_student(core, "alex"), await add_student(core, "bea")
    await accept(core, mentor, await send(core, first, mentor))
    with pytest.raises(Refusal, match="no free place"):
        await send(core, second, mentor)


async def test_a_student_with_a_mentor_sends_no_new_requests(core: Core) -> None:
    mentor, other = await add_mentor(core, "aigerim"), await add_mentor(core, "timur")
    student = await add_student(core, "alex")
    await accept(core, mentor, await send(core, student, mentor))
    with pytest.raises(Refusal, match="You already have a mentor"):
        await send(core, student, other)


async def test_mentors_cannot_send_requests(harness: Harness) -> None:
    mentor = await add_mentor(harness.core, "aigerim")
    await add_mentor(harness.core, "timur")
    timur = harness.person("timur")
    reply = await timur.press_data("req.new", str(mentor))
    assert "something students do" in reply
    assert await count(harness.core, MentorshipRequest) == 0


# --- withdrawing -----------------------------------------------------------------------------------


async def test_withdraw_tells_the_mentor_and_frees_a_place_in_the_queue(harness: Harness) -> None:
    core = harness.core
    mentor = await add_mentor(core, "aigerim")
    student = await add_student(core, "alex")
    request = await send(core, student, mentor)
    alex = harness.person("alex")
    await alex.say("/requests")
    assert "Aigerim Mentor" in alex.text
    await alex.press("Withdraw")
    assert "Withdrawn" in alex.text
    assert (await statuses(core))[request] == "withdrawn"
    assert "Alex has withdrawn their request" in harness.person("aigerim").inbox_text()
    # Withdrawing again changes nothing.
    reply = await alex.press_data("req.wd", str(request))
    assert "was withdrawn" in reply


async def test_withdrawing_someone_elses_request_is_refused(harness: Harness) -> None:
    core = harness.core
    mentor = await add_mentor(core, "aigerim")
    owner = await add_student(core, "alex")
    await add_student(core, "bea")
    request = await send(core, owner, mentor)
    reply = await harness.person("bea").press_data("req.wd", str(request))
    assert "isn't one of your requests" in reply
    assert (await statuses(core))[request] == "pending"


# --- accepting -------------------------------------------------------------------------------------


async def test_accept_shares_contact_details_and_sends_the_agreement_to_both(harness: Harness) -> None:
    core = harness.core
    mentor = await add_mentor(core, "aigerim")
    student = await add_student(core, "alex")
    alex, aigerim = harness.person("alex"), harness.person("aigerim")
    await alex.say("/mentors")
    assert "aigerim@alumni.example.org" not in alex.text  # never on a card
    await alex.press("Interested")
    await alex.say(MESSAGE)

    await aigerim.press("Accept", among=aigerim.inbox)
    assert aigerim.last[0].edit  # the request message is replaced, so Accept can't be pressed twice
    assert "You accepted Alex's request" in aigerim.text
    assert "alex@students.example.org" in aigerim.text
    assert "goals and expectations" in aigerim.text.lower()  # the agreement form, first question
    assert "Great news, Alex" in alex.inbox_text()
    assert "aigerim@alumni.example.org" in alex.inbox_text()
    assert "New match from a request" in harness.staff_text()

    async with core.sessions() as session:
        pair = await session.scalar(select(Pair))
    assert (pair.mentor_id, pair.mentee_id, pair.status, pair.matched_by) == (mentor, student, "agreeing", "request")
    assert await mentor_load(core, mentor) == 1


async def test_a_mentee_accepting_their_own_request_is_refused(harness: Harness) -> None:
    core = harness.core
    mentor = await add_mentor(core, "aigerim")
    student = await add_student(core, "alex")
    request = await send(core, student, mentor)
    outbox_before = await count(core, Outbox)
    reply = await harness.person("alex").press_data("req.acc", str(request))
    assert "something mentors do" in reply
    assert (await statuses(core))[request] == "pending"
    assert await count(core, Pair) == 0
    assert await mentor_load(core, mentor) == 0
    assert await count(core, Outbox) == outbox_before


async def test_a_mentor_accepting_a_request_for_another_mentor_is_refused(harness: Harness) -> None:
    core = harness.core
    mentor = await add_mentor(core, "aigerim")
    await add_mentor(core, "timur")
    student = await add_student(core, "alex")
    request = await send(core, student, mentor)
    timur = harness.person("timur")
    for verb in ("req.acc", "req.dec"):
        reply = await timur.press_data(verb, str(request))
        assert "isn't addressed to you" in reply
    for forged in ("", "abc", "-1"):
        assert "isn't addressed to you" in await timur.press_data("req.acc", forged)
    assert "That request is no longer there" in await timur.press_data("req.acc", "999999")
    assert (await statuses(core))[request] == "pending"
    assert await count(core, Pair) == 0


async def test_accept_withdraws_the_mentees_other_requests_politely(harness: Harness) -> None:
    core = harness.core
    first, second, third = [await add_mentor(core, n) for n in ("aigerim", "timur", "saule")]
    student = await add_student(core, "alex")
    chosen = await send(core, student, first)
    others = [await send(core, student, second), await send(core, student, third)]
    outcome = await accept(core, first, chosen)
    assert sorted(r.id for r in outcome.withdrawn) == sorted(others)
    found = await statuses(core)
    assert [found[i] for i in others] == ["withdrawn", "withdrawn"]
    await core.delivery.flush()
    for name in ("timur", "saule"):
        assert "Alex has found a mentor" in harness.person(name).inbox_text()


async def test_a_full_mentor_answers_the_other_requests_and_those_students_see_others(harness: Harness) -> None:
    core = harness.core
    mentor = await add_mentor(core, "aigerim", capacity=1)
    await add_mentor(core, "timur", full="Timur Free")
    first, second = await add_student(core, "alex"), await add_student(core, "bea")
    chosen = await send(core, first, mentor)
    waiting = await send(core, second, mentor)
    outcome = await accept(core, mentor, chosen)
    assert [r.id for r in outcome.declined_full] == [waiting]
    async with core.sessions() as session:
        request = await session.get(MentorshipRequest, waiting)
    assert (request.status, request.reason) == ("declined", "full")
    await core.delivery.flush()
    told = harness.person("bea").inbox_text()
    assert "filled their last mentee place" in told
    assert "Timur Free" in told  # the next best match with a free place
    assert "Aigerim" not in told.split("filled")[1]  # not offered the full mentor again


async def test_two_accepts_racing_over_the_last_place_exactly_one_wins(core: Core) -> None:
    mentor = await add_mentor(core, "aigerim", capacity=1)
    first, second = await add_student(core, "alex"), await add_student(core, "bea")
    requests_ = [await send(core, first, mentor), await send(core, second, mentor)]

    results = await asyncio.gather(*(accept(core, mentor, r) for r in requests_), return_exceptions=True)

    winners = [r for r in results if isinstance(r, requests.AcceptOutcome)]
    refusals = [r for r in results if isinstance(r, Refusal)]
    assert len(winners) == 1 and len(refusals) == 1, results
    assert await mentor_load(core, mentor) == 1
    assert await count(core, Pair) == 1
    found = await statuses(core)
    assert sorted(found.values()) == ["accepted", "declined"]


async def test_two_mentors_accepting_one_student_at_once_make_one_match(core: Core) -> None:
    first, second = await add_mentor(core, "aigerim"), await add_mentor(core, "timur")
    student = await add_student(core, "alex")
    one, two = await send(core, student, first), await send(core, student, second)

    results = await asyncio.gather(accept(core, first, one), accept(core, second, two), return_exceptions=True)

    assert sum(isinstance(r, requests.AcceptOutcome) for r in results) == 1, results
    assert all(isinstance(r, requests.AcceptOutcome | Refusal) for r in results), results
    assert await count(core, Pair) == 1
    assert await mentor_load(core, first) + await mentor_load(core, second) == 1


async def test_accept_twice_changes_once(harness: Harness) -> None:
    core = harness.core
    mentor = await add_mentor(core, "aigerim")
    request = await send(core, await add_student(core, "alex"), mentor)
    aigerim = harness.person("aigerim")
    await aigerim.press_data("req.acc", str(request))
    reply = await aigerim.press_data("req.acc", str(request))
    assert "already accepted" in reply
    assert await mentor_load(core, mentor) == 1 and await count(core, Pair) == 1


# --- declining -------------------------------------------------------------------------------------


async def test_decline_with_a_reason_tells_the_student_kindly_with_other_matches(harness: Harness) -> None:
    core = harness.core
    mentor = await add_mentor(core, "aigerim")
    await add_mentor(core, "timur", full="Timur Free")
    request = await send(core, await add_student(core, "alex"), mentor)
    aigerim = harness.person("aigerim")
    await aigerim.press("Decline", among=aigerim.inbox)
    assert "short reason" in aigerim.text
    await aigerim.say("I'm travelling <until> June.")
    assert "Thank you for answering Alex" in aigerim.text
    assert (await statuses(core))[request] == "declined"
    told = harness.person("alex").inbox_text()
    assert "Aigerim can't take you on right now" in told
    assert "I'm travelling <until> June." in told  # shown as typed (escaped, not markup)
    assert "Timur Free" in told
    assert any(b.action == "browse.open" for r in harness.person("alex").inbox for row in r.buttons for b in row)


async def test_decline_without_a_reason(harness: Harness) -> None:
    core = harness.core
    mentor = await add_mentor(core, "aigerim")
    request = await send(core, await add_student(core, "alex"), mentor)
    aigerim = harness.person("aigerim")
    await aigerim.press_data("req.dec", str(request))
    await aigerim.press("Skip")
    assert (await statuses(core))[request] == "declined"
    assert "Please don't be discouraged" in harness.person("alex").inbox_text()
    # Nobody else has a free place: the career team is offered, in a sentence that starts with a capital.
    assert "The career team can help: /report reaches them." in harness.person("alex").inbox_text()


async def test_cancelling_a_decline_leaves_the_request_waiting(harness: Harness) -> None:
    core = harness.core
    mentor = await add_mentor(core, "aigerim")
    request = await send(core, await add_student(core, "alex"), mentor)
    aigerim = harness.person("aigerim")
    await aigerim.press_data("req.dec", str(request))
    await aigerim.press("Cancel")
    assert "still waiting for your answer" in aigerim.text
    assert (await statuses(core))[request] == "pending"


async def test_mentor_lists_requests_waiting(harness: Harness) -> None:
    core = harness.core
    mentor = await add_mentor(core, "aigerim")
    await send(core, await add_student(core, "alex"), mentor)
    await send(core, await add_student(core, "bea"), mentor)
    reply = await harness.person("aigerim").say("/requests")
    assert "2 requests are waiting" in reply
    assert reply.count("would like you as their mentor") == 2


# --- the agreement ---------------------------------------------------------------------------------


async def matched(harness: Harness) -> tuple[Person, Person, int]:
    core = harness.core
    mentor = await add_mentor(core, "aigerim")
    request = await send(core, await add_student(core, "alex"), mentor)
    aigerim = harness.person("aigerim")
    await aigerim.press_data("req.acc", str(request))
    async with core.sessions() as session:
        pair_id = await session.scalar(select(Pair.id))
    return harness.person("alex"), aigerim, pair_id


async def test_both_confirm_the_agreement_and_the_pair_becomes_active(harness: Harness, clock) -> None:  # type: ignore[no-untyped-def]
    alex, aigerim, pair_id = await matched(harness)
    await aigerim.say("CV ready by March; two mock interviews.")
    await aigerim.press("Video")
    await aigerim.press("Every 2 weeks")
    await aigerim.press("Yes")
    assert "sent it to Alex to confirm" in aigerim.text

    assert "Aigerim has filled in your mentorship agreement" in alex.inbox_text()
    await alex.press("I agree", among=alex.inbox)
    assert "confirmed by you both" in alex.text
    assert "confirmed by you both" in aigerim.inbox_text()

    async with harness.core.sessions() as session:
        pair = await session.get(Pair, pair_id)
    assert pair.status == "active"
    assert pair.contact_interval_days == 14
    assert pair.contact_method == "video"
    assert pair.started_at == clock.now()
    assert pair.cycle_ends_at == clock.now().replace(month=7)  # 12 January + 6 months


async def test_changing_the_terms_asks_the_other_side_again(harness: Harness) -> None:
    alex, aigerim, pair_id = await matched(harness)
    await aigerim.say("CV ready by March.")
    await aigerim.press("Video")
    await aigerim.press("Once a month")
    await aigerim.press("Yes")
    old_confirm = next(b for r in alex.inbox for row in r.buttons for b in row if b.action == "agr.ok")

    await alex.press("Suggest changes", among=alex.inbox)
    assert "Now: CV ready by March." in alex.text
    await alex.say("CV ready by March, and a mock interview.")
    await alex.press("Phone")
    await alex.press("Once a month")
    await alex.press("Yes")
    assert "sent it to Aigerim to confirm" in alex.text

    # Alex's old Confirm button (for the first version) cannot confirm the changed one on Aigerim's side,
    # and the pair stays agreeing until Aigerim confirms the new terms.
    reply = await alex.press_data(old_confirm.action, old_confirm.payload)
    assert "has changed since that message" in reply
    async with harness.core.sessions() as session:
        pair = await session.get(Pair, pair_id)
    assert pair.status == "agreeing" and pair.mentor_confirmed_at is None

    await aigerim.press("I agree", among=aigerim.inbox)
    async with harness.core.sessions() as session:
        pair = await session.get(Pair, pair_id)
    assert pair.status == "active" and pair.contact_method == "phone"


async def test_saying_no_to_the_principles_saves_nothing(harness: Harness) -> None:
    _alex, aigerim, pair_id = await matched(harness)
    await aigerim.say("CV ready by March.")
    await aigerim.press("Video")
    await aigerim.press("Once a month")
    await aigerim.press("No")
    assert "needs both of you to agree" in aigerim.text
    async with harness.core.sessions() as session:
        pair = await session.get(Pair, pair_id)
    assert pair.goals == "" and pair.mentor_confirmed_at is None


async def test_someone_outside_the_pair_cannot_confirm_it(harness: Harness) -> None:
    _alex, _aigerim, pair_id = await matched(harness)
    await add_student(harness.core, "bea")
    bea = harness.person("bea")
    assert "couldn't find that mentorship" in await bea.press_data("agr.start", str(pair_id))
    assert "couldn't find that mentorship" in await bea.press_data("agr.ok", f"{pair_id}.00000000")
    assert "couldn't find that mentorship" in await bea.press_data("agr.edit", str(pair_id))


async def test_pair_services(core: Core, clock) -> None:  # type: ignore[no-untyped-def]
    mentor_id, student_id = await add_mentor(core, "aigerim", capacity=1), await add_student(core, "alex")
    other_id = await add_student(core, "bea")
    async with core.sessions() as session, session.begin():
        mentor, student = await session.get(User, mentor_id), await session.get(User, student_id)
        pair = await pairs.create_pair(
            session, mentor=mentor, mentee=student, now=clock.now(), matched_by="staff", programme=core.programme
        )
        assert [p.id for p in await pairs.open_pairs_of(session, mentor)] == [pair.id]
        assert [p.id for p in await pairs.open_pairs_of(session, student)] == [pair.id]
        assert (await pairs.pair_for(session, student, str(pair.id))).id == pair.id
        other = await session.get(User, other_id)
        with pytest.raises(Refusal):
            await pairs.pair_for(session, other, pair.id)
        with pytest.raises(Refusal):
            await pairs.pair_for(session, student, "nonsense")
        with pytest.raises(Refusal, match="no free place"):
            await pairs.create_pair(session, mentor=mentor, mentee=other, now=clock.now(), programme=core.programme)


def test_add_months_keeps_the_day_or_the_months_last() -> None:
    start = dt.datetime(2026, 8, 31, 9, tzinfo=dt.UTC)
    assert pairs.add_months(start, 6) == dt.datetime(2027, 2, 28, 9, tzinfo=dt.UTC)
    assert pairs.add_months(dt.datetime(2026, 1, 12, tzinfo=dt.UTC), 12) == dt.datetime(2027, 1, 12, tzinfo=dt.UTC)


async def test_a_mentor_no_longer_approved_cannot_accept(core: Core) -> None:
    mentor = await add_mentor(core, "aigerim")
    request = await send(core, await add_student(core, "alex"), mentor)
    async with core.sessions() as session, session.begin():
        (await session.get(MentorProfile, mentor)).status = "rejected"
    with pytest.raises(Refusal, match="isn't approved"):
        await accept(core, mentor, request)
    assert (await statuses(core))[request] == "pending" and await count(core, Pair) == 0


async def test_expiry_moves_only_a_request_still_waiting(core: Core) -> None:
    """The sweep expires a request through the same conditional update as every other change: one answered
    since the sweep read it stays answered, and nobody is told it expired."""
    mentor = await add_mentor(core, "aigerim")
    student = await add_student(core, "alex")
    request_id = await send(core, student, mentor)
    async with core.sessions() as session:
        seen_pending = await session.get(MentorshipRequest, request_id)  # what the sweep read
    async with core.sessions() as session, session.begin():
        mentor_user = await session.get(User, mentor)
        await requests.decline_request(session, mentor_user, request_id, "", core.clock.now(), core.programme)
    async with core.sessions() as session, session.begin():
        session.add(seen_pending)
        users = {u.id: u for u in await session.scalars(select(User))}
        assert await requests._expire(session, core.clock.now(), seen_pending, users, core.programme) == []
    assert (await statuses(core))[request_id] == "declined"
