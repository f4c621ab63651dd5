"""The student's and the mentor's journeys as people walk them, in the orders people really take:
a mentor answering late, a form left half-filled while something else happened, a second try."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from storage.models import ContactLog, FormProgress, Identity, MentorProfile, Pair
from tests.lifecycle_support import START, PairIds, add_person, zhanna_and_alex
from tests.support import Harness
from tests.test_requests import MESSAGE, add_mentor, add_student, send


async def _form_of(harness: Harness, name: str) -> str | None:
    """The form a console person is in the middle of, if any."""
    async with harness.core.sessions() as session:
        identity = await session.scalar(select(Identity).where(Identity.external_id == name))
        assert identity is not None
        progress = await session.get(FormProgress, identity.user_id)
        return progress.form if progress else None


async def _just_matched(harness: Harness) -> PairIds:
    """Zhanna (mentor) and Alex (student) matched a moment ago: no agreement yet."""
    core = harness.core
    mentor = await add_person(core, "zhanna", "Zhanna Abenova", "alumnus")
    mentee = await add_person(core, "alex", "Alex Kim", "student")
    async with core.sessions() as session, session.begin():
        pair = Pair(mentor_id=mentor, mentee_id=mentee, status="agreeing", created_at=START)
        session.add(pair)
        profile = await session.get(MentorProfile, mentor)
        assert profile is not None
        profile.active_mentees += 1
        await session.flush()
        return PairIds(pair.id, mentor, mentee)


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


async def test_a_request_form_whose_mentor_paused_meanwhile_closes_kindly(harness: Harness) -> None:
    core = harness.core
    await add_mentor(core, "aigerim")
    await add_student(core, "alex")
    alex, aigerim = harness.person("alex"), harness.person("aigerim")
    await alex.say("/mentors")
    await alex.press("Interested")
    await aigerim.say("/pause")  # while Alex is still writing

    reply = await alex.say(MESSAGE)
    assert "Aigerim has paused mentoring for now" in reply
    assert await _form_of(harness, "alex") is None  # not stuck answering a question that can't succeed
    assert "Browse mentors" in [b.label for r in alex.last for row in r.buttons for b in row]
    assert "Why this mentor" not in await alex.say("Is anyone there?")


# --- the fit question, the agreement and ending -------------------------------------------------------


async def test_a_mentor_who_says_not_a_good_fit_is_told_their_own_place_frees_up(harness: Harness) -> None:
    ids = await zhanna_and_alex(harness.core)
    zhanna = harness.person("zhanna")
    reply = await zhanna.press_data("fit.no", str(ids.pair))
    assert "Alex's place" not in reply
    assert "your place frees up for another student" in reply
    alex = harness.person("alex")
    assert "Zhanna's place frees up" in await alex.press_data("fit.no", str(ids.pair))


async def test_ending_closes_the_other_sides_half_filled_agreement(harness: Harness) -> None:
    ids = await _just_matched(harness)
    zhanna, alex = harness.person("zhanna"), harness.person("alex")
    await zhanna.press_data("agr.edit", str(ids.pair))
    await zhanna.say("A CV ready by March")
    assert await _form_of(harness, "zhanna") == "agree"

    await alex.say("/end")
    await alex.press("right fit")
    await alex.press("Yes, end it")
    assert await _form_of(harness, "zhanna") is None
    reply = await zhanna.say("Thanks, see you soon")
    assert "How would you like to meet" not in reply and "agreement" not in reply


async def test_confirming_by_button_closes_ones_own_unfinished_agreement_form(harness: Harness) -> None:
    ids = await _just_matched(harness)
    zhanna, alex = harness.person("zhanna"), harness.person("alex")
    await zhanna.press_data("agr.start", str(ids.pair))  # as Accept does: the form opens, she leaves it
    assert await _form_of(harness, "zhanna") == "agree"
    await alex.press_data("agr.edit", str(ids.pair))
    await alex.say("A CV ready by March and two mock interviews")
    await alex.press("Video")
    await alex.press("Once a month")
    await alex.press("Yes")
    await zhanna.press("I agree", among=zhanna.inbox)
    assert "confirmed by you both" in zhanna.text

    assert await _form_of(harness, "zhanna") is None
    assert "How would you like to meet" not in await zhanna.say("Thanks, see you soon")


# --- the contact log --------------------------------------------------------------------------------


async def test_a_contact_before_the_mentorship_began_is_refused_in_one_line_and_step_by_step(
    harness: Harness,
) -> None:
    harness.core.clock.set(START + dt.timedelta(days=30))  # type: ignore[attr-defined]
    ids = await zhanna_and_alex(harness.core)  # matched on 12 January 2026
    alex = harness.person("alex")

    reply = await alex.say("/log 2 January by phone")
    assert "before your mentorship began on 12 January 2026" in reply
    assert "e.g. /log met yesterday" in reply or "For example" in reply

    await alex.say("/log")
    reply = await alex.say("2 January")
    assert "before your mentorship began" in reply
    assert "When did you talk?" in reply  # asked again, nothing saved
    await alex.say("yesterday")
    await alex.press("Phone call")
    await alex.press("Skip")
    assert "Logged: phone call with Zhanna Abenova" in alex.text
    async with harness.core.sessions() as session:
        days = list(await session.scalars(select(ContactLog.happened_on).where(ContactLog.pair_id == ids.pair)))
    assert days == [dt.date(2026, 2, 10)]


async def test_a_mentor_who_declined_is_not_offered_or_asked_again_soon(harness: Harness) -> None:
    core = harness.core
    aigerim_id = await add_mentor(core, "aigerim", full="Aigerim Sadykova")
    await add_mentor(core, "daniyar", full="Daniyar Bekov", areas=("education",))
    alex_id = await add_student(core, "alex")
    request = await send(core, alex_id, aigerim_id)
    aigerim, alex = harness.person("aigerim"), harness.person("alex")
    await aigerim.press_data("req.dec", str(request))
    await aigerim.press("Skip")

    cards = await alex.say("/mentors")
    assert "Aigerim Sadykova" not in cards and "Daniyar Bekov" in cards
    refused = await alex.press_data("req.new", str(aigerim_id))  # an old card's Interested
    assert "Aigerim can't take you on at the moment" in refused
    assert await _form_of(harness, "alex") is None

    core.clock.advance(dt.timedelta(days=91))  # type: ignore[attr-defined]
    assert "Aigerim Sadykova" in await alex.say("/mentors")


async def test_a_mentor_who_was_full_can_be_asked_again_once_a_place_frees(harness: Harness) -> None:
    core = harness.core
    aigerim_id = await add_mentor(core, "aigerim", full="Aigerim Sadykova", capacity=1)
    dana_id, alex_id = await add_student(core, "dana"), await add_student(core, "alex")
    first = await send(core, dana_id, aigerim_id)
    await send(core, alex_id, aigerim_id)
    aigerim, alex = harness.person("aigerim"), harness.person("alex")
    await aigerim.press_data("req.acc", str(first))  # Alex's request is answered 'full' for her
    await aigerim.say("/end")
    await aigerim.press("circumstances")
    await aigerim.press("Yes, end it")
    assert "Aigerim Sadykova" in await alex.say("/mentors")
    assert "You're writing to Aigerim Sadykova" in await alex.press("Interested")


async def test_a_mentor_who_ended_it_as_not_the_right_fit_is_not_offered_again_soon(harness: Harness) -> None:
    ids = await zhanna_and_alex(harness.core)
    zhanna, alex = harness.person("zhanna"), harness.person("alex")
    await zhanna.press_data("fit.no", str(ids.pair))
    await zhanna.press("Yes, end it")
    reply = await alex.say("/mentors")
    assert "Zhanna Abenova" not in reply
    assert "Zhanna can't take you on at the moment" in await alex.press_data("req.new", str(ids.mentor))


# --- privacy, pausing -------------------------------------------------------------------------------


async def test_privacy_names_the_career_team_as_a_proper_bullet(harness: Harness) -> None:
    await add_student(harness.core, "alex")
    reply = await harness.person("alex").say("/privacy")
    assert "• The career team: sees who is matched with whom" in reply


async def test_pausing_mentions_the_students_still_waiting_for_an_answer(harness: Harness) -> None:
    core = harness.core
    mentor = await add_mentor(core, "aigerim")
    await send(core, await add_student(core, "alex"), mentor)
    aigerim = harness.person("aigerim")
    reply = await aigerim.say("/pause")
    assert "Your profile is hidden" in reply
    assert "1 student is still waiting for your answer" in reply
    assert "Alex would like you as their mentor" in await aigerim.press("Requests waiting for me")


async def test_an_agreement_to_meet_in_person_reads_naturally(harness: Harness) -> None:
    ids = await _just_matched(harness)
    alex = harness.person("alex")
    await alex.press_data("agr.start", str(ids.pair))
    await alex.say("A CV ready by March and two mock interviews")
    await alex.press("In person")
    await alex.press("Once a month")
    reply = await alex.press("Yes")
    assert "Meeting: once a month; preferred way: in person" in reply
    assert "by in person" not in reply


async def test_a_mentor_who_cancels_the_agreement_can_pick_it_up_from_the_match_message(harness: Harness) -> None:
    core = harness.core
    mentor = await add_mentor(core, "aigerim")
    request = await send(core, await add_student(core, "alex"), mentor)
    aigerim = harness.person("aigerim")
    await aigerim.press_data("req.acc", str(request))
    match = list(aigerim.last)
    assert "What are your goals and expectations" in aigerim.text

    reply = await aigerim.say("/cancel")
    assert "you can fill in the agreement later from the match message" in reply
    assert "What are your goals and expectations" in await aigerim.press("Fill in the agreement", among=match)


async def test_welcome_back_leads_to_what_is_waiting(harness: Harness) -> None:
    core = harness.core
    mentor = await add_mentor(core, "aigerim")
    first = await send(core, await add_student(core, "alex"), mentor)
    await send(core, await add_student(core, "dana"), mentor)
    aigerim, alex = harness.person("aigerim"), harness.person("alex")
    reply = await aigerim.say("/start")
    assert "2 students are waiting for your answer." in reply
    assert "Dana would like you" in await aigerim.press("Requests waiting for me")

    await aigerim.press_data("req.acc", str(first))
    await aigerim.say("/cancel")
    assert "Your agreement with Aigerim is waiting for you." in await alex.say("/start")
    assert "What are your goals and expectations" in await alex.press("Our agreement")


async def test_after_the_thank_you_note_a_student_without_a_mentor_can_browse_again(harness: Harness) -> None:
    await zhanna_and_alex(harness.core)
    alex = harness.person("alex")
    await alex.say("/end")
    await alex.press("reached our goals")
    await alex.press("Yes, end it")
    await alex.press("Write a thank-you note")
    reply = await alex.say("Thank you for all your advice!")
    assert "Sent to Zhanna" in reply
    assert "/mentors shows who has a free place" in reply
    assert "Browse mentors" in [b.label for r in alex.last for row in r.buttons for b in row]


async def test_the_same_talk_logged_twice_is_kept_once(harness: Harness) -> None:
    harness.core.clock.set(START + dt.timedelta(days=2))  # type: ignore[attr-defined]
    ids = await zhanna_and_alex(harness.core)
    zhanna = harness.person("zhanna")
    await zhanna.say("/log met yesterday on zoom")
    reply = await zhanna.say("/log met yesterday on zoom")
    assert "already in your log" in reply
    await zhanna.say("/log phone call yesterday")  # another way of talking is another contact
    await harness.person("alex").say("/log met yesterday on zoom")  # each side may log it
    async with harness.core.sessions() as session:
        logged = await session.scalar(select(func.count(ContactLog.id)).where(ContactLog.pair_id == ids.pair))
    assert logged == 3


async def test_a_matched_student_hears_what_became_of_their_other_requests(harness: Harness) -> None:
    core = harness.core
    aigerim_id = await add_mentor(core, "aigerim", full="Aigerim Sadykova")
    daniyar_id = await add_mentor(core, "daniyar", full="Daniyar Bekov")
    alex_id = await add_student(core, "alex")
    first = await send(core, alex_id, aigerim_id)
    await send(core, alex_id, daniyar_id)
    await harness.person("aigerim").press_data("req.acc", str(first))
    alex = harness.person("alex")
    assert "Your other request (to Daniyar Bekov) is closed now" in alex.inbox_text()

    reply = await alex.say("/requests")
    assert "You have a mentor, Aigerim Sadykova" in reply
    assert "press Interested" not in reply


async def test_suggesting_changes_shows_the_current_choices(harness: Harness) -> None:
    ids = await _just_matched(harness)
    zhanna, alex = harness.person("zhanna"), harness.person("alex")
    await zhanna.press_data("agr.start", str(ids.pair))
    await zhanna.say("A CV ready by March")
    await zhanna.press("Video")
    await zhanna.press("Once a month")
    await zhanna.press("Yes")
    await alex.press("Suggest changes", among=alex.inbox)
    await alex.press("Keep")
    labels = [b.label for r in alex.last for row in r.buttons for b in row]
    assert "✓ Video" in labels and "Phone" in labels
    await alex.press("✓ Video")  # keeping it is one tap
    assert "✓ Once a month" in [b.label for r in alex.last for row in r.buttons for b in row]


async def test_ending_closes_a_half_written_note_on_one_of_its_goals(harness: Harness) -> None:
    await zhanna_and_alex(harness.core)
    zhanna, alex = harness.person("zhanna"), harness.person("alex")
    await alex.say("/goals")
    await alex.press("Add a goal")
    await alex.press("Short term")
    await alex.say("Send my CV to three companies")
    await zhanna.say("/goals")
    await zhanna.press("1. Send my CV")
    await zhanna.press("Comment")
    assert await _form_of(harness, "zhanna") == "goalnote"

    await alex.say("/end")
    await alex.press("reached our goals")
    await alex.press("Yes, end it")
    assert await _form_of(harness, "zhanna") is None


async def test_a_reason_for_declining_a_request_withdrawn_meanwhile_closes_the_form(harness: Harness) -> None:
    core = harness.core
    mentor = await add_mentor(core, "aigerim")
    request = await send(core, await add_student(core, "alex"), mentor)
    aigerim, alex = harness.person("aigerim"), harness.person("alex")
    await aigerim.press_data("req.dec", str(request))
    await alex.press_data("req.wd", str(request))
    reply = await aigerim.say("I'm travelling until June, sorry")
    assert "nothing to answer" in reply
    assert await _form_of(harness, "aigerim") is None


async def test_a_student_matched_while_writing_to_another_mentor_is_told_without_a_browse_button(
    harness: Harness,
) -> None:
    core = harness.core
    aigerim_id = await add_mentor(core, "aigerim", full="Aigerim Sadykova")
    await add_mentor(core, "daniyar", full="Daniyar Bekov")
    first = await send(core, await add_student(core, "alex"), aigerim_id)
    alex = harness.person("alex")
    await alex.say("/mentors")
    await alex.press("Next")
    assert "You're writing to Daniyar Bekov" in await alex.press("Interested")
    await harness.person("aigerim").press_data("req.acc", str(first))

    reply = await alex.say(MESSAGE)
    assert "You already have a mentor, Aigerim Sadykova" in reply
    assert [b.label for r in alex.last for row in r.buttons for b in row] == []
    assert await _form_of(harness, "alex") is None


async def test_a_full_mentor_accepting_is_told_in_their_own_words_what_to_do(harness: Harness) -> None:
    core = harness.core
    mentor = await add_mentor(core, "aigerim", capacity=2)
    first = await send(core, await add_student(core, "alex"), mentor)
    second = await send(core, await add_student(core, "dana"), mentor)
    aigerim = harness.person("aigerim")
    await aigerim.press_data("req.acc", str(first))
    async with core.sessions() as session, session.begin():
        profile = await session.get(MentorProfile, mentor)
        assert profile is not None
        profile.capacity = 1  # she lowered her limit in /profile while Dana was waiting

    reply = await aigerim.press_data("req.acc", str(second))
    assert "All your places are taken (1 of 1)" in reply
    assert "Aigerim has no free place" not in reply
    assert "Decline" in reply


async def test_a_student_at_the_request_limit_sees_it_on_the_card_not_after_pressing(harness: Harness) -> None:
    core = harness.core
    alex_id = await add_student(core, "alex")
    for name in ("aigerim", "daniyar", "madina"):
        await send(core, alex_id, await add_mentor(core, name))
    await add_mentor(core, "timur", full="Timur Akhmetov")
    alex = harness.person("alex")
    await alex.say("/mentors")
    for _page in range(4):
        if "Timur Akhmetov" in alex.text:
            break
        await alex.press("Next")
    assert "You have 3 requests waiting, the most at a time" in alex.text
    labels = [b.label for r in alex.last for row in r.buttons for b in row]
    assert "Interested" not in labels and "My requests" in labels


async def test_a_contact_the_day_before_the_match_is_refused_on_the_day_of_the_match(harness: Harness) -> None:
    harness.core.clock.set(START + dt.timedelta(hours=6))  # type: ignore[attr-defined]
    await zhanna_and_alex(harness.core)  # matched on 12 January 2026, this morning
    alex = harness.person("alex")
    assert "before your mentorship began on 12 January 2026" in await alex.say("/log met yesterday by phone")
    assert "Nothing logged with Zhanna Abenova yet" in await alex.say("/history")  # refused: nothing saved
    logged = await alex.say("/log met today by phone")
    assert "Logged: phone call with Zhanna Abenova on Monday 12 January 2026" in logged
