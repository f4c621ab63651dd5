"""Slack's rate limits, with the fake enforcing them (chat.postMessage a burst of 3 then 1 a second in a
channel, the tiered methods so many a minute, 429 with Retry-After over a limit): messages to many people
and a quick series to one person all arrive, in order, without Slack having to refuse them."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.core.clock import ManualClock
from bot.core.context import queue_message
from bot.core.replies import Reply
from storage.models import Identity, User
from tests.slack.conftest import slack_running
from tests.slack.driver import Workspace
from tests.slack.fake_api import FakeSlackApi

OTHERS = 20
SERIES = 5


@pytest.fixture
async def paced(
    database_url: str, clock: ManualClock, fake_slack: FakeSlackApi, waits: list[float]
) -> AsyncIterator[Workspace]:
    fake_slack.limits_on = True
    async with slack_running(database_url, clock, fake_slack, waits, paced=True) as workspace:
        yield workspace


async def _people(slack: Workspace, count: int) -> list[int]:
    now = slack.core.clock.now()
    async with slack.core.sessions() as session, session.begin():
        users = [User(name=f"Person {n}", created_at=now) for n in range(count)]
        session.add_all(users)
        await session.flush()
        session.add_all(
            Identity(user_id=u.id, platform="slack", external_id=f"UP{n}", created_at=now) for n, u in enumerate(users)
        )
    return [u.id for u in users]


async def test_a_series_to_one_person_and_notices_to_many_arrive_in_order_without_refusals(paced: Workspace) -> None:
    slack = paced
    people = await _people(slack, OTHERS + 1)
    one, others = people[0], people[1:]
    now = slack.core.clock.now()
    async with slack.core.sessions() as session, session.begin():
        for n in range(SERIES):
            queue_message(session, now, Reply(f"Update {n + 1} of {SERIES} for you."), user_id=one)
        for user_id in others:
            queue_message(session, now, Reply("The spring evening is on 14 March."), user_id=user_id)

    delivered = 0
    for _pass in range(5):
        delivered += await slack.core.delivery.flush()
        if delivered == SERIES + OTHERS:
            break
    assert delivered == SERIES + OTHERS

    series = [m["text"] for m in slack.fake.messages["DUP0"]]
    assert series == [f"Update {n + 1} of {SERIES} for you." for n in range(SERIES)]
    for n in range(1, OTHERS + 1):
        assert [m["text"] for m in slack.fake.messages[f"DUP{n}"]] == ["The spring evening is on 14 March."]
    assert slack.fake.ratelimited == 0
