"""Staff /broadcast: whom (buttons), what (their words), a preview exactly as people will read it with who is
reached and who is skipped and why, then Confirm queues one message per person with an audit line, or Cancel
changes nothing."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from bot.core.app import Core
from bot.core.clock import ManualClock
from bot.core.replies import Reply
from bot.platforms.console import to_plain
from bot.services import broadcast
from storage.models import AuditEntry, Identity, Notice, Outbox, User
from tests.scheduler.helpers import pair, person
from tests.support import Harness, Person

LATER = dt.timedelta(minutes=5)  # long enough for every spread-out message of a small broadcast to fall due


async def people(core: Core) -> dict[str, int]:
    """Three mentors (one matched), three students (one matched), and the ones a broadcast skips."""
    ids = {
        "aigerim": await person(core, "aigerim", "alumnus"),
        "bolat": await person(core, "bolat", "alumnus"),
        "chingiz": await person(core, "chingiz", "alumnus", reminders_paused=True),
        "alex": await person(core, "alex", "student"),
        "dana": await person(core, "dana", "student"),
        "erlan": await person(core, "erlan", "student", blocked_bot_at=core.clock.now()),
    }
    await pair(core, ids["aigerim"], ids["alex"])
    async with core.sessions() as session, session.begin():  # known only on a platform this bot doesn't run
        user = User(name="Farida Example", role="student", created_at=core.clock.now())
        session.add(user)
        await session.flush()
        session.add(
            Identity(user_id=user.id, platform="telegram", external_id="42", chat_id="42", created_at=user.created_at)
        )
        ids["farida"] = user.id
    return ids


async def staff(harness: Harness) -> Person:
    sam = harness.person("sam")
    await sam.say("/help")  # the first message makes Sam staff (STAFF_IDS)
    return sam


async def preview(sam: Person, audience: str, text: str) -> str:
    await sam.say("/broadcast")
    await sam.press(audience)
    return await sam.say(text)


async def queued(core: Core) -> dict[int, int]:
    """Outbox messages to people (not answers, not staff), per person."""
    async with core.sessions() as session:
        rows = await session.execute(
            select(Outbox.user_id, func.count(Outbox.id))
            .where(Outbox.user_id.is_not(None), Outbox.chat_id.is_(None))
            .group_by(Outbox.user_id)
        )
        return {int(user_id): int(n) for user_id, n in rows.all()}


async def audit_lines(core: Core) -> list[str]:
    async with core.sessions() as session:
        return list(await session.scalars(select(AuditEntry.detail).where(AuditEntry.action == "broadcast")))


async def test_the_audiences_and_who_each_one_skips(harness: Harness) -> None:
    ids = await people(harness.core)
    running = {"console"}
    async with harness.core.sessions() as session:
        found = {key: await broadcast.audience(session, key, running) for key in broadcast.AUDIENCES}
    assert found["mentors"].reach == [ids["aigerim"], ids["bolat"]]
    assert found["mentors"].skipped == broadcast.Skipped(paused=1)
    assert found["students"].reach == [ids["alex"], ids["dana"]]
    assert found["students"].skipped == broadcast.Skipped(blocked=1, unreachable=1)
    assert sorted(found["everyone"].reach) == sorted([ids["aigerim"], ids["bolat"], ids["alex"], ids["dana"]])
    assert found["everyone"].skipped == broadcast.Skipped(paused=1, blocked=1, unreachable=1)
    assert found["unmatched"].reach == [ids["dana"]]  # Alex has Aigerim
    async with harness.core.sessions() as session:  # Farida is reachable where Telegram runs
        on_telegram = await broadcast.audience(session, "students", {"console", "telegram"})
    assert on_telegram.reach == [ids["alex"], ids["dana"], ids["farida"]]


async def test_the_preview_reads_as_people_will_with_whom_it_reaches_and_skips(harness: Harness) -> None:
    await people(harness.core)
    sam = await staff(harness)
    asked = await sam.say("/broadcast")
    assert "Who should receive it?" in asked
    labels = [b.label for row in sam.last[-1].buttons for b in row]
    assert labels[:4] == ["All mentors", "All students", "Everyone", "Students without a mentor yet"]
    assert "Write it as they will read it" in await sam.press("Everyone")
    shown = await sam.say("Our <b>spring</b> evening & networking: 14 March")
    assert "Your message to everyone, as they will read it:" in shown
    assert "A message from the career team\n\nOur <b>spring</b> evening & networking: 14 March" in shown
    assert "It will reach 4 people." in shown
    assert "Not sent to 3 people:" in shown
    assert "1 has paused reminders" in shown
    assert "1 has left or blocked the bot" in shown
    assert "1 has no chat with the bot that it can reach" in shown
    # Staff's words are shown as typed, never read as markup.
    assert "Our &lt;b&gt;spring&lt;/b&gt; evening &amp; networking" in sam.last[-1].text
    assert [b.label for b in sam.last[-1].buttons[0]] == ["Cancel", "Confirm and send"]  # the safe choice first
    assert await queued(harness.core) == {}  # nothing is sent before Confirm


async def test_the_preview_is_the_message_people_receive(harness: Harness, clock: ManualClock) -> None:
    ids = await people(harness.core)
    sam = await staff(harness)
    await preview(sam, "All mentors", "Hello <mentors> & friends")
    shown = sam.last[-1].text
    await sam.press("Confirm and send")
    clock.advance(LATER)
    await harness.core.delivery.flush()
    received = harness.transport.inbox["aigerim"][-1]
    assert received.text in shown
    assert received.text == "<b>A message from the career team</b>\n\nHello &lt;mentors&gt; &amp; friends"
    assert received.buttons == []
    assert ids["aigerim"] in await queued(harness.core)


async def test_confirm_queues_one_message_per_person_and_writes_the_audit_line(
    harness: Harness, clock: ManualClock
) -> None:
    ids = await people(harness.core)
    sam = await staff(harness)
    await preview(sam, "Everyone", "The spring evening is on 14 March.")
    shown = sam.last
    answer = await sam.press("Confirm and send")
    assert "Sending your message to everyone… 0 of 4" in answer
    assert sam.last[-1].edit  # the preview becomes the progress message
    assert await queued(harness.core) == {ids[name]: 1 for name in ("aigerim", "bolat", "alex", "dana")}
    assert await audit_lines(harness.core) == ["everyone (4 people)"]
    assert "Sam sent a message to everyone (4 people)" in await sam.say("/audit")

    again = await sam.press("Confirm and send", among=shown)  # the same preview's button, pressed again
    assert "has been sent already" in again
    assert await queued(harness.core) == {ids[name]: 1 for name in ("aigerim", "bolat", "alex", "dana")}
    assert len(await audit_lines(harness.core)) == 1

    clock.advance(LATER)
    await harness.core.delivery.flush()
    await harness.core.delivery.flush()  # the result, queued once everything was through
    for name in ("aigerim", "bolat", "alex", "dana"):
        assert [to_plain(r.text) for r in harness.transport.inbox[name]].count(
            "A message from the career team\n\nThe spring evening is on 14 March."
        ) == 1
    for name in ("chingiz", "erlan"):
        assert not any("spring evening" in r.text for r in harness.transport.inbox.get(name, []))
    result = to_plain(harness.transport.inbox["sam"][-1].text)
    assert "Your message to everyone is through: 4 reached." in result
    assert "Not sent to 3 people:" in result
    assert "could not be reached" not in result
    await harness.core.delivery.flush()
    assert len([r for r in harness.transport.inbox["sam"] if "is through" in r.text]) == 1  # told once


async def test_who_receives_it_is_read_again_at_confirmation(harness: Harness, clock: ManualClock) -> None:
    ids = await people(harness.core)
    sam = await staff(harness)
    assert "It will reach 2 people." in await preview(sam, "All students", "Sign up for the CV clinic.")
    gulnar = await person(harness.core, "gulnar", "student")
    async with harness.core.sessions() as session, session.begin():
        dana = await session.get(User, ids["dana"])
        assert dana is not None
        dana.reminders_paused = True
    await sam.press("Confirm and send")
    assert await queued(harness.core) == {ids["alex"]: 1, gulnar: 1}
    assert await audit_lines(harness.core) == ["all students (2 people)"]


async def test_a_person_who_blocks_the_bot_meanwhile_is_counted_as_not_reached(
    harness: Harness, clock: ManualClock
) -> None:
    ids = await people(harness.core)
    sam = await staff(harness)
    await preview(sam, "All mentors", "Thank you for this year!")
    await sam.press("Confirm and send")

    async def refuse(identity: Identity, reply: Reply) -> None:
        if identity.external_id == "bolat":
            from bot.core.delivery import Unreachable

            raise Unreachable("blocked")
        harness.transport.inbox.setdefault(identity.external_id, []).append(reply)

    harness.transport.send_to_user = refuse  # type: ignore[method-assign]
    clock.advance(LATER)
    await harness.core.delivery.flush()
    await harness.core.delivery.flush()
    result = to_plain(harness.transport.inbox["sam"][-1].text)
    assert "Your message to all mentors is through: 1 reached." in result
    assert "1 could not be reached:\n• 1 has left or blocked the bot" in result
    async with harness.core.sessions() as session:
        bolat = await session.get(User, ids["bolat"])
        assert bolat is not None and bolat.blocked_bot_at is not None


async def test_cancel_changes_nothing(harness: Harness) -> None:
    await people(harness.core)
    sam = await staff(harness)
    await preview(sam, "Everyone", "Nobody should get this.")
    buttons = sam.last
    assert "Cancelled. Nothing was sent." in await sam.press("Cancel")
    assert "out of date" in await sam.press("Confirm and send", among=buttons)
    assert await queued(harness.core) == {}
    assert await audit_lines(harness.core) == []
    async with harness.core.sessions() as session:
        assert await session.scalar(select(func.count(Notice.id)).where(Notice.kind == "broadcast")) == 0


async def test_the_form_can_be_left_before_the_preview(harness: Harness) -> None:
    await people(harness.core)
    sam = await staff(harness)
    await sam.say("/broadcast")
    await sam.press("All students")
    assert "Cancelled. Nothing was sent." in await sam.press("Cancel")
    assert await queued(harness.core) == {}


async def test_a_message_too_long_is_refused_kindly_and_asked_again(harness: Harness) -> None:
    await people(harness.core)
    sam = await staff(harness)
    await sam.say("/broadcast")
    await sam.press("All students")
    answer = await sam.say("x" * (broadcast.MAX_TEXT + 1))
    assert "That's a bit long" in answer
    assert "What would you like to tell them?" in answer  # the same question again
    assert "It will reach 2 people." in await sam.say("Short and sweet.")


async def test_nobody_to_reach_offers_nothing_to_confirm(harness: Harness) -> None:
    await person(harness.core, "erlan", "student", blocked_bot_at=harness.core.clock.now())
    sam = await staff(harness)
    shown = await preview(sam, "All students", "Hello?")
    assert "Nobody in all students can be reached now, so there is nothing to send." in shown
    assert "1 has left or blocked the bot" in shown
    assert sam.last[-1].buttons == []


async def test_only_the_career_team_broadcasts(harness: Harness) -> None:
    ids = await people(harness.core)
    sam = await staff(harness)
    await preview(sam, "Everyone", "Staff only.")
    draft = next(b for row in sam.last[-1].buttons for b in row if b.action == "bc.send").payload

    alex = harness.person("alex")
    assert await alex.say("/broadcast") == "That command is for the career team only."
    assert await alex.press_data("bc.send", draft) == "That command is for the career team only."
    assert await queued(harness.core) == {}

    # A colleague added in the chat writes a broadcast, and is taken off the team before confirming it.
    olga_id = await person(harness.core, "olga", "alumnus", is_staff=True, staff_source="chat")
    olga = harness.person("olga")
    await preview(olga, "Everyone", "Not any more.")
    async with harness.core.sessions() as session, session.begin():
        user = await session.get(User, olga_id)
        assert user is not None
        user.is_staff, user.staff_source = False, None
    assert await olga.press("Confirm and send") == "That command is for the career team only."
    assert await queued(harness.core) == {}
    assert await audit_lines(harness.core) == []
    assert ids


async def test_a_forged_or_foreign_payload_is_refused(harness: Harness) -> None:
    await people(harness.core)
    sam = await staff(harness)
    for payload in ("", "abc", "99999", "-1"):
        assert "out of date" in await sam.press_data("bc.send", payload)
    assert await queued(harness.core) == {}
