"""A mentor's places: a mentorship that ends gives one back, to that mentor only, and the count never goes
below zero (bot.services.capacity.release_slot)."""

from __future__ import annotations

from sqlalchemy import update

from bot.core.app import Core
from storage.models import MentorProfile
from tests.lifecycle_support import add_pair, add_person
from tests.support import Harness, Person


async def end_as(person: Person, pair_id: int, reason: str = "achieved") -> str:
    """/end, pick the reason, confirm."""
    await person.say("/end")
    await person.press_data("end.why", f"{pair_id}.{reason}")
    return await person.press("Yes, end it")


async def load(core: Core, mentor_id: int) -> int:
    async with core.sessions() as session:
        profile = await session.get(MentorProfile, mentor_id)
        assert profile is not None
        return profile.active_mentees


async def test_an_ending_frees_the_place_of_that_mentor_only(harness: Harness) -> None:
    core = harness.core
    zhanna = await add_person(core, "zhanna", "Zhanna Abenova", "alumnus", capacity=1)
    madina = await add_person(core, "madina", "Madina Omarova", "alumnus", capacity=1)
    alex = await add_person(core, "alex", "Alex Kim", "student")
    bea = await add_person(core, "bea", "Bea Lee", "student")
    await add_person(core, "dana", "Dana Park", "student")
    ended = await add_pair(core, zhanna, alex)
    await add_pair(core, madina, bea)

    assert "has ended" in await end_as(harness.person("alex"), ended)

    assert (await load(core, zhanna), await load(core, madina)) == (0, 1)
    # A student looking now finds Zhanna, free again, and not Madina, who is still full.
    offered = await harness.person("dana").say("/mentors")
    assert "Zhanna Abenova" in offered
    assert "Madina Omarova" not in offered


async def test_an_ending_never_takes_a_mentors_count_below_zero(harness: Harness) -> None:
    core = harness.core
    zhanna = await add_person(core, "zhanna", "Zhanna Abenova", "alumnus")
    alex = await add_person(core, "alex", "Alex Kim", "student")
    pair = await add_pair(core, zhanna, alex)
    async with core.sessions() as session, session.begin():  # the count was already put right by hand
        await session.execute(update(MentorProfile).where(MentorProfile.user_id == zhanna).values(active_mentees=0))

    assert "has ended" in await end_as(harness.person("alex"), pair)

    assert await load(core, zhanna) == 0
