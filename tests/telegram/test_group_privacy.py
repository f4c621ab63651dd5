"""In a group others read: the bot says only what is safe in public there, and everything about a person
(profiles, requests, forms, exports, data copies) goes to that person's private chat."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from storage.models import FormProgress, User
from tests.telegram.conftest import STAFF_CHAT, STAFF_MEMBER, TelegramWorld, TgPerson
from tests.telegram.test_profile_journey import fill_mentee

pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")

GROUP = -100777  # an ordinary group: students and alumni, not the career team
PRIVATE_WORDS = ("alex@example.com", "BSc Computer Science", "Find a first job", "Alex Kim")


def in_group(world: TelegramWorld, person: TgPerson) -> TgPerson:
    member = TgPerson(world, person.id, str(person.user["first_name"]))
    member.chat_id = GROUP
    return member


def group_text(world: TelegramWorld) -> str:
    return "\n".join(c.text for c in world.fake.delivered(GROUP))


async def test_personal_commands_are_answered_in_private(world: TelegramWorld) -> None:
    alex = world.person(5001, "Alex")
    await fill_mentee(alex)
    alex_in_group = in_group(world, alex)
    for command in ("/profile", "/requests", "/forget", "/log met yesterday", "/goals", "/history"):
        alex.mark = len(world.fake.calls)
        said = await alex_in_group.say(command)
        assert said in ("I've answered you in our private chat.", ""), (command, said)
        assert world.fake.delivered(alex.chat_id)[-1:], command  # the answer went to the private chat
    assert "alex@example.com" in "\n".join(c.text for c in alex.inbox())  # /profile, privately
    shown = group_text(world)
    assert not any(word in shown for word in PRIVATE_WORDS), shown
    assert not any(c.method == "sendDocument" for c in world.fake.delivered(GROUP))


async def test_help_is_answered_in_the_group(world: TelegramWorld) -> None:
    alex = world.person(5001, "Alex")
    assert "What you can do" in await in_group(world, alex).say("/help")


async def test_someone_without_a_private_chat_gets_a_link_and_nothing_runs(world: TelegramWorld) -> None:
    stranger = in_group(world, world.person(5009, "Kim"))
    said = await stranger.say("/start")
    assert "Let's talk in private" in said and "https://t.me/mentor_test_bot" in said
    async with world.core.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(FormProgress)) == 0


async def test_forms_never_run_in_a_group(world: TelegramWorld) -> None:
    alex = world.person(5001, "Alex")
    await alex.say("/help")  # a private chat with the bot exists
    alex_in_group = in_group(world, alex)
    await alex_in_group.say("/start")
    assert "Student" not in group_text(world)  # the role question came privately
    await alex.press("student")
    # A reply to the bot in the group is not an answer to the private form.
    await world.feed(
        world.fake.message_update(alex_in_group.user, "Alex Kim", GROUP, world.fake.chat_messages(GROUP)[-1])
    )
    async with world.core.sessions() as session:
        progress = await session.scalar(select(FormProgress))
        assert progress is not None and "name" not in (progress.answers or {})
    assert await alex_in_group.say("/report") == "I've answered you in our private chat."


async def test_staff_exports_go_to_the_staff_chat_not_an_ordinary_group(world: TelegramWorld) -> None:
    sam_alone = world.person(STAFF_MEMBER, "Sam", "Career")
    await sam_alone.say("/help")
    sam_in_group = in_group(world, sam_alone)
    await sam_in_group.say("/export")
    assert not any(c.method == "sendDocument" for c in world.fake.delivered(GROUP))
    assert any(c.method == "sendDocument" for c in sam_alone.inbox())
    sam = world.staff_member()
    await sam.say("/export")
    assert any(c.method == "sendDocument" for c in world.fake.delivered(STAFF_CHAT))


async def test_forum_topic_replies_stay_in_the_topic(world: TelegramWorld) -> None:
    alex = world.person(5001, "Alex")
    update = world.fake.message_update(alex.user, "/help", GROUP)
    update["message"].update(message_thread_id=42, is_topic_message=True)
    await world.feed(update)
    answer = world.fake.delivered(GROUP)[-1]
    assert "What you can do" in answer.text and int(answer.params["message_thread_id"]) == 42


async def test_anonymous_admins_are_asked_to_write_as_themselves(world: TelegramWorld) -> None:
    anonymous = {"id": 1087968824, "is_bot": True, "first_name": "Group", "username": "GroupAnonymousBot"}
    update = world.fake.message_update(anonymous, "/pending", STAFF_CHAT)
    update["message"]["sender_chat"] = {"id": STAFF_CHAT, "type": "supergroup", "title": "Career team"}
    await world.feed(update)
    assert "write to me as yourself" in world.fake.delivered(STAFF_CHAT)[-1].text
    async with world.core.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(User)) == 0
