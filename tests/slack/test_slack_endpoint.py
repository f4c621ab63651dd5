"""The endpoint in front of Bolt: a request that is not from Slack gets a 401, a signed one that cannot be
read a 400, and nothing Slack can send makes it answer 500."""

from __future__ import annotations

import hashlib
import hmac
import json
import time

import pytest
from sqlalchemy import func, select

from storage.models import InboxUpdate, User
from tests.slack.driver import SECRET, Workspace, sign

SLASH = "command=%2Fmentor&text=help&user_id=UAL&channel_id=DUAL&trigger_id=t1&team_id=T1"
FORM = "application/x-www-form-urlencoded"


async def _raw(slack: Workspace, body: bytes, headers: dict[str, str]) -> int:
    async with slack.http.post(slack.url, data=body, headers=headers) as response:
        status = response.status
    await slack.settle()
    return status


async def _count(slack: Workspace, model) -> int:  # type: ignore[no-untyped-def]
    async with slack.core.sessions() as db:
        return int(await db.scalar(select(func.count()).select_from(model)) or 0)


@pytest.mark.parametrize("stamp", ["", "soon", "12.5", "-1", "1e9", " 1700000000", "9" * 40])
async def test_a_timestamp_that_is_missing_or_not_a_number_is_a_401(slack: Workspace, stamp: str) -> None:
    headers = {"Content-Type": FORM, "X-Slack-Signature": sign(SLASH, int(time.time()))}
    if stamp:
        headers["X-Slack-Request-Timestamp"] = stamp
    assert await _raw(slack, SLASH.encode(), headers) == 401
    assert slack.fake.calls == [] and await _count(slack, User) == 0


async def test_a_request_without_a_signature_is_a_401(slack: Workspace) -> None:
    headers = {"Content-Type": FORM, "X-Slack-Request-Timestamp": str(int(time.time()))}
    assert await _raw(slack, SLASH.encode(), headers) == 401


async def test_a_signature_for_another_body_is_a_401(slack: Workspace) -> None:
    stamp = int(time.time())
    headers = {"Content-Type": FORM, "X-Slack-Request-Timestamp": str(stamp), "X-Slack-Signature": sign("x", stamp)}
    assert await _raw(slack, SLASH.encode(), headers) == 401


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ("{not json", "application/json"),
        ('{"type": "event_callback", "event": ', "application/json"),
        ("[1, 2, 3]", "application/json"),
        ('"just a string"', "application/json"),
        ("payload=%7Bnot+json", FORM),
        ("payload=%5B1%5D", FORM),  # a JSON list where an object belongs
        ("payload=" + "%5B" * 5000, FORM),  # nested deeper than any parser goes
    ],
)
async def test_a_signed_body_that_cannot_be_read_is_a_400(slack: Workspace, body: str, content_type: str) -> None:
    response = await slack.post(body, content_type)
    assert response.status == 400
    assert slack.fake.calls == [] and await _count(slack, InboxUpdate) == 0


async def test_a_signed_body_that_is_not_utf8_is_a_400(slack: Workspace) -> None:
    body = b"command=%2Fmentor&text=\xff\xfe"
    stamp = int(time.time())
    base = f"v0:{stamp}:".encode() + body
    signature = "v0=" + hmac.new(SECRET.encode(), base, hashlib.sha256).hexdigest()
    headers = {"Content-Type": FORM, "X-Slack-Request-Timestamp": str(stamp), "X-Slack-Signature": signature}
    assert await _raw(slack, body, headers) == 400


@pytest.mark.parametrize(
    "payload",
    [
        {"type": "event_callback", "event": "a string"},
        {"type": "event_callback", "event": {"type": "message", "channel_type": "im", "user": ["UAL"]}},
        {"type": "event_callback", "event": {"type": "message", "channel_type": "im", "user": "UAL"}},
        {"type": "event_callback", "event": {"type": "app_home_opened"}},
        {"type": "event_callback", "event_id": 7, "event": {"type": "app_home_opened", "user": {"id": "U"}}},
        {"type": "something_new"},
        {},
    ],
)
async def test_strange_signed_events_never_get_a_500(slack: Workspace, payload: dict[str, object]) -> None:
    response = await slack.post(json.dumps(payload), "application/json")
    assert 200 <= response.status < 500
    assert slack.fake.called("chat.postMessage") == []


@pytest.mark.parametrize(
    "payload",
    [
        {"type": "block_actions"},
        {"type": "block_actions", "user": "UAL", "actions": [{"action_id": "mb.0.0", "value": "help.show|"}]},
        {"type": "block_actions", "user": {"id": "UAL"}, "actions": "mb.0.0"},
        {"type": "block_actions", "user": {"id": "UAL"}, "actions": [{"action_id": "mb.0.0", "value": ["x"]}]},
        {"type": "block_actions", "user": {"id": "UAL"}, "actions": [{"action_id": "mb-open-form"}], "container": 5},
        {"type": "view_submission", "user": {"id": "UAL"}, "view": {"callback_id": "mb.form"}},
        {"type": "view_submission", "user": {"id": "UAL"}, "view": {"callback_id": "mb.form", "state": 3}},
        {"type": "shortcut", "callback_id": "x"},
    ],
)
async def test_strange_signed_interactions_never_get_a_500(slack: Workspace, payload: dict[str, object]) -> None:
    response = await slack.post_payload(payload)
    assert 200 <= response.status < 500


@pytest.mark.parametrize(
    "fields",
    [
        {"command": "/mentor"},
        {"command": "/mentor", "user_id": "", "text": "help"},
        {"command": "/other", "user_id": "UAL"},
    ],
)
async def test_strange_signed_slash_commands_never_get_a_500(slack: Workspace, fields: dict[str, str]) -> None:
    response = await slack.post_form(fields)
    assert 200 <= response.status < 500
    assert slack.fake.called("chat.postMessage") == []


async def test_a_listener_that_fails_still_answers_slack_with_a_2xx(
    slack: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(body: object) -> None:
        raise RuntimeError("a bug in the adapter")

    monkeypatch.setattr(slack.platform, "_read", broken)
    alex = slack.user("UAL", "Alex Kim")
    assert (await alex.slash("help")).status == 200
    assert (await alex.dm("help")).status == 200
    # The person hears it, each time, rather than nothing at all.
    assert [m["text"] for m in alex.messages] == [
        "Sorry, something went wrong on our side. Please try again in a moment."
    ] * 2
