"""What the scheduler sends arrives on Telegram with working buttons: a nudge to both sides of a silent
mentorship, and, after two unanswered nudges, an escalation in the staff group that staff take from there."""

from __future__ import annotations

import datetime as dt

from scheduler.sweeps import sweep_core
from storage.models import Identity
from tests.scheduler.helpers import START, pair, person
from tests.telegram.conftest import TelegramWorld

DAY = dt.timedelta(days=1)


async def _silent_pair(world: TelegramWorld) -> tuple[int, int]:
    """A mentor (Telegram 6001) and a student (Telegram 6002), matched and then quiet."""
    mentor = await person(world.core, "aigerim", "alumnus")
    mentee = await person(world.core, "alex", "student")
    async with world.core.sessions() as session, session.begin():
        for user_id, external in ((mentor, "6001"), (mentee, "6002")):
            session.add(
                Identity(user_id=user_id, platform="telegram", external_id=external, chat_id=external, created_at=START)
            )
    await pair(world.core, mentor, mentee)
    return 6001, 6002


async def sweep_at(world: TelegramWorld, moment: dt.datetime) -> None:
    world.clock.set(moment)
    await sweep_core(world.core)
    await world.core.delivery.flush()


async def test_a_nudge_arrives_with_one_tap_answers(world: TelegramWorld) -> None:
    mentor_chat, mentee_chat = await _silent_pair(world)
    await sweep_at(world, START + 30 * DAY)
    nudge = world.fake.delivered(mentee_chat)[-1]
    assert "you and Aigerim last caught up" in nudge.text
    assert [b["text"] for b in nudge.buttons] == [
        "We talked (call/video)",
        "We talked (chat/e-mail)",
        "Not yet",
        "There is a problem",
    ]
    assert world.fake.delivered(mentor_chat)
    alex = world.person(mentee_chat, "Alex")
    assert "logged for today" in await alex.press("We talked (call/video)")


async def test_an_escalation_reaches_the_staff_group_and_is_taken_there(world: TelegramWorld) -> None:
    await _silent_pair(world)
    for days in (30, 60, 90):
        await sweep_at(world, START + days * DAY)
    escalation = world.staff_chat()[-1]
    assert "No contact logged" in escalation.text
    assert [b["text"] for b in escalation.buttons] == [
        "I'll take it",
        "Contact the pair",
        "Close the pair",
        "Re-match the mentee",
    ]
    sam = world.staff_member()
    message, _data = sam.find_button("I'll take it")
    assert "Taken by Sam Career" in await sam.press("I'll take it")
    assert [(c.method, int(c.params["message_id"])) for c in sam.since] == [
        ("editMessageText", message["message_id"])  # the escalation itself now says who has it
    ]
    outsider = world.staff_member(7002, "Olly")
    assert "career team only" in await outsider.press("Close the pair")
