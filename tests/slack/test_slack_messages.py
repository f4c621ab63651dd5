"""How the bot's answers look and travel on Slack: DMs, the slash command anywhere, files, edits,
the staff channel, and Slack's own checks of the endpoint."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from storage.models import User
from tests.slack.driver import Workspace, buttons
from tests.slack.journeys import mentor_profile_by_modal


async def test_slack_checks_the_endpoint_with_a_signed_challenge(slack: Workspace) -> None:
    body = json.dumps({"type": "url_verification", "token": "legacy", "challenge": "3eZbrw1aBm2rZgRNFdxV"})
    response = await slack.post(body, "application/json")
    assert response.status == 200 and "3eZbrw1aBm2rZgRNFdxV" in response.text


async def test_the_slash_command_in_a_channel_answers_privately_in_the_dm(slack: Workspace) -> None:
    alex = slack.user("UAL", "Alex Kim")
    response = await alex.slash("help", channel="CGENERAL")
    assert response.status == 200
    assert "direct messages" in response.text  # an ephemeral note only Alex sees
    assert slack.fake.messages.get("CGENERAL") is None
    assert "What you can do" in alex.text()
    # Commands are named the Slack way in the answer.
    assert "`/mentor help`" in alex.text() and "`/mentor start`" in alex.text()


async def test_words_in_a_dm_reach_the_same_commands_and_other_text_gets_a_next_step(slack: Workspace) -> None:
    alex = slack.user("UAL", "Alex Kim")
    await alex.dm("help")
    assert "What you can do" in alex.text(last=1)
    await alex.dm("/mentor help")
    assert "What you can do" in alex.text(last=1)
    await alex.dm("is anyone around?")
    assert "`/mentor start`" in alex.text(last=1)
    await alex.dm("hi")  # a greeting on its own starts
    assert "Which are you?" in alex.text(last=1)
    await alex.slash("blursday")
    assert "I don't know `/mentor blursday`" in alex.text(last=1)
    await alex.slash("find")  # a friendly alias of the mentors command
    assert "profile first" in alex.text(last=1) or "student" in alex.text(last=1).lower()


async def test_edits_and_other_peoples_messages_in_the_dm_are_not_answered(slack: Workspace) -> None:
    alex = slack.user("UAL", "Alex Kim")
    await slack.post_event(
        {"type": "message", "subtype": "message_changed", "channel": alex.channel, "channel_type": "im"}
    )
    await slack.post_event(
        {
            "type": "message",
            "bot_id": "BBOT",
            "user": "UBOT",
            "channel": alex.channel,
            "channel_type": "im",
            "text": "our own message",
        }
    )
    await slack.post_event(
        {"type": "message", "user": "UAL", "channel": "CGENERAL", "channel_type": "channel", "text": "help"}
    )
    assert slack.fake.called("chat.postMessage") == []
    async with slack.core.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(User)) == 0


async def test_names_are_escaped_so_they_cannot_ping_a_channel(slack: Workspace) -> None:
    eve = slack.user("UEVE", "<!channel> Eve")
    await eve.slash("start")
    sent = slack.fake.called("chat.postMessage")[-1]
    assert "<!channel>" not in sent["text"] and "&lt;!channel&gt;" in sent["text"]
    assert "<!channel>" not in json.dumps(sent["blocks"])


async def test_a_data_export_arrives_as_a_file_in_the_dm(slack: Workspace) -> None:
    zhanna = slack.user("UZH", "Zhanna Abenova")
    await mentor_profile_by_modal(zhanna)
    await zhanna.slash("forget")
    await zhanna.press("Delete my data")

    assert len(slack.fake.called("files.getUploadURLExternal")) == 1
    completed = slack.fake.called("files.completeUploadExternal")[-1]
    assert completed["channel_id"] == zhanna.channel
    assert "Your data is deleted" in completed["initial_comment"]
    (content,) = slack.fake.uploads.values()
    assert "Kaspi.kz" in content.decode()


async def test_an_edit_of_a_message_that_is_gone_becomes_a_new_message(slack: Workspace) -> None:
    alex = slack.user("UAL", "Alex Kim")
    await alex.slash("forget")
    slack.fake.fail("chat.update", "message_not_found")
    await alex.press("Keep my data")
    assert "nothing was deleted" in alex.text(last=1)
    assert not alex.messages[0].get("edited")


async def test_buttons_get_their_own_action_ids_and_fit_slacks_limits(slack: Workspace) -> None:
    alex = slack.user("UAL", "Alex Kim")
    await alex.slash("start")
    elements = [e for m in alex.messages for _b, e in buttons(m["blocks"])]
    assert [e["value"] for e in elements] == ["start.role|student", "start.role|alumnus"]
    assert len({e["action_id"] for e in elements}) == len(elements)
    assert all(len(e["text"]["text"]) <= 75 for e in elements)


async def test_without_a_staff_channel_the_career_team_hears_in_their_dms(slack: Workspace) -> None:
    sam = slack.user("USTAFF", "Sam Career")
    await sam.slash("help")  # Sam is known to the bot as staff
    slack.platform.settings = slack.platform.settings.model_copy(update={"slack_staff_channel": None})
    zhanna = slack.user("UZH", "Zhanna Abenova")
    await mentor_profile_by_modal(zhanna)
    assert slack.fake.messages.get("CSTAFF") is None
    assert "waiting for approval: Zhanna Abenova" in sam.text()
