"""A running Slack side of the bot: the real Bolt app on 127.0.0.1 and a fake Slack Web API beside it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest

from bot.app import create_core
from bot.config import load_settings
from bot.core.clock import ManualClock
from bot.platforms.slack import SlackPlatform
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


@pytest.fixture
async def slack(
    database_url: str, clock: ManualClock, fake_slack: FakeSlackApi, waits: list[float]
) -> AsyncIterator[Workspace]:
    settings = load_settings(
        database_url=database_url,
        staff_ids=f"slack:{STAFF_ID}",
        slack_bot_token="xoxb-test",
        slack_signing_secret=SECRET,
        slack_api_url=fake_slack.base_url,
        slack_staff_channel=STAFF_CHANNEL,
        slack_app_token=None,
        _env_file=None,
    )
    core = await create_core(settings, clock, migrate=False)

    async def no_sleep(seconds: float) -> None:
        waits.append(seconds)

    platform = SlackPlatform(core, sleep=no_sleep)
    core.delivery.add_transport(platform)
    port = await platform.start_http("127.0.0.1", 0)
    async with aiohttp.ClientSession() as http:
        yield Workspace(platform, fake_slack, f"http://127.0.0.1:{port}/slack/events", core, http)
    await platform.stop()
    await core.close()
