"""`mentorbot run` starts the registered platforms whose settings are present, and only those."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import Any

import pytest

from bot.config import load_settings
from bot.platforms import platforms
from bot.runner import run_platforms
from tests.ports import free_port
from tests.slack.driver import SECRET
from tests.telegram.fake_api import TOKEN, FakeTelegram

NOTHING = {"telegram_bot_token": None, "slack_bot_token": None, "slack_signing_secret": None, "_env_file": None}
SLACK = {"slack_bot_token": "xoxb-test", "slack_signing_secret": SECRET}


@pytest.mark.parametrize(
    ("values", "started"),
    [
        ({}, []),  # nothing configured: `mentorbot run` is the terminal chat
        ({"telegram_bot_token": TOKEN}, ["telegram"]),
        (SLACK, ["slack"]),
        ({"slack_bot_token": "xoxb-test"}, []),  # Slack needs its signing secret too
        ({"telegram_bot_token": TOKEN, **SLACK}, ["slack", "telegram"]),
    ],
)
def test_the_registry_offers_the_platforms_whose_settings_are_present(
    values: dict[str, Any], started: list[str]
) -> None:
    settings = load_settings(**{**NOTHING, **values})
    assert sorted(kind.platform for kind in platforms.configured(settings)) == started
    assert {"console", "slack", "telegram"} <= set(platforms.kinds)  # each module registered itself


async def _until(condition: Callable[[], bool], task: asyncio.Task[None]) -> None:
    for _ in range(1000):
        if condition():
            return
        if task.done():
            await task  # it stopped: show why
        await asyncio.sleep(0.01)
    raise AssertionError("the bot did not get there in time")


async def _refused(port: int) -> bool:
    try:
        _reader, writer = await asyncio.open_connection("127.0.0.1", port)
    except OSError:
        return True
    writer.close()
    return False


async def test_run_starts_telegram_alone_when_only_telegram_is_configured(
    fake: FakeTelegram, database_url: str
) -> None:
    slack_port = free_port()
    settings = load_settings(
        **{
            **NOTHING,
            "database_url": database_url,
            "telegram_bot_token": TOKEN,
            "telegram_api_base_url": fake.base_url,
            "slack_port": slack_port,
        }
    )
    task = asyncio.create_task(run_platforms(settings))
    try:
        await _until(lambda: bool(fake.polls), task)  # Telegram is receiving updates
        fake.push(fake.message_update({"id": 5001, "is_bot": False, "first_name": "Alex"}, "/help"))
        await _until(lambda: any("What you can do" in call.text for call in fake.delivered(5001)), task)
        assert await _refused(slack_port)  # Slack, without its token and secret, never started
    finally:
        await _cancel(task)


async def _cancel(task: asyncio.Task[None]) -> None:
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
