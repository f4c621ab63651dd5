"""The programme's own agreement questions: asked after the common terms and before the principles, kept
with the pair, read back in the agreement both sides confirm, part of "the same terms", and in the data copy.
A programme without them reads as it always did."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select

from bot.app import create_core
from bot.config import load_settings
from bot.core.app import Core
from bot.core.clock import ManualClock
from bot.core.errors import Refusal
from bot.core.forms import FORMS
from bot.programme import load_programme
from bot.services import pairs, privacy
from storage.models import FormProgress, Pair, User
from tests.lifecycle_support import START, add_person
from tests.support import Harness, Person

AVAILABILITY = "When are you both usually available for the interviews (days, times of day)?"


@pytest.fixture
async def core(database_url: str, clock: ManualClock) -> AsyncIterator[Core]:
    settings = load_settings(database_url=database_url, staff_ids="console:sam", programme="last_year", _env_file=None)
    app = await create_core(settings, clock, migrate=False)
    yield app
    await app.close()


async def _matched(harness: Harness) -> tuple[Person, Person, int]:
    """Zhanna (mentor) and Alex (student), just matched: the agreement still to fill in."""
    core = harness.core
    mentor = await add_person(core, "zhanna", "Zhanna Abenova", "alumnus")
    mentee = await add_person(core, "alex", "Alex Kim", "student")
    async with core.sessions() as session, session.begin():
        pair = Pair(mentor_id=mentor, mentee_id=mentee, status="agreeing", contact_interval_days=60, created_at=START)
        session.add(pair)
        await session.flush()
        pair_id = pair.id
    return harness.person("zhanna"), harness.person("alex"), pair_id


async def _fill_in(person: Person, pair_id: int, availability: str) -> None:
    await person.press_data("agr.start", str(pair_id))
    assert "What are your goals and expectations" in person.text and "1 of 5" in person.text
    await person.say("A professional project I can defend by March.")
    await person.press("Video")
    await person.press("Once a month")
    assert AVAILABILITY in person.text and "4 of 5" in person.text  # after the common terms ...
    await person.say(availability)
    assert "Our principles" in person.text and "5 of 5" in person.text  # ... and before the principles
    await person.press("Yes")


async def _pair(harness: Harness, pair_id: int) -> Pair:
    async with harness.core.sessions() as session:
        pair = await session.get(Pair, pair_id)
        assert pair is not None
        return pair


async def test_the_answers_are_kept_and_read_back_in_the_agreement_both_confirm(harness: Harness) -> None:
    zhanna, alex, pair_id = await _matched(harness)
    await _fill_in(zhanna, pair_id, "Tuesday evenings <after 6pm> & Saturdays")
    assert "sent it to Alex to confirm" in zhanna.text
    assert (await _pair(harness, pair_id)).agreement_answers == {
        "availability": "Tuesday evenings <after 6pm> & Saturdays"
    }

    proposal = alex.inbox[-1]
    assert "Zhanna has filled in your mentorship agreement" in alex.inbox_text()
    assert f"{AVAILABILITY} Tuesday evenings <after 6pm> & Saturdays" in alex.inbox_text()
    assert "Tuesday evenings &lt;after 6pm&gt; &amp; Saturdays" in proposal.text  # escaped where it is shown
    text = alex.inbox_text()
    assert text.index("Meeting:") < text.index(AVAILABILITY) < text.index("Principles:")

    await alex.press("I agree", among=alex.inbox)
    assert "confirmed by you both" in alex.text and "Tuesday evenings <after 6pm>" in alex.text
    assert (await _pair(harness, pair_id)).status == "active"
    assert "Tuesday evenings <after 6pm>" in await alex.press_data("agr.start", str(pair_id))


async def test_suggesting_changes_starts_from_the_answers_and_a_change_asks_again(harness: Harness) -> None:
    zhanna, alex, pair_id = await _matched(harness)
    await _fill_in(zhanna, pair_id, "Tuesday evenings")
    first_confirm = next(b for r in alex.inbox for row in r.buttons for b in row if b.action == "agr.ok")

    await alex.press("Suggest changes", among=alex.inbox)
    await alex.press("Keep")  # goals
    await alex.press("Video")
    await alex.press("Once a month")
    assert AVAILABILITY in alex.text and "Now: Tuesday evenings" in alex.text
    await alex.say("Thursday mornings")
    await alex.press("Yes")
    assert "sent it to Zhanna to confirm" in alex.text
    pair = await _pair(harness, pair_id)
    assert pair.status == "agreeing" and pair.mentor_confirmed_at is None  # not the same terms any more
    assert pair.agreement_answers == {"availability": "Thursday mornings"}
    assert "has changed since that message" in await zhanna.press_data(first_confirm.action, first_confirm.payload)

    await zhanna.press("I agree", among=zhanna.inbox)
    assert "confirmed by you both" in zhanna.text and "Thursday mornings" in zhanna.text
    assert (await _pair(harness, pair_id)).status == "active"


async def test_the_same_answers_are_the_same_terms(harness: Harness) -> None:
    zhanna, alex, pair_id = await _matched(harness)
    await _fill_in(zhanna, pair_id, "Tuesday evenings")
    await alex.press("Suggest changes", among=alex.inbox)
    await alex.press("Keep")
    await alex.press("Video")
    await alex.press("Once a month")
    await alex.press("Keep")  # the availability as Zhanna wrote it
    await alex.press("Yes")
    assert "confirmed by you both" in alex.text  # nothing changed, and Zhanna had confirmed it
    assert (await _pair(harness, pair_id)).status == "active"


async def test_the_answers_are_in_the_data_copy(harness: Harness) -> None:
    zhanna, _alex, pair_id = await _matched(harness)
    await _fill_in(zhanna, pair_id, "Tuesday evenings")
    async with harness.core.sessions() as session:
        for user in await session.scalars(select(User)):
            data = privacy.export(session, user, harness.core.clock.now())
            (mentorship,) = (await data)["mentorships"]
            agreement = mentorship["agreement"]
            assert agreement["answers"] == {"availability": "Tuesday evenings"}
            assert agreement["goals_and_expectations"] == "A professional project I can defend by March."
            assert agreement["contact_method"] == "video" and agreement["contact_every_days"] == 30


async def test_a_missing_answer_is_refused_and_changes_nothing(harness: Harness) -> None:
    zhanna, _alex, pair_id = await _matched(harness)
    await zhanna.press_data("agr.start", str(pair_id))
    await zhanna.say("A project.")
    await zhanna.press("Video")
    await zhanna.press("Once a month")
    await zhanna.say("   ")  # a required answer left empty: asked again
    assert "This one is needed" in zhanna.text and AVAILABILITY in zhanna.text
    core = harness.core
    async with core.sessions() as session, session.begin():
        pair, user = await session.get(Pair, pair_id), await session.scalar(select(User).where(User.role == "alumnus"))
        assert pair is not None and user is not None
        with pytest.raises(Refusal, match="answer every question"):
            await pairs.propose_terms(
                session,
                pair,
                user,
                goals="A project.",
                contact_method="video",
                interval_days=30,
                now=core.clock.now(),
                programme=core.programme,
                answers={"availability": ""},
            )
    pair = await _pair(harness, pair_id)
    assert pair.goals == "" and pair.agreement_answers == {} and pair.mentor_confirmed_at is None
    async with core.sessions() as session:
        progress = await session.get(FormProgress, pair.mentor_id)
        assert progress is not None and progress.step == 3  # still at the availability question


async def test_a_programme_without_agreement_questions_keeps_the_common_form() -> None:
    university = load_programme("university")
    assert university.agreement_questions == []
    assert pairs.agreement_form_name(university) == "agree"
    assert [f.name for f in FORMS["agree"].fields] == ["goals", "contact_method", "frequency", "principles"]
    last_year = load_programme("last_year")
    name = pairs.agreement_form_name(last_year)
    assert name != "agree" and name == pairs.agreement_form_name(load_programme("last_year"))
    pair = Pair(goals="A project", contact_method="video", contact_interval_days=30, agreement_answers={})
    before = pairs.terms_tag(pair)
    pair.agreement_answers = {"availability": "Tuesdays"}
    assert pairs.terms_tag(pair) != before
