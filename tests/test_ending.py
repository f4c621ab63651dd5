"""Ending a mentorship: a reason, a confirmation naming the consequence, everyone told, a thank-you note."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.core.errors import Refusal
from bot.services.ending import end_pair
from storage.models import MentorProfile, Pair, ThankYouNote, User
from tests.lifecycle_support import START, add_pair, add_person, zhanna_and_alex
from tests.support import Harness
from tests.test_profiles import fill_mentee_profile, fill_mentor_profile


async def test_end_pair_frees_the_place_and_tells_everyone_else(core, harness: Harness) -> None:  # type: ignore[no-untyped-def]
    ids = await zhanna_and_alex(core)
    async with core.sessions() as session, session.begin():
        pair = await session.get(Pair, ids.pair)
        mentor = await session.get(User, ids.mentor)
        await end_pair(
            session, pair, by=mentor, reason="circumstances", note="New job", now=START, programme=core.programme
        )
    await core.delivery.flush()
    async with core.sessions() as session:
        pair = await session.get(Pair, ids.pair)
        assert (pair.status, pair.end_reason, pair.end_note, pair.ended_by) == (
            "ended",
            "circumstances",
            "New job",
            ids.mentor,
        )
        assert (await session.get(MentorProfile, ids.mentor)).active_mentees == 0
    alex = harness.person("alex")
    assert "Zhanna Abenova has ended your mentorship (circumstances changed)" in alex.inbox_text()
    assert "thank-you note" in alex.inbox_text()
    assert harness.person("zhanna").inbox == []  # the one who ended it is answered by the caller
    assert "ended by Zhanna Abenova. Reason: circumstances changed" in harness.staff_text()
    assert "Note: New job" in harness.staff_text()


async def test_ending_twice_or_by_a_stranger_is_refused(core) -> None:  # type: ignore[no-untyped-def]
    ids = await zhanna_and_alex(core)
    stranger_id = await add_person(core, "bob", "Bob Stone", "student")
    async with core.sessions() as session, session.begin():
        pair = await session.get(Pair, ids.pair)
        stranger = await session.get(User, stranger_id)
        with pytest.raises(Refusal, match="isn't one of your mentorships"):
            await end_pair(session, pair, by=stranger, reason="other", note="", now=START, programme=core.programme)
        await end_pair(session, pair, by=None, reason="staff", note="", now=START, programme=core.programme)
        with pytest.raises(Refusal, match="already ended"):
            await end_pair(session, pair, by=None, reason="staff", note="", now=START, programme=core.programme)
    async with core.sessions() as session:
        assert (await session.get(MentorProfile, ids.mentor)).active_mentees == 0  # released once only


async def test_student_ends_with_a_reason_and_thanks_the_mentor(harness: Harness) -> None:
    ids = await zhanna_and_alex(harness.core)
    alex, zhanna = harness.person("alex"), harness.person("zhanna")
    reply = await alex.say("/end")
    assert "Why would you like to end your mentorship with Zhanna Abenova?" in reply
    await alex.press("We reached our goals")
    assert "Zhanna and the career team will be told (the goals were reached)" in alex.text
    assert "Zhanna's place becomes free" in alex.text and "can't be undone" in alex.text
    assert alex.last[0].buttons[0][0].label == "Keep the mentorship"  # the safe choice first
    await alex.press("Yes, end it")
    assert "your mentorship with Zhanna Abenova has ended" in alex.text
    assert "Alex Kim has ended your mentorship (the goals were reached)" in zhanna.inbox_text()
    assert "Your place is free again" in zhanna.inbox_text()
    assert "Mentorship ended: Zhanna Abenova (mentor) and Alex Kim (student), ended by Alex Kim" in (
        harness.staff_text()
    )

    await alex.press("Write a thank-you note")
    assert "Your mentor receives it exactly as you write it" in alex.text
    await alex.say("Thank you for <everything> & more!")
    assert "Sent to Zhanna" in alex.text
    assert "A thank-you note from Alex Kim:\n\nThank you for <everything> & more!" in zhanna.inbox_text()
    async with harness.core.sessions() as session:
        note = await session.scalar(select(ThankYouNote))
        assert (note.author_id, note.recipient_id, note.pair_id) == (ids.mentee, ids.mentor, ids.pair)
        assert (await session.get(MentorProfile, ids.mentor)).active_mentees == 0


async def test_mentor_ends_and_the_student_is_invited_to_thank(harness: Harness) -> None:
    await zhanna_and_alex(harness.core)
    alex, zhanna = harness.person("alex"), harness.person("zhanna")
    await zhanna.say("/end")
    await zhanna.press("My circumstances changed")
    assert "Your place becomes free" in zhanna.text
    await zhanna.press("Yes, end it")
    await alex.press("Write a thank-you note", among=alex.inbox)
    await alex.say("Thanks!")
    assert "Thanks!" in zhanna.inbox_text()
    # Mentors don't write thank-you notes through this button.
    assert "something students do" in await zhanna.press("Write a thank-you note", among=alex.inbox)


async def test_keep_changes_nothing(harness: Harness) -> None:
    ids = await zhanna_and_alex(harness.core)
    alex = harness.person("alex")
    await alex.say("/end")
    await alex.press("Another reason")
    await alex.press("Keep the mentorship")
    assert "nothing was changed" in alex.text
    async with harness.core.sessions() as session:
        assert (await session.get(Pair, ids.pair)).status == "active"


async def test_a_mentor_cannot_end_someone_elses_pair_by_payload(harness: Harness) -> None:
    ids = await zhanna_and_alex(harness.core)
    madina = await add_person(harness.core, "madina", "Madina Omarova", "alumnus")
    dana = await add_person(harness.core, "dana", "Dana Lee", "student")
    await add_pair(harness.core, madina, dana)
    intruder = harness.person("madina")
    assert "couldn't find that mentorship" in await intruder.press_data("end.yes", f"{ids.pair}.other")
    assert "couldn't find that mentorship" in await intruder.press_data("end.why", f"{ids.pair}.other")
    assert "no longer works" in await intruder.press_data("end.yes", f"{ids.pair}.bogus")
    assert "couldn't find that mentorship" in await harness.person("dana").press_data("end.thanks", str(ids.pair))
    async with harness.core.sessions() as session:
        assert (await session.get(Pair, ids.pair)).status == "active"
        assert (await session.get(MentorProfile, ids.mentor)).active_mentees == 1
    assert harness.staff_text() == ""


async def test_several_mentees_choose_which_to_end(harness: Harness) -> None:
    ids = await zhanna_and_alex(harness.core)
    dana = await add_person(harness.core, "dana", "Dana Lee", "student")
    await add_pair(harness.core, ids.mentor, dana)
    zhanna = harness.person("zhanna")
    assert "Which mentorship would you like to end?" in await zhanna.say("/end")
    await zhanna.press("Dana Lee")
    assert "with Dana Lee" in zhanna.text
    await add_person(harness.core, "newbie", "New Student", "student")
    assert "don't have a mentor yet" in await harness.person("newbie").say("/end")


async def test_the_whole_mentorship_in_the_chat(harness: Harness) -> None:
    """Match, agreement, a plain-words log, goals, the end and a thank-you; staff see the end notice."""
    zhanna, alex, sam = harness.person("zhanna"), harness.person("alex"), harness.person("sam")
    await fill_mentor_profile(zhanna)
    await sam.press("See mentors waiting", among=harness.transport.staff_chat)
    await sam.press("Approve")
    await sam.press("Yes — approve")
    await fill_mentee_profile(alex)

    assert "Zhanna Abenova" in await alex.say("/mentors")
    await alex.press("Interested")
    await alex.say("I'd love your advice on my CV.")
    await zhanna.press("Accept", among=zhanna.inbox)
    await zhanna.say("CV ready by March; two mock interviews.")
    await zhanna.press("Video")
    await zhanna.press("Every 2 weeks")
    await zhanna.press("Yes")
    assert "confirmed by you both" in await alex.press("I agree", among=alex.inbox)

    assert "Logged: video call with Zhanna Abenova" in await alex.say("/log met today on zoom")
    await alex.press("Yes, a good fit", among=alex.inbox)
    await alex.say("/goals")
    await alex.press("Add a goal")
    await alex.press("Short term")
    await alex.say("Send my CV to three companies")
    assert "1. ○ Send my CV to three companies — Open" in alex.text

    await alex.say("/end")
    await alex.press("We reached our goals")
    await alex.press("Yes, end it")
    await alex.press("Write a thank-you note")
    await alex.say("Thank you for everything!")
    assert "Thank you for everything!" in zhanna.inbox_text()
    assert "Mentorship ended: Zhanna Abenova (mentor) and Alex Kim (student), ended by Alex Kim" in (
        harness.staff_text()
    )
    async with harness.core.sessions() as session:
        assert (await session.scalar(select(Pair))).status == "ended"
        assert (await session.scalar(select(MentorProfile))).active_mentees == 0


async def test_the_history_of_an_ended_mentorship_stays_readable(harness: Harness) -> None:
    await zhanna_and_alex(harness.core)
    alex, zhanna = harness.person("alex"), harness.person("zhanna")
    await alex.say("/log met today on zoom")
    await alex.say("/end")
    await alex.press("We reached our goals")
    await alex.press("Yes, end it")

    shown = await alex.say("/history")
    assert "Your contacts with Zhanna Abenova" in shown and "video" in shown.lower()
    assert not any(b.label == "Log a contact" for r in alex.last for row in r.buttons for b in row)  # read-only
    assert "Your contacts with Alex Kim" in await zhanna.say("/history")
    # Logging still needs an open mentorship.
    assert "Your mentorship with Zhanna Abenova ended on" in await alex.say("/log met today")
