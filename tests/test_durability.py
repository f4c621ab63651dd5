"""What a power cut can take back on SQLite, and what it cannot.

Every update a platform hands over is on the disk before the platform is told we have it (its commit waits
for the disk: synchronous=FULL). Handling a recorded update commits as far as the operating system
(NORMAL), which survives the bot crashing or being killed; a power cut can take such a commit back, and the
update is then still pending in the inbox and handled again. What the inbox does not hold (a Slack form's
submission, answered in its acknowledgement) has nothing to come back from, so its commit waits for the disk.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import event

from bot.core.app import Core
from bot.core.events import Event, Origin
from bot.core.intake import Recorded
from tests.conftest import PG_URL
from tests.support import Harness

pytestmark = pytest.mark.skipif(bool(PG_URL), reason="PostgreSQL waits for the disk at every commit")

TO_THE_OS, TO_THE_DISK = 1, 2  # what PRAGMA synchronous reads: NORMAL, FULL


def _commits(core: Core) -> list[int]:
    """How far each commit from now on goes, in order (read by the committing connection itself)."""
    levels: list[int] = []

    def on_commit(connection: Any) -> None:
        levels.append(int(connection.exec_driver_sql("PRAGMA synchronous").scalar()))

    event.listen(core.engine.sync_engine, "commit", on_commit)
    return levels


def _help(harness: Harness, key: str, *, recorded: bool) -> Event:
    alex = harness.person("alex")
    origin = Origin("console", alex.name, "private")
    return Event.command_from_text(alex.actor, "/help", update_key=key, recorded=recorded, origin=origin)


async def test_an_update_is_on_the_disk_before_the_platform_hears_we_have_it(harness: Harness) -> None:
    core = harness.core
    commits = _commits(core)

    assert await core.inbox.record("console", [Recorded("u-1", {"text": "/help"})]) == ["u-1"]
    assert commits == [TO_THE_DISK]

    commits.clear()
    (answer,) = await core.answer(_help(harness, "u-1", recorded=True))
    assert "/help" in answer.reply["text"]
    assert commits == [TO_THE_OS]  # a power cut may take it back: u-1 is in the inbox, handled again

    commits.clear()  # the connection that recorded durably commits the next handling to the OS only
    for n in range(2, 6):
        await core.inbox.record("console", [Recorded(f"u-{n}", {"text": "/help"})])
        await core.answer(_help(harness, f"u-{n}", recorded=True))
    assert commits == [TO_THE_DISK, TO_THE_OS] * 4


async def test_what_the_inbox_does_not_hold_is_on_the_disk_when_it_is_answered(harness: Harness) -> None:
    core = harness.core
    commits = _commits(core)

    (answer,) = await core.answer(_help(harness, "form-1", recorded=False))  # as a Slack form's submission
    assert "/help" in answer.reply["text"]
    assert commits == [TO_THE_DISK]

    commits.clear()
    refused = Event.command_from_text(
        harness.person("alex").actor, "/nosuchcommand", update_key="form-2", origin=Origin("console", "alex")
    )
    (answer,) = await core.answer(refused)  # a refusal is recorded in a transaction of its own, as durably
    assert "I don't know /nosuchcommand" in answer.reply["text"]
    assert commits == [TO_THE_DISK]
