"""The contact log: one-line and step-by-step logging, dates people type, private notes, the fit question."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from bot.core.dates import parse_past_date
from bot.core.errors import Refusal
from bot.services import contacts
from storage.models import ContactLog, MentorProfile, Pair
from tests.lifecycle_support import START, add_pair, add_person, zhanna_and_alex
from tests.support import Harness

UTC = ZoneInfo("UTC")
NOW = dt.datetime(2026, 1, 14, 10, 0, tzinfo=dt.UTC)  # a Wednesday


# --- reading plain words ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "day", "method", "notes"),
    [
        ("met yesterday on zoom", dt.date(2026, 1, 13), "video", ""),
        ("had a call 3 days ago", dt.date(2026, 1, 11), "phone", ""),
        ("coffee last Tuesday, talked about my CV", dt.date(2026, 1, 13), "in_person", "talked about my CV"),
        ("met at the cafe on 12 January", dt.date(2026, 1, 12), "in_person", ""),
        ("emailed today", dt.date(2026, 1, 14), "email", ""),
        ("chatted on telegram yesterday", dt.date(2026, 1, 13), "chat", ""),
        ("teams meeting 2 days ago", dt.date(2026, 1, 12), "video", ""),
        ("we spoke", None, None, ""),
    ],
)
def test_plain_words_give_date_method_and_notes(text: str, day: dt.date | None, method: str | None, notes: str) -> None:
    said = contacts.read_plain_log(text, UTC, NOW)
    assert (said.happened_on, said.method, said.notes) == (day, method, notes)


def test_dates_are_read_in_the_persons_time_zone() -> None:
    late = dt.datetime(2026, 1, 14, 22, 30, tzinfo=dt.UTC)  # already 15 January in Almaty
    assert contacts.read_plain_log("today on zoom", ZoneInfo("Asia/Almaty"), late).happened_on == dt.date(2026, 1, 15)
    assert contacts.read_plain_log("today on zoom", UTC, late).happened_on == dt.date(2026, 1, 14)


def test_future_and_nonsense_dates_are_refused_with_an_example() -> None:
    with pytest.raises(Refusal, match="in the future"):
        contacts.read_plain_log("met tomorrow on zoom", UTC, NOW)
    with pytest.raises(Refusal, match="Try 'yesterday'"):
        contacts.read_plain_log("met blursday on zoom", UTC, NOW)


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=40))
def test_any_text_is_a_past_date_or_a_kind_refusal(text: str) -> None:
    try:
        day = parse_past_date(text, UTC, NOW)
    except Refusal as refusal:
        assert "Try" in refusal.text or "e.g." in refusal.text  # always an example that works
    else:
        assert day <= NOW.date()


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=60))
def test_any_log_sentence_is_read_or_kindly_refused(text: str) -> None:
    try:
        said = contacts.read_plain_log(text, UTC, NOW)
    except Refusal:
        return
    assert said.happened_on is None or said.happened_on <= NOW.date()
    assert said.method is None or said.method in contacts.METHODS


# --- the service --------------------------------------------------------------------------------------


async def test_record_contact_keeps_the_latest_contact_on_the_pair(core) -> None:  # type: ignore[no-untyped-def]
    ids = await zhanna_and_alex(core)
    async with core.sessions() as session, session.begin():
        pair = await session.get(Pair, ids.pair)
        await contacts.record_contact(
            session, pair, author_id=ids.mentee, happened_on=dt.date(2026, 1, 10), method="video", now=NOW
        )
        await contacts.record_contact(  # an older contact logged later does not move it back
            session, pair, author_id=ids.mentor, happened_on=dt.date(2026, 1, 3), method="phone", now=NOW
        )
    async with core.sessions() as session:
        pair = await session.get(Pair, ids.pair)
        assert pair.last_contact_at.date() == dt.date(2026, 1, 10)
        assert await contacts.contact_count(session, ids.pair) == 2


async def test_ended_pairs_and_unknown_methods_are_refused(core) -> None:  # type: ignore[no-untyped-def]
    ids = await zhanna_and_alex(core)
    async with core.sessions() as session, session.begin():
        pair = await session.get(Pair, ids.pair)
        with pytest.raises(Refusal, match="choose how you met"):
            await contacts.record_contact(
                session, pair, author_id=ids.mentee, happened_on=dt.date(2026, 1, 10), method="pigeon", now=NOW
            )
        pair.status = "ended"
        with pytest.raises(Refusal, match="has ended"):
            await contacts.record_contact(
                session, pair, author_id=ids.mentee, happened_on=dt.date(2026, 1, 10), method="video", now=NOW
            )


async def test_private_notes_are_seen_only_by_their_author(core) -> None:  # type: ignore[no-untyped-def]
    ids = await zhanna_and_alex(core)
    async with core.sessions() as session, session.begin():
        pair = await session.get(Pair, ids.pair)
        await contacts.record_contact(
            session,
            pair,
            author_id=ids.mentor,
            happened_on=dt.date(2026, 1, 10),
            method="video",
            notes="Seems anxious about interviews",
            private=True,
            now=NOW,
        )
    async with core.sessions() as session:
        pair = await session.get(Pair, ids.pair)
        from storage.models import User

        mentor, mentee = await session.get(User, ids.mentor), await session.get(User, ids.mentee)
        assert (await contacts.history(session, pair, mentor))[0].notes == "Seems anxious about interviews"
        assert (await contacts.history(session, pair, mentee))[0].notes == ""
        stored = await session.scalar(select(ContactLog))
        assert stored.notes == "Seems anxious about interviews"  # hiding it changed nothing stored


# --- in the chat --------------------------------------------------------------------------------------


async def test_one_line_log_then_both_are_asked_about_the_fit(harness: Harness, clock) -> None:  # type: ignore[no-untyped-def]
    clock.set(NOW)
    await zhanna_and_alex(harness.core)
    alex, zhanna = harness.person("alex"), harness.person("zhanna")
    reply = await alex.say("/log met yesterday on zoom")
    assert "Logged: video call with Zhanna Abenova on Tuesday 13 January 2026" in reply
    assert "Is this a good fit" in alex.inbox_text()
    assert "first conversation with Alex Kim" in zhanna.inbox_text()
    history = await zhanna.say("/history")
    assert "13 Jan 2026 · Video call · logged by Alex" in history

    await alex.say("/log phone call today")  # a second contact asks nothing more
    assert alex.inbox_text().count("good fit") == 1


async def test_log_alone_walks_the_form_with_private_notes(harness: Harness, clock) -> None:  # type: ignore[no-untyped-def]
    clock.set(NOW)
    await zhanna_and_alex(harness.core)
    zhanna, alex = harness.person("zhanna"), harness.person("alex")
    assert "When did you talk?" in await zhanna.say("/log")
    assert "in the future" in await zhanna.say("next friday")
    assert "couldn't read 'soonish'" in await zhanna.say("soonish")
    assert "How did you talk?" in await zhanna.say("last Tuesday")
    await zhanna.press("In person")
    assert "only you will see them" not in zhanna.text and "Any notes?" in zhanna.text
    await zhanna.say("Seems anxious about interviews")
    assert "only you will see them" in zhanna.text
    await zhanna.press("Yes")
    assert "Only you can read the notes" in zhanna.text

    mine = await zhanna.say("/history")
    assert "Seems anxious" in mine and "🔒" in mine
    theirs = await alex.say("/history")
    assert "logged by Zhanna" in theirs and "Seems anxious" not in theirs


async def test_partly_said_log_asks_only_what_is_missing(harness: Harness, clock) -> None:  # type: ignore[no-untyped-def]
    clock.set(NOW)
    await zhanna_and_alex(harness.core)
    alex = harness.person("alex")
    reply = await alex.say("/log we spoke yesterday")
    assert "How did you talk?" in reply and "When did you talk?" not in reply
    await alex.press("Phone")
    await alex.press("Skip")
    assert "Logged: phone call with Zhanna Abenova on Tuesday 13 January 2026" in alex.text


async def test_one_line_nonsense_changes_nothing(harness: Harness, clock) -> None:  # type: ignore[no-untyped-def]
    clock.set(NOW)
    await zhanna_and_alex(harness.core)
    alex = harness.person("alex")
    assert "Try 'yesterday'" in await alex.say("/log met blursday on zoom")
    assert "in the future" in await alex.say("/log met tomorrow on zoom")
    async with harness.core.sessions() as session:
        assert await session.scalar(select(func.count(ContactLog.id))) == 0


async def test_several_mentees_are_asked_which(harness: Harness, clock) -> None:  # type: ignore[no-untyped-def]
    clock.set(NOW)
    ids = await zhanna_and_alex(harness.core)
    other = await add_person(harness.core, "dana", "Dana Lee", "student")
    await add_pair(harness.core, ids.mentor, other)
    zhanna = harness.person("zhanna")
    assert "Which mentorship" in await zhanna.say("/log met yesterday on zoom")
    await zhanna.press("Dana Lee")
    assert "Logged: video call with Dana Lee" in zhanna.text
    # Naming the person in the sentence is enough.
    assert "Logged: phone call with Alex Kim" in await zhanna.say("/log called Alex today")
    assert "Whose history" in await zhanna.say("/history")


async def test_someone_elses_pair_by_payload_is_refused(harness: Harness, clock) -> None:  # type: ignore[no-untyped-def]
    clock.set(NOW)
    ids = await zhanna_and_alex(harness.core)
    await add_person(harness.core, "bob", "Bob Stone", "student")
    bob = harness.person("bob")
    assert "couldn't find that mentorship" in await bob.press_data("log.hist", str(ids.pair))
    assert "couldn't find that mentorship" in await bob.press_data("log.new", str(ids.pair))
    assert "couldn't find that mentorship" in await bob.press_data("fit.end", str(ids.pair))
    assert "don't have a mentor yet" in await bob.say("/log met yesterday on zoom")
    async with harness.core.sessions() as session:
        assert (await session.get(Pair, ids.pair)).status == "active"


async def test_not_a_good_fit_ends_kindly_and_shows_other_mentors(harness: Harness, clock) -> None:  # type: ignore[no-untyped-def]
    clock.set(NOW)
    ids = await zhanna_and_alex(harness.core)
    await add_person(harness.core, "madina", "Madina Omarova", "alumnus")
    alex, zhanna = harness.person("alex"), harness.person("zhanna")
    await alex.say("/log met yesterday on zoom")
    await alex.press("Not really", among=alex.inbox)
    assert "Shall we end your mentorship with Zhanna Abenova?" in alex.text
    await alex.press("Yes, end it")
    assert "has ended" in alex.text
    assert "Madina Omarova" in alex.text  # another mentor at once
    assert "thank-you note" in alex.text
    assert "Alex Kim has ended your mentorship (it wasn't the right fit)" in zhanna.inbox_text()
    assert "Mentorship ended: Zhanna Abenova (mentor) and Alex Kim (student)" in harness.staff_text()
    async with harness.core.sessions() as session:
        pair = await session.get(Pair, ids.pair)
        assert (pair.status, pair.end_reason, pair.fit_confirmed) == ("ended", "chemistry", False)
        assert (await session.get(MentorProfile, ids.mentor)).active_mentees == 0


async def test_a_good_fit_is_recorded(harness: Harness, clock) -> None:  # type: ignore[no-untyped-def]
    clock.set(NOW)
    ids = await zhanna_and_alex(harness.core)
    zhanna = harness.person("zhanna")
    await zhanna.say("/log met yesterday on zoom")
    await zhanna.press("Yes, a good fit", among=zhanna.inbox)
    assert "/goals" in zhanna.text
    async with harness.core.sessions() as session:
        pair = await session.get(Pair, ids.pair)
    assert pair.fit_confirmed is True
    # The talk logged as "yesterday" is the pair's latest contact: 13 January, after the mentorship began.
    assert pair.last_contact_at == dt.datetime(2026, 1, 13, 12, 0, tzinfo=dt.UTC)
    assert START < pair.last_contact_at < NOW
    # That first talk asked both sides whether it is a good fit.
    assert "first conversation with Alex Kim. Is this a good fit for you?" in zhanna.inbox_text()
    assert "first conversation with Zhanna Abenova. Is this a good fit for you?" in harness.person("alex").inbox_text()
