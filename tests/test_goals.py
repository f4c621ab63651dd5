"""Goals: both sides set and see them, move them through their statuses, and add notes; the mentor comments."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.core.errors import Refusal
from bot.services import goals
from storage.models import Goal, GoalNote, Pair, User
from tests.lifecycle_support import START, add_pair, add_person, zhanna_and_alex
from tests.support import Harness


async def test_goals_service_rules(core) -> None:  # type: ignore[no-untyped-def]
    ids = await zhanna_and_alex(core)
    async with core.sessions() as session, session.begin():
        pair = await session.get(Pair, ids.pair)
        alex = await session.get(User, ids.mentee)
        zhanna = await session.get(User, ids.mentor)
        goal = await goals.add_goal(session, pair, alex, term="short", text="Send my CV to 3 companies", now=START)
        with pytest.raises(Refusal, match="short term or long term"):
            await goals.add_goal(session, pair, alex, term="forever", text="x", now=START)
        with pytest.raises(Refusal, match="few words"):
            await goals.add_goal(session, pair, alex, term="long", text="  ", now=START)
        await goals.set_status(session, zhanna, goal.id, "in_progress", START)
        await goals.add_note(session, zhanna, goal.id, "Tailor it to each one", START)
        with pytest.raises(Refusal, match="no longer works"):
            await goals.set_status(session, alex, goal.id, "finished", START)
        pair.status = "ended"
        with pytest.raises(Refusal, match="has ended"):
            await goals.set_status(session, alex, goal.id, "done", START)
    async with core.sessions() as session:
        stored = await session.scalar(select(Goal))
        assert (stored.status, stored.term, stored.author_id) == ("in_progress", "short", ids.mentee)
        assert (await session.scalar(select(GoalNote))).author_id == ids.mentor


async def test_student_sets_goals_and_the_mentor_comments(harness: Harness) -> None:
    await zhanna_and_alex(harness.core)
    alex, zhanna = harness.person("alex"), harness.person("zhanna")
    assert "No goals with Zhanna yet" in await alex.say("/goals")
    await alex.press("Add a goal")
    assert "you and your match both see them" in alex.text
    await alex.press("Short term")
    await alex.say("Send my CV to three companies")
    assert "Added. Zhanna can see it too." in alex.text
    await alex.press("Add a goal")
    await alex.press("Long term")
    await alex.say("A first job in <software>")
    plan = alex.text
    assert plan.index("Short term") < plan.index("1. ○ Send my CV to three companies — Open") < plan.index("Long term")
    assert "2. ○ A first job in <software> — Open" in plan
    assert "Alex Kim added a goal to your plan: A first job in <software>" in zhanna.inbox_text()

    await zhanna.say("/goals")
    await zhanna.press("1. Send my CV")
    await zhanna.press("Comment")
    assert "Your match will see it" in zhanna.text
    await zhanna.say("Tailor the first paragraph to each company")
    assert "Saved. Alex can see it too." in zhanna.text
    assert "you: Tailor the first paragraph" in zhanna.text
    assert "Zhanna Abenova commented on the goal" in alex.inbox_text()

    await alex.press("See the goal", among=alex.inbox)
    assert "Zhanna: Tailor the first paragraph" in alex.text
    await alex.press("In progress")
    assert "Short term · In progress" in alex.text and alex.last[0].edit
    await alex.press("Add a progress note")
    await alex.say("Sent two of three")
    await alex.press("Done")
    assert "Short term · Done" in alex.text
    assert "Alex Kim marked a goal as done" in zhanna.inbox_text()
    assert "● Send my CV to three companies — Done" in await zhanna.say("/goals")


async def test_someone_elses_goal_by_payload_is_refused(harness: Harness) -> None:
    ids = await zhanna_and_alex(harness.core)
    async with harness.core.sessions() as session, session.begin():
        pair = await session.get(Pair, ids.pair)
        alex = await session.get(User, ids.mentee)
        goal = await goals.add_goal(session, pair, alex, term="short", text="Private plan", now=START)
    madina = await add_person(harness.core, "madina", "Madina Omarova", "alumnus")
    dana = await add_person(harness.core, "dana", "Dana Lee", "student")
    await add_pair(harness.core, madina, dana)
    intruder = harness.person("madina")
    assert "couldn't find that goal" in await intruder.press_data("goal.show", str(goal.id))
    assert "couldn't find that goal" in await intruder.press_data("goal.st", f"{goal.id}.dropped")
    assert "couldn't find that goal" in await intruder.press_data("goal.note", str(goal.id))
    assert "couldn't find that mentorship" in await intruder.press_data("goal.add", str(ids.pair))
    assert "couldn't find that mentorship" in await intruder.press_data("goal.list", str(ids.pair))
    assert "Private plan" not in intruder.text
    async with harness.core.sessions() as session:
        assert (await session.get(Goal, goal.id)).status == "open"
        assert await session.scalar(select(GoalNote)) is None
