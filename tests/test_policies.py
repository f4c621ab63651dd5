"""The programme's policies, each one function answering with a Decision, and every caller asking it:
has this mentor a free place; may this student request this mentor; may this person see that person's
contact details."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.core.app import Core
from bot.core.errors import Refusal
from bot.services import capacity
from storage.models import MentorProfile, User
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
