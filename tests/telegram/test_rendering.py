"""What Telegram shows: edits instead of new messages, escaped user text, long texts in parts, compact
callback data, answered button presses, and the command menus."""

from __future__ import annotations

import string

from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from bot.core.context import queue_message
from bot.core.markup import esc, fmt
from bot.core.replies import Button, Reply
from bot.platforms.telegram import split_html, to_telegram_html, utf16_len
from storage.models import Identity
from tests.telegram.conftest import STAFF_CHAT, TelegramWorld
from tests.telegram.fake_api import check_html, visible
from tests.telegram.test_profile_journey import fill_mentee


async def queue_for(world: TelegramWorld, external_id: int, reply: Reply) -> None:
    """Another part of the bot tells this person something: it goes through the outbox."""
    async with world.core.sessions() as session, session.begin():
        user_id = await session.scalar(select(Identity.user_id).where(Identity.external_id == str(external_id)))
        queue_message(session, world.clock.now(), reply, user_id=user_id)


async def test_buttons_edit_their_own_message_and_every_press_is_answered(world: TelegramWorld) -> None:
    alex = world.person(5001, "Alex")
    await alex.say("/start")
    await alex.press("student")
    for answer in ("Alex Kim", "BA Economics", "2", "Grow"):
        await alex.say(answer)
    question, _data = alex.find_button("Networking")
    await alex.press("Networking")
    edits = [c for c in alex.since if c.method == "editMessageText"]
    assert len(edits) == 1 and not [c for c in alex.since if c.method == "sendMessage"]
    assert int(edits[0].params["message_id"]) == question["message_id"]
    assert "✓ Networking" in [b["text"] for b in edits[0].buttons]
    await alex.press("✓ Networking")  # untick: the same message again
    assert int(alex.since[-1].params["message_id"]) == question["message_id"]
    # Every press got its spinner stopped.
    answered = world.fake.called("answerCallbackQuery")
    assert len(answered) == 3 and all(c.ok for c in answered)


async def test_a_double_tap_edits_once_and_the_unchanged_edit_is_ignored(world: TelegramWorld) -> None:
    alex = world.person(5001, "Alex")
    await alex.say("/forget")
    prompt, keep = alex.find_button("Keep my data")
    await alex.press_data(keep, prompt)
    assert "nothing was deleted" in alex.text
    await alex.press_data(keep, prompt)  # the second tap of a double tap, on the same message
    edits = world.fake.called("editMessageText")
    assert [(c.status, int(c.params["message_id"])) for c in edits] == [
        (200, prompt["message_id"]),
        (400, prompt["message_id"]),  # Telegram: "message is not modified"; the bot lets it be
    ]
    assert not [c for c in alex.since if c.method == "sendMessage"]  # no new message, no error shown


async def test_typed_text_reaches_telegram_escaped(world: TelegramWorld) -> None:
    odd = world.person(5003, "<b>x</b> & y")
    reply = await odd.say("/start")
    sent = odd.since[-1]
    assert sent.ok and "Hello, &lt;b&gt;x&lt;/b&gt;!" in sent.params["text"]
    assert "Hello, <b>x</b>!" in reply  # shown exactly as typed
    await odd.press("student")
    await odd.say("<b>x</b> & y")
    await odd.press("Back")
    shown = odd.since[-1]
    assert shown.ok and "Now: &lt;b&gt;x&lt;/b&gt; &amp; y" in shown.params["text"]
    assert all(c.status != 400 for c in world.fake.calls)


async def test_a_long_message_arrives_in_clean_parts_with_buttons_on_the_last(world: TelegramWorld) -> None:
    alex = world.person(5001, "Alex")
    await alex.say("/start")
    lines = [f"<b>Mentor {i}</b> · {esc('Tom & Jerry <co>')} · " + "works in software " * 6 for i in range(80)]
    text = "\n".join(lines)
    assert utf16_len(text) > 8000
    await queue_for(world, alex.id, Reply(text, buttons=[[Button("More", "browse.more", "2")]]))
    alex.mark = len(world.fake.calls)
    await world.core.delivery.flush()
    parts = [c for c in alex.since if c.method == "sendMessage"]
    assert len(parts) >= 3 and all(c.ok for c in parts)
    assert all(utf16_len(c.text) <= 4096 for c in parts)
    assert "\n".join(c.text for c in parts) == visible(text)  # nothing lost, cut at line ends
    assert [bool(c.buttons) for c in parts] == [False] * (len(parts) - 1) + [True]


