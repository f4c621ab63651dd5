"""The career team manages itself from the chat (/staff add, /staff remove, bootstrapped from STAFF_IDS) and
every staff action is in the audit log (/audit): who did what, about whom, when."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from bot.app import create_core
from bot.config import load_settings
from bot.core.app import revoke_former_staff
from bot.core.clock import ManualClock
from bot.core.events import Actor, Event
from bot.services.cases import file_case
from storage.models import AuditEntry, Identity, MentorProfile, User
from tests.lifecycle_support import START, add_person, zhanna_and_alex
from tests.support import Harness


async def _audit(harness: Harness) -> str:
    return await harness.person("sam").say("/audit")


async def test_each_staff_action_is_in_the_audit_log(harness: Harness, clock: ManualClock) -> None:
    clock.set(START)
    sam = harness.person("sam")
    await sam.say("/start")
    erlan = await add_person(harness.core, "erlan", "Erlan Sadykov", "alumnus", status="awaiting_approval")
    await add_person(harness.core, "olzhas", "Olzhas Nurpeisov", "alumnus", status="awaiting_approval")
    await add_person(harness.core, "dana", "Dana Serik", "student")
    ids = await zhanna_and_alex(harness.core)

    await sam.say("/pending")
    await sam.press("Approve", among=[r for r in sam.last if "Erlan" in r.text])
    assert "Approved: Erlan Sadykov" in sam.text
    await sam.say("/pending")
    await sam.press("Reject", among=[r for r in sam.last if "Olzhas" in r.text])
    await sam.say("Please add your current role")
    await sam.say("/match Dana")
    await sam.press("Dana Serik")
    await sam.press("Erlan Sadykov")
    await sam.press("Match them")
    async with harness.core.sessions() as session, session.begin():
        report = await file_case(session, START, kind="escalation", pair_id=ids.pair, text="No contact for 95 days")
    await harness.core.delivery.flush()
    await sam.press("I'll take it", among=harness.transport.staff_chat[-1:])
    await sam.press("Close the pair")
    await sam.press("Yes, close it")
    await sam.say("/export")

    log = await _audit(harness)
    assert "What the career team did, newest first:" in log
    for line in (
        "Sam approved the mentor Erlan Sadykov",
        "Sam did not approve the mentor Olzhas Nurpeisov",
        "Sam matched Dana Serik with Erlan Sadykov",
        f"Sam took case #{report.id} about Alex Kim",
        "Sam ended the mentorship of Alex Kim and Zhanna Abenova",
        "Sam exported the programme's data",
    ):
        assert line in log, line
    assert log.index("exported") < log.index("approved the mentor Erlan")  # newest first
    assert "12 Jan 2026" in log

    about = await harness.person("sam").say("/audit Dana")
    assert "What the career team did about Dana Serik" in about
    assert "matched Dana Serik with Erlan Sadykov" in about and "Olzhas" not in about
    async with harness.core.sessions() as session:
        assert (await session.get(MentorProfile, erlan)).status == "approved"  # type: ignore[union-attr]


async def test_a_refused_action_leaves_no_line(harness: Harness) -> None:
    sam = harness.person("sam")
    await sam.say("/start")
    mentor = await add_person(harness.core, "erlan", "Erlan Sadykov", "alumnus", status="approved")
    await sam.press_data("staff.yes", str(mentor))  # already approved: refused
    await sam.press_data("team.rm", str(mentor))  # not on the team: refused
    assert "Nothing recorded yet." in await _audit(harness)


async def test_staff_add_and_remove_colleagues_and_each_change_is_audited(harness: Harness) -> None:
    sam, aigerim, stranger = harness.person("sam"), harness.person("aigerim"), harness.person("stranger")
    await sam.say("/start")
    await aigerim.say("/start")  # the bot knows her chat account now
    async with harness.core.sessions() as session, session.begin():
        identity = await session.scalar(select(Identity).where(Identity.external_id == "aigerim"))
        assert identity is not None
        identity.username = "aigerim_s"
        (await session.get(User, identity.user_id)).name = "Aigerim Sadykova"  # type: ignore[union-attr]

    assert "Ask them to send /start to the bot first" in await sam.say("/staff add @nobody_here")
    asked = await sam.say("/staff add @aigerim_s")
    assert "Add to the career team? They will see every profile" in asked
    assert "the career team's rights" not in asked
    assert "is for the career team only" in await aigerim.say("/pending")
    await sam.press("Aigerim Sadykova")
    assert "Aigerim Sadykova is on the career team now" in sam.text
    assert "Sam has added you to the career team of the Alumni Mentorship Programme" in (aigerim.inbox_text())
    assert "Nobody is waiting for approval" in await aigerim.say("/pending")
    team = await aigerim.say("/staff")
    assert "Sam (named in the settings)" in team and "Aigerim Sadykova (added in the chat)" in team

    assert "is named in the bot's STAFF_IDS setting" in await aigerim.press_data("team.rm", await _id("sam", harness))
    await aigerim.say("/staff remove Aigerim")
    await aigerim.press("Aigerim Sadykova")
    assert "is no longer on the career team" in aigerim.text
    assert "is for the career team only" in await aigerim.say("/staff")

    log = await _audit(harness)
    assert "Sam added Aigerim Sadykova to the career team" in log
    assert "Aigerim Sadykova removed Aigerim Sadykova from the career team" in log
    await stranger.say("/start")
    for command in ("/staff", "/staff add @aigerim_s", "/audit"):
        assert "is for the career team only" in await stranger.say(command)
    assert "is for the career team only" in await stranger.press_data("team.add", await _id("stranger", harness))
    async with harness.core.sessions() as session:
        assert (await session.get(User, int(await _id("stranger", harness)))).is_staff is False  # type: ignore[union-attr]


async def _id(handle: str, harness: Harness) -> str:
    async with harness.core.sessions() as session:
        return str(await session.scalar(select(Identity.user_id).where(Identity.external_id == handle)))


async def test_the_last_member_cannot_leave_the_team_empty(database_url: str, clock: ManualClock) -> None:
    settings = load_settings(database_url=database_url, staff_ids="", _env_file=None)
    core = await create_core(settings, clock, migrate=False)
    try:
        harness = Harness(core)
        lone = await add_person(core, "lone", "Lone Officer", None)
        async with core.sessions() as session, session.begin():
            user = await session.get(User, lone)
            assert user is not None
            user.is_staff, user.staff_source = True, "chat"
        answer = await harness.person("lone").press_data("team.rm", str(lone))
        assert "The career team can't be left without anyone" in answer
    finally:
        await core.close()


async def test_a_colleague_added_in_the_chat_keeps_the_rights_when_the_bot_restarts(
    database_url: str, clock: ManualClock
) -> None:
    settings = load_settings(database_url=database_url, staff_ids="telegram:1", _env_file=None)
    core = await create_core(settings, clock, migrate=False)
    try:
        founder = Actor(platform="telegram", external_id="1", chat_id="1", display_name="Founder")
        colleague = Actor(platform="telegram", external_id="2", chat_id="2", display_name="Colleague", username="col")
        await core.handle(Event.command_from_text(colleague, "/start"))
        await core.handle(Event.command_from_text(founder, "/staff add @col"))
        answer = await core.handle(Event.command_from_text(founder, "/staff add @col"))
        button = answer[0].buttons[0][0]
        await core.handle(Event(actor=founder, kind="action", action=button.action, payload=button.payload))
        # STAFF_IDS no longer names the founder: they lose the rights; the colleague the founder added keeps them.
        later = load_settings(database_url=database_url, staff_ids="telegram:9", _env_file=None)
        assert await revoke_former_staff(core.sessions, later) == 1
        async with core.sessions() as session:
            staff = {u.name: u.is_staff for u in await session.scalars(select(User))}
            entries = list(await session.scalars(select(AuditEntry)))
        assert staff == {"Founder": False, "Colleague": True}
        assert [e.action for e in entries] == ["staff_add"]
        assert entries[0].at == clock.now() and isinstance(entries[0].at, dt.datetime)
    finally:
        await core.close()
