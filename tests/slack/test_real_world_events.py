"""Slack events of every kind, shaped as Slack's documentation shows them: each one is accepted (2xx), none
makes the bot log an error, and nothing is said in a channel."""

from __future__ import annotations

import logging

import pytest

from tests.slack.driver import Workspace

SLACK_EVENTS: dict[str, dict[str, object]] = {
    "app_mention": {"type": "app_mention", "user": "U600", "text": "<@UBOT> hi", "ts": "1.1", "channel": "C1"},
    "reaction_added": {
        "type": "reaction_added",
        "user": "U600",
        "reaction": "thumbsup",
        "item": {"type": "message", "channel": "D600", "ts": "1.2"},
        "event_ts": "1.3",
    },
    "message_changed": {
        "type": "message",
        "subtype": "message_changed",
        "channel": "D600",
        "channel_type": "im",
        "message": {"type": "message", "user": "U600", "text": "/help", "ts": "1.4"},
        "ts": "1.5",
    },
    "bot_message": {
        "type": "message",
        "subtype": "bot_message",
        "bot_id": "B1",
        "text": "hi",
        "channel": "D600",
        "channel_type": "im",
        "ts": "1.6",
    },
    "channel_message": {
        "type": "message",
        "user": "U600",
        "text": "profile",
        "channel": "C1",
        "channel_type": "channel",
        "ts": "1.7",
    },
    "member_joined_channel": {"type": "member_joined_channel", "user": "U600", "channel": "C1", "event_ts": "1.8"},
    "app_home_messages_tab": {"type": "app_home_opened", "user": "U600", "channel": "D600", "tab": "messages"},
    "team_join": {"type": "team_join", "user": {"id": "U601", "name": "new"}},
}


@pytest.mark.parametrize("kind", list(SLACK_EVENTS))
async def test_slack_events_of_every_kind(slack: Workspace, caplog: pytest.LogCaptureFixture, kind: str) -> None:
    response = await slack.post_event(SLACK_EVENTS[kind])
    assert 200 <= response.status < 300
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], [r.getMessage() for r in caplog.records]
    posted = [c for c in slack.fake.called("chat.postMessage") if str(c.get("channel", "")).startswith("C")]
    assert posted == []  # nothing said in a channel
