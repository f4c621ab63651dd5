"""A running Slack side of the bot: the real Bolt app on 127.0.0.1 and a fake Slack Web API beside it."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from bot.app import create_core
from bot.config import Settings, load_settings
from bot.core.clock import ManualClock
from bot.platforms.slack import SlackPlatform
from bot.platforms.slack.client import make_client
from tests.slack.driver import SECRET, Workspace
from tests.slack.fake_api import FakeSlackApi

STAFF_CHANNEL = "CSTAFF"
STAFF_ID = "USTAFF"


@pytest.fixture
async def fake_slack() -> AsyncIterator[FakeSlackApi]:
    fake = FakeSlackApi()
    await fake.start()
    yield fake
    await fake.stop()


@pytest.fixture
def waits() -> list[float]:
    """How long the Web API client was told to wait (Retry-After); tests never really sleep."""
    return []


def slack_settings(database_url: str, fake: FakeSlackApi) -> Settings:
    return load_settings(
        database_url=database_url,
        staff_ids=f"slack:{STAFF_ID}",
        slack_bot_token="xoxb-test",
        slack_signing_secret=SECRET,
        slack_api_url=fake.base_url,
        slack_staff_channel=STAFF_CHANNEL,
        slack_app_token=None,
        _env_file=None,
    )


@contextlib.asynccontextmanager
async def slack_running(
    database_url: str,
    clock: ManualClock,
    fake: FakeSlackApi,
    waits: list[float],
    *,
    paced: bool = False,
    **options: Any,
) -> AsyncIterator[Workspace]:
    """One run of the bot's Slack side: a core and a platform serving HTTP. A second one on the same database
    is the bot after a restart. `paced`: with the client's pacing to Slack's limits, which holds a quick
    series of messages in one DM to about one a second (real seconds), so only the tests of it have it."""
    settings = slack_settings(database_url, fake)
    core = await create_core(settings, clock, migrate=False)

    async def no_sleep(seconds: float) -> None:
        waits.append(seconds)

    assert settings.slack_bot_token is not None
    client = make_client(settings.slack_bot_token.get_secret_value(), fake.base_url, sleep=no_sleep, paced=paced)
    platform = SlackPlatform(core, sleep=no_sleep, client=client, **options)
    core.delivery.add_transport(platform)
    try:
        port = await platform.start_http("127.0.0.1", 0)
        async with aiohttp.ClientSession() as http:
            yield Workspace(platform, fake, f"http://127.0.0.1:{port}/slack/events", core, http)
    finally:
        await platform.stop()
        await core.close()


@pytest.fixture
async def slack(
    database_url: str, clock: ManualClock, fake_slack: FakeSlackApi, waits: list[float]
) -> AsyncIterator[Workspace]:
    async with slack_running(database_url, clock, fake_slack, waits) as workspace:
        yield workspace
