"""The programme's policies, each one function answering with a Decision, and every caller asking it:
has this mentor a free place; may this student request this mentor; may this person see that person's
contact details."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.core.app import Core
from bot.core.errors import Refusal
from bot.services import capacity, pairs, requests
from storage.models import Identity, MentorProfile, Pair, User
from tests.support import Harness
from tests.test_match import add_staff
from tests.test_programme_numbers import core_for
from tests.test_requests import accept, add_mentor, add_student, send

# --- has this mentor a free place ------------------------------------------------------------------


def test_a_free_place_is_a_place_below_the_mentors_limit() -> None:
    mentor = User(name="Aigerim Sadykova")
    assert capacity.has_free_place(MentorProfile(capacity=2, active_mentees=1), mentor)
    full = capacity.has_free_place(MentorProfile(capacity=2, active_mentees=2), mentor)
    assert not full
    assert full.reason == "Aigerim has no free place right now. /mentors shows who you can ask."
    # A limit lowered below the mentees a mentor already has: no place, never a negative count.
    assert capacity.free_places(MentorProfile(capacity=1, active_mentees=2)) == 0
    assert not capacity.has_free_place(MentorProfile(capacity=1, active_mentees=2), mentor)


async def test_the_query_clause_is_the_same_rule(core: Core) -> None:
    roomy = await add_mentor(core, "roomy", capacity=2)
    full = await add_mentor(core, "full", capacity=1)
    await accept(core, full, await send(core, await add_student(core, "alex"), full))
    async with core.sessions() as session:
        profiles = list(await session.scalars(select(MentorProfile)))
        users = {u.id: u for u in await session.scalars(select(User))}
        by_rule = {p.user_id for p in profiles if capacity.has_free_place(p, users[p.user_id])}
        by_query = set(await session.scalars(select(MentorProfile.user_id).where(capacity.with_free_place())))
    assert by_rule == by_query == {roomy}


async def test_a_full_mentor_accepting_hears_it_about_themself(core: Core) -> None:
    mentor = await add_mentor(core, "aigerim", capacity=2)
    first = await send(core, await add_student(core, "alex"), mentor)
    second = await send(core, await add_student(core, "bea"), mentor)
    await accept(core, mentor, first)
    async with core.sessions() as session, session.begin():
        (await session.get(MentorProfile, mentor)).capacity = 1  # they lowered their limit meanwhile
    with pytest.raises(Refusal, match=r"All your places are taken \(1 of 1\), so nothing was changed"):
        await accept(core, mentor, second)


# --- may this student request this mentor ------------------------------------------------------------


async def decide(core: Core, student: int, mentor: int) -> requests.RequestDecision:
    async with core.sessions() as session:
        mentee = await session.get(User, student)
        assert mentee is not None
        return await requests.may_request(session, mentee, mentor, core.programme, core.clock.now())


async def test_the_request_policy_says_which_rule_said_no(core: Core) -> None:
    mentors = [await add_mentor(core, f"m{i}") for i in range(4)]
    paused = await add_mentor(core, "paused", active=False)
    student = await add_student(core, "alex")
    first = await decide(core, student, mentors[0])
    assert first and first.rule == "" and first.mentor is not None and first.mentor.id == mentors[0]
    assert (await decide(core, student, paused)).rule == "paused"
    assert (await decide(core, student, 999999)).rule == "unavailable"
    sent = await send(core, student, mentors[0])
    again = await decide(core, student, mentors[0])
    assert (again.allowed, again.rule, again.sent.id if again.sent else None) == (False, "already_sent", sent)
    for mentor in mentors[1:3]:
        await send(core, student, mentor)
    limit = await decide(core, student, mentors[3])
    assert (limit.rule, limit.pending) == ("limit", 3)
    assert limit.reason.startswith("You have 3 requests waiting already, the most at a time.")
    await accept(core, mentors[0], sent)
    matched = await decide(core, student, mentors[3])
    assert matched.rule == "has_mentor" and "You already have a mentor" in matched.reason


async def test_the_browsing_card_asks_the_request_policy_for_the_limit(database_url: str, clock, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """With a programme allowing one waiting request, the card says so after one, not after three."""
    app = await core_for(database_url, clock, tmp_path, max_pending_requests=1)
    try:
        first, second = await add_mentor(app, "ann", full="Ann Mentor"), await add_mentor(app, "ben", full="Ben Mentor")
        await send(app, await add_student(app, "alex"), first)
        alex = Harness(app).person("alex")
        ann = await alex.say("/mentors")
        assert "Ann Mentor" in ann and "You've sent Ann a request; they'll answer soon." in ann
        ben = await alex.press("Next")
        assert "Ben Mentor" in ben
        assert "You have 1 requests waiting, the most at a time. /requests lets you withdraw one." in ben
        labels = [b.label for row in alex.last[0].buttons for b in row]
        assert "Interested" not in labels and "My requests" in labels
        assert "1 requests waiting already" in await alex.press_data("req.new", str(second))
    finally:
        await app.close()


# --- may this person see that person's contact details ------------------------------------------------


async def sees(core: Core, viewer: int, subject: int) -> bool:
    async with core.sessions() as session:
        one, other = await session.get(User, viewer), await session.get(User, subject)
        assert one is not None and other is not None
        return bool(await pairs.may_see_contact(session, one, other))


async def test_contact_details_only_after_both_agreed_to_the_match_and_to_staff(harness: Harness) -> None:
    core = harness.core
    mentor = await add_mentor(core, "aigerim", full="Aigerim Sadykova")
    await add_mentor(core, "timur", full="Timur Mentor")
    waiting = await add_mentor(core, "madina", full="Madina Omarova", status="awaiting_approval")
    student = await add_student(core, "alex")
    await add_staff(core)
    alex, aigerim, sam = harness.person("alex"), harness.person("aigerim"), harness.person("sam")

    # A student browsing never sees a mentor's contact details, on any card.
    cards = [await alex.say("/mentors"), await alex.press("Next")]
    names = {line.split(" — ")[0] for card in cards for line in card.splitlines()}
    assert {"Aigerim Sadykova", "Timur Mentor"} <= names
    for card in cards:
        assert "@alumni.example.org" not in card and "Contact:" not in card
    assert not await sees(core, student, mentor) and not await sees(core, mentor, student)

    # Nor does the mentor reading the request see the student's.
    request = await send(core, student, mentor)
    assert "would like you as their mentor" in aigerim.inbox_text()
    assert "alex@students.example.org" not in aigerim.inbox_text()

    # After Accept both see each other's.
    await aigerim.press_data("req.acc", str(request))
    assert "alex@students.example.org" in aigerim.text
    assert "aigerim@alumni.example.org" in alex.inbox_text()
    assert await sees(core, student, mentor) and await sees(core, mentor, student)
    cards = [await alex.say("/mentors")]  # other mentors' cards still don't show theirs
    assert "Timur Mentor" in cards[0] and "@alumni.example.org" not in cards[0]

    # The career team sees them (the mentor waiting for approval, on their card), and everyone sees their own.
    shown = await sam.say("/pending")
    assert "Madina Omarova" in shown and "madina@alumni.example.org" in shown
    sam_id = await harness_user_id(core, "sam")
    assert await sees(core, sam_id, student) and await sees(core, sam_id, waiting)
    assert "alex@students.example.org" in await alex.say("/profile")

    # Once the mentorship has ended, they are private again.
    async with core.sessions() as session, session.begin():
        pair = await session.scalar(select(Pair))
        pair.status = "ended"
    assert not await sees(core, student, mentor)


async def harness_user_id(core: Core, handle: str) -> int:
    async with core.sessions() as session:
        return int(await session.scalar(select(Identity.user_id).where(Identity.external_id == handle)))
