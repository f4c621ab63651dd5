"""STAFF_IDS is who the career team is: naming someone makes them staff, removing them takes it away."""

from __future__ import annotations

from bot.app import create_core
from bot.config import load_settings
from bot.core.clock import ManualClock
from bot.core.events import Actor, Event


async def _staff_answer(database_url: str, clock: ManualClock, staff_ids: str, who: Actor) -> str:
    core = await create_core(load_settings(database_url=database_url, staff_ids=staff_ids, _env_file=None), clock)
    try:
        replies = await core.handle(Event(actor=who, kind="command", command="pending"))
        return replies[0].text
    finally:
        await core.close()


async def test_removing_someone_from_staff_ids_takes_their_rights_away(database_url: str, clock: ManualClock) -> None:
    sam = Actor("telegram", "7001", "7001", "Sam Career")
    assert "career team only" not in await _staff_answer(database_url, clock, "telegram:7001", sam)
    # The next start, without Sam in STAFF_IDS: refused, as anyone else would be.
    assert "career team only" in await _staff_answer(database_url, clock, "", sam)
    assert "career team only" in await _staff_answer(database_url, clock, "telegram:7002", sam)


async def test_the_terminal_demo_team_keeps_its_rights(database_url: str, clock: ManualClock) -> None:
    # The terminal has no sign-in (anyone can /as anyone), so its demo staff are not STAFF_IDS' business.
    sam = Actor("console", "sam", "sam", "Sam")
    assert "career team only" not in await _staff_answer(database_url, clock, "console:sam", sam)
    assert "career team only" not in await _staff_answer(database_url, clock, "", sam)
