"""What the scheduler sends arrives on Slack with working buttons: a nudge in both DMs of a silent
mentorship, and after unanswered nudges an escalation in the staff channel, taken from there."""

from __future__ import annotations

import datetime as dt

from scheduler.sweeps import sweep_core
from storage.models import Identity
from tests.scheduler.helpers import START, pair, person
from tests.slack.driver import Workspace, block_text, buttons

DAY = dt.timedelta(days=1)


async def _silent_pair(slack: Workspace) -> None:
    """A mentor (Slack UAIG) and a student (Slack UALX), matched and then quiet."""
    mentor = await person(slack.core, "aigerim", "alumnus")
    mentee = await person(slack.core, "alex", "student")
    async with slack.core.sessions() as session, session.begin():
        for user_id, external in ((mentor, "UAIG"), (mentee, "UALX")):
            session.add(Identity(user_id=user_id, platform="slack", external_id=external, created_at=START))
    await pair(slack.core, mentor, mentee)


async def _sweep_at(slack: Workspace, moment: dt.datetime) -> None:
    slack.core.clock.set(moment)  # type: ignore[attr-defined]
    await sweep_core(slack.core)
    await slack.settle()


async def test_a_nudge_arrives_in_the_dm_with_one_tap_answers(slack: Workspace) -> None:
    await _silent_pair(slack)
    await _sweep_at(slack, START + 30 * DAY)
    alex = slack.user("UALX", "Alex Example")
    assert "you and Aigerim last caught up" in alex.text(last=1)
    labels = [e["text"]["text"] for _b, e in buttons(alex.messages[-1]["blocks"])]
    assert labels == ["We talked (call/video)", "We talked (chat/e-mail)", "Not yet", "There is a problem"]
    assert slack.user("UAIG", "Aigerim Example").messages  # the mentor is nudged too
    await alex.press("We talked (call/video)")
    assert "logged for today" in alex.text()


async def test_an_escalation_reaches_the_staff_channel_and_is_taken_there(slack: Workspace) -> None:
    await _silent_pair(slack)
    for days in (30, 60, 90):
        await _sweep_at(slack, START + days * DAY)
    escalation = slack.fake.messages["CSTAFF"][-1]
    assert "No contact logged" in block_text(escalation["blocks"])
    sam = slack.user("USTAFF", "Sam Career")
    await sam.press("I'll take it", channel="CSTAFF")
    assert escalation.get("edited") and "Taken by Sam Career" in block_text(escalation["blocks"])
    olly = slack.user("UOLLY", "Olly Outsider")
    await olly.press("Close the pair", channel="CSTAFF")
    # The core answers a refusal where the button was pressed: in the staff channel, nothing changed.
    assert "career team only" in block_text(slack.fake.messages["CSTAFF"][-1]["blocks"])
    assert olly.messages == [] and "Taken by Sam Career" in block_text(escalation["blocks"])
