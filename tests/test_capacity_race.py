"""A mentor's last place is taken once, whatever races for it. The guard is the conditional UPDATE in
`bot.services.capacity.claim_slot` (active_mentees < capacity, on the mentor's row): atomic on PostgreSQL
(row lock, condition re-checked after the wait) and on SQLite (BEGIN IMMEDIATE serialises writers).

The race in tests/test_requests.py (two accepts for the last place) never gets that far: on SQLite the
second accept starts after the first committed and finds its request already answered ("full"); on
PostgreSQL it waits on the mentor's row and then finds the same, in the request's own conditional update.
It passes with `claim_slot`'s condition removed. The races here pass every check before the claim, so
the claim alone stands between the mentor and a second mentee."""

from __future__ import annotations

import asyncio

import pytest

from bot.core.app import Core
from bot.core.errors import Refusal
from bot.core.policy import YES
from bot.services import requests
from storage.models import Identity, Pair, User
from tests.support import Harness
from tests.test_match import add_staff
from tests.test_requests import accept, add_mentor, add_student, count, mentor_load, send, statuses


async def add_second_staff(core: Core, name: str) -> None:
    async with core.sessions() as session, session.begin():
        user = User(name=f"{name.title()} Career-Office", is_staff=True, created_at=core.clock.now())
        session.add(user)
        session.add(
            Identity(user=user, platform="console", external_id=name, chat_id=name, created_at=core.clock.now())
        )


async def test_two_staff_matches_racing_for_the_last_place_make_one_pair(harness: Harness) -> None:
    # Staff confirming a match go straight to the claim: no earlier capacity check on that path.
    core = harness.core
    mentor = await add_mentor(core, "aigerim", capacity=1)
    alex, bea = await add_student(core, "alex"), await add_student(core, "bea")
    await add_staff(core, "sam")
    await add_second_staff(core, "sara")
    sam, sara = harness.person("sam"), harness.person("sara")
    await sam.say("/help")  # sam becomes staff on his first message (STAFF_IDS)

    answers = await asyncio.gather(
        sam.press_data("match.ok", f"{alex}.{mentor}"), sara.press_data("match.ok", f"{bea}.{mentor}")
    )

    assert sorted("are matched" in answer for answer in answers) == [False, True], answers
    assert any("Aigerim has no free place for another mentee" in answer for answer in answers), answers
    assert await count(core, Pair) == 1
    assert await mentor_load(core, mentor) == 1
    told = [name for name in ("alex", "bea") if "has matched you" in harness.person(name).inbox_text()]
    assert len(told) == 1, told  # only the student who got the place hears of a match


async def test_two_accepts_past_the_friendly_checks_still_fill_the_last_place_once(
    core: Core, monkeypatch: pytest.MonkeyPatch
) -> None:
    mentor = await add_mentor(core, "aigerim", capacity=1)
    first, second = await add_student(core, "alex"), await add_student(core, "bea")
    waiting = [await send(core, first, mentor), await send(core, second, mentor)]
    # Both accepts find a free place, as two that read at the same moment do on PostgreSQL; and so the first
    # leaves the second request waiting instead of answering it "full". Nothing before the claim says no.
    monkeypatch.setattr(requests, "has_free_place", lambda profile, mentor: YES)

    results = await asyncio.gather(*(accept(core, mentor, r) for r in waiting), return_exceptions=True)

    winners = [r for r in results if isinstance(r, requests.AcceptOutcome)]
    refusals = [r for r in results if isinstance(r, Refusal)]
    assert len(winners) == 1 and len(refusals) == 1, results
    assert "Aigerim has no free place for another mentee right now, so nothing was changed." in refusals[0].text
    assert await mentor_load(core, mentor) == 1
    assert await count(core, Pair) == 1
    assert sorted((await statuses(core)).values()) == ["accepted", "pending"]  # the refused one: unchanged
