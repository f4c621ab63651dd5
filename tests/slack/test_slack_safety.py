"""What Slack's delivery promises and threats look like: forged and stale requests, retried events,
rate limits and people who can't be reached."""

from __future__ import annotations

import datetime as dt
import time

from sqlalchemy import func, select

from bot.core.context import queue_message
from bot.core.replies import Reply
from storage.models import Identity, Outbox, ProcessedUpdate, User
from tests.slack.driver import Workspace


async def _count(slack: Workspace, model) -> int:  # type: ignore[no-untyped-def]
    async with slack.core.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def test_forged_and_stale_requests_are_refused_and_change_nothing(slack: Workspace) -> None:
    slash = "command=%2Fmentor&text=start&user_id=UEVE&channel_id=DUEVE&trigger_id=t1&team_id=T1"
    forged = await slack.post(slash, "application/x-www-form-urlencoded", secret="not-the-secret")
    stale = await slack.post(slash, "application/x-www-form-urlencoded", timestamp=int(time.time()) - 6 * 60)
    unsigned_event = await slack.post(
        '{"type":"event_callback","event_id":"Ev1","event":{"type":"message","channel_type":"im",'
        '"user":"UEVE","channel":"DUEVE","text":"start"}}',
        "application/json",
        secret="guess",
    )

    assert (forged.status, stale.status, unsigned_event.status) == (401, 401, 401)
    assert await _count(slack, User) == 0
    assert await _count(slack, ProcessedUpdate) == 0
    assert [c.method for c in slack.fake.calls] == []  # not a single Web API call, not even auth.test


async def test_a_retried_event_is_handled_once(slack: Workspace) -> None:
    alex = slack.user("UAL", "Alex Kim")
    first = await alex.dm("help", event_id="Ev0001")
    # Slack thought the first delivery failed and sends the very same event again.
    again = await alex.dm("help", event_id="Ev0001", retry=1)
    assert (first.status, again.status) == (200, 200)
    assert len(slack.fake.called("chat.postMessage")) == 1
    assert "What you can do" in alex.text()

    await alex.dm("help", event_id="Ev0002")  # a new message is a new event
    assert len(slack.fake.called("chat.postMessage")) == 2


async def test_a_rate_limited_call_is_retried_after_retry_after(slack: Workspace, waits: list[float]) -> None:
    alex = slack.user("UAL", "Alex Kim")
    slack.fake.fail("chat.postMessage", "ratelimited", status=429, retry_after=3)
    await alex.slash("help")

    posts = slack.fake.called("chat.postMessage")
    assert len(posts) == 2  # refused once with 429, sent again after the wait
    assert waits == [3.0]
    assert "What you can do" in alex.text()


async def test_an_answer_slack_wont_take_yet_is_sent_later_not_lost(slack: Workspace, waits: list[float]) -> None:
    alex = slack.user("UAL", "Alex Kim")
    slack.fake.fail("chat.postMessage", "ratelimited", status=429, retry_after=60)
    await alex.slash("help")
    assert alex.text() == "" and waits == []
    slack.core.clock.advance(dt.timedelta(seconds=61))
    await slack.settle()
    assert "What you can do" in alex.text()


async def test_a_dropped_connection_is_retried(slack: Workspace, waits: list[float]) -> None:
    alex = slack.user("UAL", "Alex Kim")
    slack.fake.fail("chat.postMessage", "disconnect")
    await alex.slash("help")
    assert len(slack.fake.called("chat.postMessage")) == 2
    assert len(waits) == 1 and waits[0] < 5  # a short back-off, not a stall
    assert "What you can do" in alex.text()


async def _queue_for(slack: Workspace, user_id: str, text: str) -> None:
    now = slack.core.clock.now()
    async with slack.core.sessions() as session, session.begin():
        user = User(name="Maria Lee", created_at=now)
        session.add_all([user, Identity(user=user, platform="slack", external_id=user_id, created_at=now)])
        await session.flush()
        queue_message(session, now, Reply(text), user_id=user.id)


async def test_a_long_rate_limit_goes_back_to_the_outbox_and_nothing_is_lost(
    slack: Workspace, waits: list[float]
) -> None:
    await _queue_for(slack, "UML", "Your mentor accepted!")
    slack.fake.fail("chat.postMessage", "ratelimited", status=429, retry_after=120)
    await slack.settle()

    async with slack.core.sessions() as session:
        row = await session.scalar(select(Outbox))
    assert row.status == "pending" and "ratelimited" in row.last_error
    assert row.not_before >= slack.core.clock.now() + dt.timedelta(seconds=120)
    assert waits == []  # nobody was held up for two minutes

    slack.core.clock.advance(dt.timedelta(minutes=3))
    await slack.settle()
    assert "Your mentor accepted!" in slack.user("UML", "Maria Lee").text()


async def test_someone_who_left_the_workspace_is_recorded_and_staff_told_once(slack: Workspace) -> None:
    await _queue_for(slack, "UGONE", "A reminder")
    slack.fake.fail("chat.postMessage", "account_inactive")
    await slack.settle()

    async with slack.core.sessions() as session:
        user = await session.scalar(select(User).where(User.name == "Maria Lee"))
        row = await session.scalar(select(Outbox).where(Outbox.user_id == user.id))
    assert user.blocked_bot_at is not None
    assert row.status == "failed"
    assert "Maria Lee can't receive messages" in slack.staff_text()


async def test_a_forged_button_value_is_re_checked_and_refused(slack: Workspace) -> None:
    alex = slack.user("UAL", "Alex Kim")
    await alex.slash("help")
    forged = {"type": "button", "action_id": "mb.0.0", "value": "req.acc|1", "text": {"text": "Accept"}}
    response = await alex.press_element(forged, alex.messages[-1])
    assert response.status == 200
    assert "set up your profile first" in alex.text(last=1).lower() or "mentors do" in alex.text(last=1)


async def test_a_broken_submission_still_gets_a_2xx_and_a_kind_word(slack: Workspace) -> None:
    alex = slack.user("UAL", "Alex Kim")
    await alex.slash("start")
    await alex.press("student")
    alex.modal["private_metadata"] = "not json"  # type: ignore[index]
    response = await alex.submit({"name": "Alex Kim"})
    assert response.status == 200 and response.json() == {"response_action": "clear"}
    assert "something went wrong on our side" in alex.text(last=1)


async def test_a_staff_channel_the_bot_was_removed_from_falls_back_to_the_staff_dms(slack: Workspace) -> None:
    sam = slack.user("USTAFF", "Sam Career")
    await sam.slash("help")  # Sam is known to the bot as staff
    now = slack.core.clock.now()
    async with slack.core.sessions() as db, db.begin():
        queue_message(db, now, Reply("A report is waiting"), to_staff=True)
    slack.fake.fail("chat.postMessage", "not_in_channel")
    await slack.settle()
    assert slack.fake.called("chat.postMessage")[-2]["channel"] == "CSTAFF"  # tried, refused
    assert "A report is waiting" in sam.text(last=1)
