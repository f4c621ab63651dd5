"""`mentorbot run` with Slack: an HTTP server at /slack/events on SLACK_PORT, or Socket Mode when an app
token is set; both reach the same handlers."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from urllib.parse import urlencode

import aiohttp
import pytest

from bot.app import create_core
from bot.config import load_settings
from bot.core.app import Core
from bot.core.clock import ManualClock
from bot.platforms.slack import SlackPlatform
from bot.runner import run_platforms
from tests.ports import free_port
from tests.slack.driver import SECRET, Workspace, block_text, sign
from tests.slack.fake_api import FakeSlackApi
from tests.telegram.fake_api import FakeTelegram


@contextlib.asynccontextmanager
async def running(
    database_url: str, clock: ManualClock, fake: FakeSlackApi, **settings: object
) -> AsyncIterator[tuple[Core, SlackPlatform]]:
    values: dict[str, object] = {"slack_bot_token": "xoxb-test", "slack_signing_secret": SECRET, **settings}
    config = load_settings(database_url=database_url, slack_api_url=fake.base_url, _env_file=None, **values)
    core = await create_core(config, clock, migrate=False)
    platform = SlackPlatform(core)
    core.delivery.add_transport(platform)
    task = asyncio.create_task(platform.run())
    try:
        yield core, platform
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await platform.stop()
        await core.close()


async def test_http_mode_listens_on_slack_port(database_url: str, clock: ManualClock, fake_slack: FakeSlackApi) -> None:
    port = free_port()
    async with (
        running(database_url, clock, fake_slack, slack_port=port) as (core, platform),
        aiohttp.ClientSession() as http,
    ):
        workspace = Workspace(platform, fake_slack, f"http://127.0.0.1:{port}/slack/events", core, http)
        for _ in range(200):  # the server comes up in the background task
            with contextlib.suppress(aiohttp.ClientConnectionError):
                await workspace.user("UAL", "Alex Kim").slash("help")
                break
            await asyncio.sleep(0.01)
    assert "What you can do" in block_text(fake_slack.messages["DUAL"][-1]["blocks"])


async def test_socket_mode_when_an_app_token_is_set(
    database_url: str, clock: ManualClock, fake_slack: FakeSlackApi
) -> None:
    fake_slack.open_dm("UAL")  # Alex writes to the bot in their DM with it
    async with running(database_url, clock, fake_slack, slack_app_token="xapp-test") as (_core, platform):
        event = {
            "token": "legacy",
            "team_id": "T1",
            "api_app_id": "A1",
            "type": "event_callback",
            "event_id": "EvSocket1",
            "event": {"type": "message", "channel": "DUAL", "channel_type": "im", "user": "UAL", "text": "help"},
        }
        ack = await fake_slack.push({"envelope_id": "env-1", "type": "events_api", "payload": event})
        await platform.settle()
    assert ack["envelope_id"] == "env-1"
    assert [c.token for c in fake_slack.calls if c.method == "apps.connections.open"] == ["xapp-test"]
    assert {c.token for c in fake_slack.calls if c.method == "chat.postMessage"} == {"xoxb-test"}
    assert "What you can do" in block_text(fake_slack.messages["DUAL"][-1]["blocks"])


async def test_socket_mode_needs_only_the_bot_and_app_tokens_and_answers_in_the_persons_locale(
    database_url: str, clock: ManualClock, fake_slack: FakeSlackApi
) -> None:
    fake_slack.open_dm("UOL")
    fake_slack.users["UOL"] = "Olga Ivanova"
    fake_slack.locales["UOL"] = "ru-RU"  # her Slack is in Russian
    tokens = {"slack_app_token": "xapp-test", "slack_signing_secret": None}
    async with running(database_url, clock, fake_slack, **tokens) as (core, platform):
        assert core.settings.slack_enabled
        event = {
            "type": "event_callback",
            "event_id": "EvSocket2",
            "event": {"type": "message", "channel": "DUOL", "channel_type": "im", "user": "UOL", "text": "help"},
        }
        await fake_slack.push({"envelope_id": "env-2", "type": "events_api", "payload": event})
        await platform.settle()
    assert "Вот что вы можете сделать" in block_text(fake_slack.messages["DUOL"][-1]["blocks"])


async def test_run_starts_slack_alone_when_only_slack_is_configured(
    database_url: str, fake_slack: FakeSlackApi
) -> None:
    telegram = FakeTelegram()  # where Telegram would be reached, had it been started
    await telegram.start()
    port = free_port()
    config = load_settings(
        database_url=database_url,
        slack_bot_token="xoxb-test",
        slack_signing_secret=SECRET,
        slack_api_url=fake_slack.base_url,
        slack_app_token=None,
        slack_port=port,
        telegram_bot_token=None,
        telegram_api_base_url=telegram.base_url,
        _env_file=None,
    )
    fake_slack.users["UAL"] = "Alex Kim"
    body = urlencode({"command": "/mentor", "text": "help", "user_id": "UAL", "channel_id": "DUAL"})
    task = asyncio.create_task(run_platforms(config))
    try:
        async with aiohttp.ClientSession() as http:
            for _ in range(500):  # the runner brings the server up in the background
                assert not task.done(), task
                stamp = str(int(time.time()))
                headers = {
                    "Content-Type": "application/x-www-form-urlencoded",
                    "X-Slack-Request-Timestamp": stamp,
                    "X-Slack-Signature": sign(body, int(stamp)),
                }
                with contextlib.suppress(aiohttp.ClientConnectionError):
                    async with http.post(f"http://127.0.0.1:{port}/slack/events", data=body, headers=headers) as sent:
                        assert sent.status == 200
                    break
                await asyncio.sleep(0.01)
        for _ in range(500):  # the answer follows the ack
            if fake_slack.messages.get("DUAL"):
                break
            await asyncio.sleep(0.01)
        assert "What you can do" in block_text(fake_slack.messages["DUAL"][-1]["blocks"])
        assert telegram.calls == [] and telegram.polls == []  # Telegram, without its token, never started
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await telegram.stop()


@pytest.mark.parametrize("missing", ["slack_bot_token", "slack_signing_secret"])
async def test_slack_needs_its_token_and_a_secret_or_app_token(
    database_url: str, clock: ManualClock, missing: str
) -> None:
    values = {"slack_bot_token": "xoxb-test", "slack_signing_secret": SECRET, "slack_app_token": None, missing: None}
    config = load_settings(database_url=database_url, _env_file=None, **values)
    assert not config.slack_enabled
    core = await create_core(config, clock, migrate=False)
    try:
        with pytest.raises(ValueError, match="SLACK_BOT_TOKEN, and SLACK_SIGNING_SECRET or SLACK_APP_TOKEN"):
            SlackPlatform(core)
    finally:
        await core.close()


def test_the_manifest_describes_what_the_bot_listens_to(monkeypatch: pytest.MonkeyPatch) -> None:
    import re
    from pathlib import Path

    manifest = (Path(__file__).resolve().parents[2] / "slack-manifest.yml").read_text()
    for needed in (
        "command: /mentor",
        "- app_home_opened",
        "- message.im",
        "home_tab_enabled: true",
        "socket_mode_enabled: false",
        "is_enabled: true",
        "/slack/events",
        "- chat:write",
        "- im:write",
        "- commands",
    ):
        assert needed in manifest, needed
    # No secrets to leak: no token or signing secret is written in it, only the placeholders of its notes ...
    tokens = re.findall(r"\bx(?:ox[a-z]|app)-[^.\s)]+|\b[0-9a-f]{32}\b", manifest)
    assert tokens == [], tokens
    # ... and the settings its notes tell the admin to put in the bot's environment are the ones the bot reads.
    told = sorted(set(re.findall(r"^#\s+(SLACK_[A-Z_]+)", manifest, flags=re.M)))
    assert told == ["SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_STAFF_CHANNEL"], told
    for name in [*told, "SLACK_APP_TOKEN"]:
        monkeypatch.setenv(name, f"{name.lower()}-from-the-environment")
    config = load_settings(_env_file=None)
    assert config.slack_enabled
    assert config.slack_bot_token is not None and config.slack_signing_secret is not None
    assert config.slack_app_token is not None
    read = {
        "SLACK_BOT_TOKEN": config.slack_bot_token.get_secret_value(),
        "SLACK_SIGNING_SECRET": config.slack_signing_secret.get_secret_value(),
        "SLACK_STAFF_CHANNEL": config.slack_staff_channel,
        "SLACK_APP_TOKEN": config.slack_app_token.get_secret_value(),
    }
    assert read == {name: f"{name.lower()}-from-the-environment" for name in read}