async def test_a_file_is_sent_as_a_document(world: TelegramWorld) -> None:
    alex = world.person(5001, "Alex")
    await fill_mentee(alex)
    await alex.say("/forget")
    await alex.press("Delete my data")
    sent = [c for c in alex.since if c.method in ("sendMessage", "sendDocument")]
    assert [c.method for c in sent] == ["sendMessage", "sendDocument"]
    assert "Your data is deleted" in sent[0].text
    filename, content = sent[1].files["document"]
    assert filename.startswith("my-mentorship-data-") and filename.endswith(".json")
    assert b"Alex Kim" in content


async def test_callback_data_stays_within_64_bytes_through_a_whole_form(world: TelegramWorld) -> None:
    alex = world.person(5001, "Alex")
    await fill_mentee(alex)
    buttons = [b for c in world.fake.calls for b in c.buttons]
    assert len(buttons) > 30
    assert all(1 <= len(b["callback_data"].encode()) <= 64 for b in buttons)
    assert not [c for c in world.fake.calls if c.status == 400 and c.method == "sendMessage"]


async def test_commands_menu_for_everyone_and_for_the_staff_chat(world: TelegramWorld) -> None:
    calls = [c for c in world.fake.called("setMyCommands") if c.ok]
    default = next(c for c in calls if c.params.get("scope", {}).get("type", "default") == "default")
    names = {command["command"] for command in default.params["commands"]}
    assert {"start", "help", "language"} <= names  # a newcomer's: what they can run before a profile
    staff_only = {name for name, spec in world.core.registry.commands.items() if spec.roles == {"staff"}}
    assert not names & staff_only
    assert all(1 <= len(command["description"]) <= 256 for command in default.params["commands"])
    if staff_only:
        scoped = next(c for c in calls if c.params.get("scope", {}).get("type") == "chat")
        assert scoped.params["scope"]["chat_id"] == STAFF_CHAT
        assert staff_only <= {command["command"] for command in scoped.params["commands"]}


async def test_group_chatter_is_ignored_but_commands_to_the_bot_are_answered(world: TelegramWorld) -> None:
    sam = world.staff_member()
    assert await sam.say("lunch anyone?") == ""
    assert await sam.say("/help@other_bot") == ""
    assert "What you can do" in await sam.say("/help@mentor_test_bot")


async def test_a_photo_gets_a_friendly_pointer(world: TelegramWorld) -> None:
    alex = world.person(5001, "Alex")
    update = world.fake.message_update(alex.user, "")
    del update["message"]["text"]
    update["message"]["photo"] = [{"file_id": "p", "file_unique_id": "p", "width": 1, "height": 1}]
    alex.mark = len(world.fake.calls)
    await world.feed(update)
    assert "only read text" in alex.text


_WORDS = st.text(alphabet=string.ascii_letters + " &<>é😀", min_size=0, max_size=40)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(_WORDS, st.sampled_from(["", "b", "i", "code"])), min_size=1, max_size=40))
def test_split_html_keeps_every_word_and_valid_markup(lines: list[tuple[str, str]]) -> None:
    text = "\n".join(f"<{tag}>{esc(words)}</{tag}>" if tag else esc(words) for words, tag in lines)
    chunks = split_html(text, limit=120)
    for chunk in chunks:
        assert utf16_len(chunk) <= 120
        check_html(chunk)
    rejoined = "".join(visible(chunk) for chunk in chunks)
    assert rejoined.replace("\n", "").replace(" ", "") == visible(text).replace("\n", "").replace(" ", "")


@given(st.text())
def test_escaped_text_has_no_markup_characters(text: str) -> None:
    rendered = to_telegram_html(fmt("<b>Name:</b> {name}", name=text))
    body = rendered.removeprefix("<b>Name:</b> ")
    assert "<" not in body and ">" not in body
    assert "&" not in body.replace("&amp;", "").replace("&lt;", "").replace("&gt;", "")
