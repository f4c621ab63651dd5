"""The whole mentorship through Telegram, pressing only the buttons the bot sent: profiles, approval in
the staff group, browsing, Interested, Accept, the agreement, a logged contact, a report, the end."""

from __future__ import annotations

from sqlalchemy import select

from storage.models import ContactLog, MentorshipRequest, Pair, Report
from tests.telegram.conftest import TelegramWorld
from tests.telegram.test_profile_journey import fill_mentee, fill_mentor

MESSAGE = "I'd love your advice on my CV for software internships."


async def test_a_whole_mentorship_through_telegram(world: TelegramWorld) -> None:
    zhanna, alex, sam = world.person(5002, "Zhanna"), world.person(5001, "Alex"), world.staff_member()

    # Profiles; the career team approves the mentor from its group.
    await fill_mentor(zhanna)
    await sam.press("See mentors waiting")
    await sam.press("Approve")
    await sam.press("Yes — approve")
    assert "Approved: Zhanna Abenova" in sam.text
    await fill_mentee(alex)

    # Browse, Interested, the request.
    browsing = await alex.say("/mentors")
    assert "Zhanna Abenova" in browsing and "zhanna@example.com" not in browsing
    await alex.press("Interested")
    assert "You're writing to Zhanna" in alex.text
    await alex.say(MESSAGE)
    assert "Sent!" in alex.text
    request_dm = zhanna.inbox()[-1]
    assert "would like you as their mentor" in request_dm.text and MESSAGE in request_dm.text
    assert "alex@example.com" not in request_dm.text

    # Accept edits the request message; contact details are shared only now; the agreement starts.
    request_message, _data = zhanna.find_button("Accept")
    accepted = await zhanna.press("Accept")
    edited = [int(c.params["message_id"]) for c in zhanna.since if c.method == "editMessageText"]
    assert edited == [request_message["message_id"]]  # Accept can't be pressed twice
    assert "You accepted Alex's request" in accepted and "alex@example.com" in accepted
    assert any("Great news, Alex" in c.text and "zhanna@example.com" in c.text for c in alex.inbox())
    await zhanna.say("CV ready by March; two mock interviews.")
    await zhanna.press("Video")
    await zhanna.press("Every 2 weeks")
    await zhanna.press("Yes")
    assert "sent it to Alex to confirm" in zhanna.text
    assert "confirmed by you both" in await alex.press("I agree")

    # A contact logged in plain words; the fit question follows.
    logged = await alex.say("/log met today on zoom")
    assert "Logged: video call with Zhanna Abenova" in logged
    assert any("good fit" in c.text for c in alex.inbox())

    # A report reaches the staff group, where it is taken and resolved.
    await alex.say("/report")
    await alex.press("My mentorship with Zhanna Abenova")
    await alex.say("My mentor <asked> me for money")
    assert "Thank you for telling us, Alex" in alex.text
    assert "My mentor <asked> me for money" in world.staff_text()
    await sam.press("Take it")
    assert "Being handled by Sam" in sam.text
    await sam.press("Resolved")
    assert "Resolved by Sam" in sam.text

    # The end, with a reason and a confirmation; everyone told.
    await alex.say("/end")
    await alex.press("We reached our goals")
    await alex.press("Yes, end it")
    assert "your mentorship with Zhanna Abenova has ended" in alex.text
    assert any("has ended your mentorship" in c.text for c in zhanna.inbox())
    assert "Mentorship ended: Zhanna Abenova (mentor) and Alex Kim (student)" in world.staff_text()

    async with world.core.sessions() as session:
        pair = await session.scalar(select(Pair))
        request = await session.scalar(select(MentorshipRequest))
        report = await session.scalar(select(Report))
        contacts = list(await session.scalars(select(ContactLog)))
    assert pair.status == "ended" and request.status == "accepted" and report.status == "resolved"
    assert len(contacts) == 1
    # Through it all Telegram refused nothing, and every callback fitted in 64 bytes.
    assert [(c.method, c.status) for c in world.fake.calls if not c.ok] == []
    assert all(len(b["callback_data"].encode()) <= 64 for c in world.fake.calls for b in c.buttons)
