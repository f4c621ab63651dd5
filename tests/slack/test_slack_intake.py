"""Nothing Slack hands the bot is lost: every request is in the inbox before Slack hears back, a crash at
any moment is made good after the restart, exactly once, and a database that cannot record a request
never has Slack believe it arrived."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any, NoReturn

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from bot.core.clock import ManualClock
from bot.core.intake import LEASE, Recorded
from storage.models import InboxUpdate
from tests.slack.conftest import slack_running
from tests.slack.driver import SlackUser, Workspace, buttons
from tests.slack.fake_api import FakeSlackApi


async def _killed(*args: Any, **kwargs: Any) -> NoReturn:
    """The process dies here: nothing after this point runs, nothing is cleaned up."""
    raise asyncio.CancelledError


def _database_down(*args: Any, **kwargs: Any) -> NoReturn:
    raise OperationalError("INSERT INTO inbox", {}, Exception("database is locked"))


async def _down(*args: Any, **kwargs: Any) -> NoReturn:
    _database_down()


async def _inbox(ws: Workspace) -> list[tuple[str, str]]:
    async with ws.core.sessions() as db:
        rows = await db.scalars(select(InboxUpdate).order_by(InboxUpdate.id))
        return [(row.update_key, row.status) for row in rows]


def _answers(person: SlackUser, words: str) -> int:
    return sum(words in text for text in (m["text"] for m in person.messages))


# --- every request is written down before it is acknowledged ------------------------------------------


async def test_every_kind_of_request_is_in_the_inbox_and_marked_handled(slack: Workspace) -> None:
    alex = slack.user("UAL", "Alex Kim")
    await alex.slash("help")
    await alex.dm("hello there")
    await alex.open_home()
    await alex.slash("start")
    await alex.press("student")  # opens the form as a modal with the press's trigger
    rows = await _inbox(slack)
    assert [key.split(":")[0] for key, _status in rows] == ["cmd", "ev", "ev", "cmd", "act"]
    assert {status for _key, status in rows} == {"handled"}
    async with slack.core.sessions() as db:
        first = await db.scalar(select(InboxUpdate).order_by(InboxUpdate.id))
    assert first.payload["command"] == "/mentor" and first.payload["text"] == "help"  # the request as Slack sent it
    assert "token" not in first.payload  # less Slack's legacy verification token
    assert alex.modal is not None


async def test_a_repeated_request_is_recorded_once_and_answered_once(slack: Workspace) -> None:
    alex = slack.user("UAL", "Alex Kim")
    await alex.dm("help", event_id="EvTwice")
    await alex.dm("help", event_id="EvTwice", retry=1)
    await alex.dm("help", event_id="EvTwice", retry=2)
    assert len(await _inbox(slack)) == 1
    assert _answers(alex, "What you can do") == 1


# --- a crash between the ack and the answer -----------------------------------------------------------


async def _restart(database_url: str, clock: ManualClock, fake: FakeSlackApi) -> list[tuple[str, str]]:
    """Start the bot again on the same database, let it finish what it takes up, and stop it."""
    async with slack_running(database_url, clock, fake, []) as again:
        await again.settle()
        return await _inbox(again)


@pytest.mark.parametrize("kind", ["slash", "dm"])
async def test_a_request_acknowledged_just_before_a_crash_is_answered_once_after_the_restart(
    database_url: str, clock: ManualClock, fake_slack: FakeSlackApi, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    async with slack_running(database_url, clock, fake_slack, []) as first:
        alex = first.user("UAL", "Alex Kim")
        monkeypatch.setattr(first.core, "answer", _killed)
        response = await (alex.slash("help") if kind == "slash" else alex.dm("help"))
        assert response.status == 200  # Slack has its ack and will not send it again
        assert alex.messages == []
        assert [status for _key, status in await _inbox(first)] == ["pending"]

    assert [status for _key, status in await _restart(database_url, clock, fake_slack)] == ["handled"]
    assert _answers(alex, "What you can do") == 1
    await _restart(database_url, clock, fake_slack)  # and a further restart repeats nothing
    assert len(alex.messages) == 1


async def test_a_form_asked_for_just_before_a_crash_comes_as_a_message_that_opens_it(
    database_url: str, clock: ManualClock, fake_slack: FakeSlackApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with slack_running(database_url, clock, fake_slack, []) as first:
        zhanna = first.user("UZH", "Zhanna Abenova")
        await zhanna.slash("start")
        monkeypatch.setattr(first.core, "answer", _killed)
        await zhanna.press("alumn")
        assert zhanna.modal is None and len(zhanna.messages) == 1

    await _restart(database_url, clock, fake_slack)
    # The press's trigger is long gone, so the form waits behind a button.
    assert len(zhanna.messages) == 2 and "Your mentor profile" in zhanna.text(last=1)
    assert [e["text"]["text"] for _b, e in buttons(zhanna.messages[-1]["blocks"])] == ["Open the form"]
    async with slack_running(database_url, clock, fake_slack, []) as second:
        zhanna.ws = second
        await zhanna.press("Open the form")
        assert zhanna.modal is not None and zhanna.modal["title"]["text"] == "Your mentor profile"
        assert zhanna.modal_fields()[:2] == ["name", "programme_of_study"]


async def test_the_home_tab_opened_just_before_a_crash_is_published_after_the_restart(
    database_url: str, clock: ManualClock, fake_slack: FakeSlackApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with slack_running(database_url, clock, fake_slack, []) as first:
        mira = first.user("UMI", "Mira Sato")
        monkeypatch.setattr(first.platform, "publish_home", _killed)
        await mira.open_home()
        assert mira.home == {}
    assert [status for _key, status in await _restart(database_url, clock, fake_slack)] == ["handled"]
    assert "Welcome to the" in mira.home_text()


async def test_an_answer_written_just_before_a_crash_is_sent_once_after_the_restart(
    database_url: str, clock: ManualClock, fake_slack: FakeSlackApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with slack_running(database_url, clock, fake_slack, []) as first:
        alex = first.user("UAL", "Alex Kim")
        monkeypatch.setattr(first.core.delivery, "send_answers", _killed)
        await alex.slash("help")
        assert alex.messages == []  # handled and written into the outbox, never sent

    async with slack_running(database_url, clock, fake_slack, []) as second:
        await second.settle()
        assert [status for _key, status in await _inbox(second)] == ["handled"]  # not handled again
        assert alex.messages == []  # the dead process's claim on it lasts a moment
        clock.advance(dt.timedelta(seconds=31))
        await second.settle()
    assert _answers(alex, "What you can do") == 1


# --- the database failing -------------------------------------------------------------------------------


async def test_when_the_database_cannot_record_slack_is_not_told_it_arrived(
    slack: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    alex = slack.user("UAL", "Alex Kim")
    await alex.slash("start")
    monkeypatch.setattr(slack.core.inbox, "record", _down)

    event = await alex.dm("help", event_id="EvDown")
    assert event.status == 503  # Slack sends the event again shortly
    slash = await alex.slash("help")  # Slack does not repeat a slash command: the person is asked to
    assert slash.status == 200 and "try again in a moment" in slash.text
    pressed = await alex.press("student")  # nor a press: the person hears it in the DM
    assert pressed.status == 200 and "try again in a moment" in alex.text(last=1)
    assert alex.modal is None and _answers(alex, "What you can do") == 0

    monkeypatch.undo()
    again = await alex.dm("help", event_id="EvDown", retry=1)
    assert again.status == 200
    assert _answers(alex, "What you can do") == 1


async def test_a_request_whose_handling_failed_is_taken_up_again_once_its_lease_runs_out(
    database_url: str, clock: ManualClock, fake_slack: FakeSlackApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with slack_running(database_url, clock, fake_slack, [], replay_every=0.01) as ws:
        alex = ws.user("UAL", "Alex Kim")
        answer = ws.core.answer
        monkeypatch.setattr(ws.core, "answer", _down)
        await alex.dm("help")
        assert alex.messages == [] and [s for _k, s in await _inbox(ws)] == ["pending"]

        monkeypatch.setattr(ws.core, "answer", answer)
        await asyncio.sleep(0.05)
        assert alex.messages == []  # still leased to the attempt that failed
        clock.advance(LEASE + dt.timedelta(seconds=1))
        for _ in range(300):
            if alex.messages:
                break
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.05)
        assert _answers(alex, "What you can do") == 1
        assert [s for _k, s in await _inbox(ws)] == ["handled"]


async def test_a_recorded_request_that_cannot_be_read_is_set_aside_and_one_for_nobody_is_done(
    database_url: str, clock: ManualClock, fake_slack: FakeSlackApi
) -> None:
    async with slack_running(database_url, clock, fake_slack, []) as first:
        edit = {"type": "message", "subtype": "message_changed", "channel": "DUAL", "channel_type": "im"}
        await first.core.inbox.record(
            "slack",
            [
                Recorded("cmd:odd", {"command": "/mentor", "text": "help"}),  # whose?
                Recorded("ev:edit", {"type": "event_callback", "event_id": "Ev9", "event": edit}),
            ],
        )
    assert await _restart(database_url, clock, fake_slack) == [("cmd:odd", "poison"), ("ev:edit", "handled")]
    assert fake_slack.called("chat.postMessage") == []


# --- the person's own DM with the bot ------------------------------------------------------------------


async def test_a_slash_command_in_a_dm_between_two_people_is_answered_in_our_dm(slack: Workspace) -> None:
    alex = slack.user("UAL", "Alex Kim")
    slack.user("UBEA", "Bea Ortiz")
    between = "DALBEA"  # Alex's DM with Bea: the bot is not in it and cannot post there

    first = await alex.slash("help", channel=between)
    assert first.status == 200 and "direct messages" in first.text
    assert "What you can do" in alex.text()
    assert slack.fake.messages.get(between) is None
    assert slack.platform._dm == {"UAL": alex.channel}  # never the channel the command came from

    second = await alex.slash("help", channel=between)
    assert "direct messages" in second.text and slack.fake.messages.get(between) is None
    assert _answers(alex, "What you can do") == 2

    here = await alex.slash("help")  # typed in the DM with the bot: answered there, no note
    assert here.status == 200 and here.text == ""
    assert _answers(alex, "What you can do") == 3


async def test_the_fake_slack_refuses_a_post_to_a_dm_the_bot_is_not_in(slack: Workspace) -> None:
    from bot.core.delivery import Undeliverable
    from bot.core.events import Origin
    from bot.core.replies import Reply

    with pytest.raises(Undeliverable):
        await slack.platform.send_answer(Origin("slack", "DALBEA"), Reply("Hello"))


async def test_a_command_typed_before_the_dm_is_known_still_answers_in_the_dm(slack: Workspace) -> None:
    alex = slack.user("UAL", "Alex Kim")
    response = await alex.slash("help")  # the bot has not opened the DM yet in this run
    assert "direct messages" in response.text
    assert slack.fake.called("conversations.open") == [{"users": "UAL"}]
    assert "What you can do" in alex.text()


# --- files and threads ----------------------------------------------------------------------------------

FILE = [{"id": "F1", "name": "cv.pdf", "mimetype": "application/pdf"}]


async def test_a_file_shared_with_words_is_read_as_the_words_and_the_file_noted_once(slack: Workspace) -> None:
    alex = slack.user("UAL", "Alex Kim")
    await alex.dm("help", files=[*FILE, {"id": "F2", "name": "photo.png"}])
    assert "What you can do" in alex.text(last=2)
    assert _answers(alex, "can't open files") == 1
    assert "can't open files" in alex.text(last=1)  # after the answer to the words
    assert [s for _k, s in await _inbox(slack)] == ["handled"]


async def test_a_file_shared_without_words_gets_what_can_be_read(slack: Workspace) -> None:
    alex = slack.user("UAL", "Alex Kim")
    await alex.dm("", files=FILE)
    assert len(alex.messages) == 1
    assert "I can only read text messages. `/mentor help` lists what you can do." in alex.text()
    assert [s for _k, s in await _inbox(slack)] == ["handled"]


async def test_a_reply_in_a_thread_is_answered_in_that_thread(slack: Workspace) -> None:
    alex = slack.user("UAL", "Alex Kim")
    await alex.dm("start")
    top = alex.messages[-1]
    assert "thread_ts" not in top
    await alex.dm("help", thread=top["ts"])
    assert alex.messages[-1].get("thread_ts") == top["ts"] and "What you can do" in alex.text(last=1)
    assert slack.fake.called("chat.postMessage")[-1]["thread_ts"] == top["ts"]

    # A button on a message in the thread answers in the thread too (here: the form, the trigger having
    # expired, as a message with a button that opens it).
    await alex.dm("start", thread=top["ts"])
    assert alex.messages[-1].get("thread_ts") == top["ts"]
    slack.fake.fail("views.open", "expired_trigger_id")
    await alex.press("student")
    assert alex.messages[-1].get("thread_ts") == top["ts"] and "Open the form" in str(alex.messages[-1]["blocks"])


# --- modal submissions: answered in the ack, their messages through the outbox ---------------------------


async def test_what_a_finished_form_says_goes_through_the_outbox_to_the_dm(slack: Workspace) -> None:
    from storage.models import Outbox
    from tests.slack.journeys import mentor_profile_by_modal

    zhanna = slack.user("UZH", "Zhanna Abenova")
    await mentor_profile_by_modal(zhanna)
    assert "Your mentor profile is saved" in zhanna.text(last=1)
    async with slack.core.sessions() as db:
        rows = list(await db.scalars(select(Outbox).where(Outbox.chat_id == zhanna.channel)))
    saved = [row for row in rows if "Your mentor profile is saved" in row.reply["text"]]
    assert len(saved) == 1 and saved[0].status == "sent" and saved[0].platform == "slack"


async def test_what_a_finished_form_says_is_written_with_the_form_and_sent_after_a_crash(
    database_url: str, clock: ManualClock, fake_slack: FakeSlackApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    from storage.models import MentorProfile
    from tests.slack.journeys import MENTOR_PAGE_1, MENTOR_PAGE_2

    async with slack_running(database_url, clock, fake_slack, []) as first:
        zhanna = first.user("UZH", "Zhanna Abenova")
        await zhanna.slash("start")
        await zhanna.press("alumn")
        await zhanna.submit(MENTOR_PAGE_1)
        await zhanna.submit(MENTOR_PAGE_2)
        # The process dies right after the ack: nothing it meant to do afterwards runs.
        monkeypatch.setattr(first.platform, "_after_ack", lambda work: work.close())
        response = await zhanna.submit({"topics": ["CV review"]})
        assert response.json() == {"response_action": "clear"}
        assert _answers(zhanna, "Your mentor profile is saved") == 0

    async with slack_running(database_url, clock, fake_slack, []) as second:
        async with second.core.sessions() as db:
            assert await db.scalar(select(MentorProfile)) is not None  # the form was saved
        clock.advance(dt.timedelta(seconds=31))  # the dead process's claim on its answers runs out
        await second.core.delivery.flush()
        await second.settle()
    assert _answers(zhanna, "Your mentor profile is saved") == 1
