"""The student's and the mentor's journeys as people walk them, in the orders people really take:
a mentor answering late, a form left half-filled while something else happened, a second try."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from storage.models import FormProgress, Identity
from tests.support import Harness
from tests.test_requests import MESSAGE, add_mentor, add_student, send


async def _form_of(harness: Harness, name: str) -> str | None:
    """The form a console person is in the middle of, if any."""
    async with harness.core.sessions() as session:
        identity = await session.scalar(select(Identity).where(Identity.external_id == name))
        assert identity is not None
        progress = await session.get(FormProgress, identity.user_id)
        return progress.form if progress else None


async def _id(harness: Harness, name: str) -> int:
    async with harness.core.sessions() as session:
        identity = await session.scalar(select(Identity).where(Identity.external_id == name))
        assert identity is not None
        return identity.user_id


# --- requests ---------------------------------------------------------------------------------------


async def test_a_mentor_who_answers_within_a_day_is_described_in_good_english(harness: Harness) -> None:
    core = harness.core
    mentor = await add_mentor(core, "aigerim")
    await add_student(core, "dana")
    await add_student(core, "alex")
    first = await send(core, await _id(harness, "dana"), mentor)
    aigerim = harness.person("aigerim")
    harness.core.clock.advance(dt.timedelta(hours=5))  # type: ignore[attr-defined]
    await aigerim.press_data("req.dec", str(first))
    await aigerim.say("I'm travelling until June, sorry")

    alex = harness.person("alex")
    await alex.say("/mentors")
    await alex.press("Interested")
    reply = await alex.say(MESSAGE)
    assert "Aigerim usually answers within a day." in reply
    assert "1 days" not in reply
