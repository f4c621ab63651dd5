"""The career team's group: what is for staff arrives there with buttons, and a press in the group is
re-authorised from the database, whoever sends it."""

from __future__ import annotations

from sqlalchemy import select

from storage.models import MentorProfile
from tests.telegram.conftest import STAFF_CHAT, STAFF_MEMBER, TelegramWorld
from tests.telegram.test_profile_journey import fill_mentor


async def test_staff_approve_a_mentor_from_the_group(world: TelegramWorld) -> None:
    zhanna = world.person(5002, "Zhanna")
    await fill_mentor(zhanna)
    notice = world.staff_chat()[-1]
    assert "waiting for approval: Zhanna Abenova" in notice.text
    assert [b["text"] for b in notice.buttons] == ["See mentors waiting"]

    outsider = world.staff_member(7002, "Olly")  # in the group, but not on the career team
    assert "career team only" in await outsider.press("See mentors waiting")

    sam = world.staff_member()
    assert "Zhanna Abenova" in await sam.press("See mentors waiting")
    await sam.press("Approve")
    await sam.press("Yes — approve")
    assert "Approved: Zhanna Abenova" in sam.text
    assert all(c.chat_id == STAFF_CHAT for c in sam.since)  # answered in the group, not in a DM
    assert any("approved your mentor profile" in c.text for c in zhanna.inbox())
    async with world.core.sessions() as session:
        assert (await session.scalar(select(MentorProfile))).status == "approved"


async def test_a_question_for_staff_is_asked_in_their_private_chat(world: TelegramWorld) -> None:
    # The group reads everything; the reason for turning a mentor down is asked, and answered, in private.
    zhanna = world.person(5002, "Zhanna")
    await fill_mentor(zhanna)
    sam_alone = world.person(STAFF_MEMBER, "Sam", "Career")  # the same person, in their chat with the bot
    await sam_alone.say("/help")
    sam = world.staff_member()
    await sam.press("See mentors waiting")
    await sam.press("Reject")
    assert all(c.chat_id == sam_alone.chat_id for c in sam.since)  # nothing about it in the group
    assert "The mentor receives your words as written" in sam_alone.text
    assert await sam.say("Please add your current role", replying=True) != ""  # not taken in the group
    assert "Let's talk in private" in sam.text
    await sam_alone.say("Please add your <current> role")
    assert "Not approved: Zhanna Abenova" in sam_alone.text
    assert any("Please add your <current> role" in c.text for c in zhanna.inbox())


async def test_staff_without_a_private_chat_are_sent_there_first(world: TelegramWorld) -> None:
    zhanna = world.person(5002, "Zhanna")
    await fill_mentor(zhanna)
    sam = world.staff_member()
    await sam.press("See mentors waiting")
    assert "https://t.me/mentor_test_bot" in await sam.press("Reject")
    async with world.core.sessions() as session:
        assert (await session.scalar(select(MentorProfile))).status == "awaiting_approval"
