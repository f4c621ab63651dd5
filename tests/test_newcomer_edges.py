"""Rough edges a newcomer meets while creating a profile: a lone number is not taken as a name, "3rd year" is
a year of study, contact details that could reach nobody are asked again, and every programme offers "Other"
as an industry."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from bot.core.clock import ManualClock
from bot.programme import load_programme
from storage.models import Identity, MenteeProfile, Pair, User
from tests.lifecycle_support import START, zhanna_and_alex
from tests.support import Harness
from tests.test_requests import add_mentor, add_student, send


async def _student_form(harness: Harness) -> None:
    lena = harness.person("lena")
    await lena.say("/start")
    await lena.press("I'm a student")


async def test_a_number_alone_is_not_a_name_or_a_programme(harness: Harness) -> None:
    await _student_form(harness)
    lena = harness.person("lena")
    assert "That's only a number: please answer in words." in await lena.say("2")
    assert "What's your full name?" in lena.text  # asked again
    assert "What do you study?" in await lena.say("Lena Petrova 2")
    assert "That's only a number" in await lena.say("2015")
    assert "Which year of study are you in?" in await lena.say("BA International Relations")


@pytest.mark.parametrize(("typed", "year"), [("3rd year", 3), ("year 4", 4), ("2", 2), ("3 курс", 3)])
async def test_a_year_of_study_may_be_written_in_words(harness: Harness, typed: str, year: int) -> None:
    await _student_form(harness)
    lena = harness.person("lena")
    await lena.say("Lena Petrova")
    await lena.say("BA International Relations")
    assert "What would you like a mentor to help you with?" in await lena.say(typed)
    # The answer is kept with the form until the profile is saved: finish it and read the year back.
    await lena.say("Find an internship in diplomacy.")
    await lena.press("Continuing education")
    await lena.press("Done")
    await lena.press("Skip")  # topics
    await lena.press("Skip")  # industries
    await lena.press("English")
    await lena.press("Done")
    assert "How should your match reach you?" in lena.text
    await lena.say("lena@example.org")
    await lena.press("Save")
    async with harness.core.sessions() as session:
        user = await session.scalar(select(User).join(Identity).where(Identity.external_id == "lena"))
        assert user is not None and user.name == "Lena Petrova"
        profile = await session.get(MenteeProfile, user.id)
        assert profile is not None and profile.year_of_study == year


@pytest.mark.parametrize(
    ("typed", "told"),
    [
        ("lena@gmail", "'lena@gmail' doesn't look like an e-mail address"),
        ("write to me", "Please write an e-mail address or a phone number"),
    ],
)
async def test_contact_details_that_reach_nobody_are_asked_again(harness: Harness, typed: str, told: str) -> None:
    await _student_form(harness)
    lena = harness.person("lena")
    for answer in ("Lena Petrova", "BA International Relations", "4", "Find an internship in diplomacy."):
        await lena.say(answer)
    await lena.press("Continuing education")
    await lena.press("Done")
    await lena.press("Skip")
    await lena.press("Skip")
    await lena.press("English")
    await lena.press("Done")
    assert told in await lena.say(typed)
    assert "How should your match reach you?" in lena.text
    assert "Telegram @lena_p or +7 701 123 4567" in await lena.say("Telegram @lena_p or +7 701 123 4567")
    assert "You're all set, Lena!" in await lena.press("Save")


@pytest.mark.parametrize("name", ["university", "career", "last_year"])
def test_every_programme_offers_other_as_an_industry(name: str) -> None:
    assert load_programme(name).industries[-1] == "Other"


async def test_a_request_whose_student_left_says_so_on_the_mentors_old_button(harness: Harness) -> None:
    core = harness.core
    mentor = await add_mentor(core, "aigerim")
    request = await send(core, await add_student(core, "alex"), mentor)
    alex, aigerim = harness.person("alex"), harness.person("aigerim")
    await alex.say("/forget")
    await alex.press("Delete my data")
    answer = await aigerim.press_data("req.acc", str(request))
    assert "That request is no longer there: the student may have left the programme." in answer


async def test_words_after_requests_are_not_silently_ignored(harness: Harness) -> None:
    await add_student(harness.core, "alex")
    said = await harness.person("alex").say("/requests banana")
    assert "/requests needs no words after it, so I left out 'banana'." in said
    assert "You have no requests waiting." in said


async def test_after_a_mentorship_ends_the_commands_say_it_ended_and_history_stays(
    harness: Harness, clock: ManualClock
) -> None:
    clock.set(START + dt.timedelta(days=40))
    ids = await zhanna_and_alex(harness.core)
    async with harness.core.sessions() as session, session.begin():
        pair = await session.get(Pair, ids.pair)
        assert pair is not None
        pair.status, pair.ended_at, pair.end_reason = "ended", START + dt.timedelta(days=30), "achieved"
    zhanna, alex = harness.person("zhanna"), harness.person("alex")
    for command in ("/end", "/goals", "/log met yesterday", "/meet Friday 10:00"):
        said = await zhanna.say(command)
        assert "Your mentorship with Alex Kim ended on 11 February 2026." in said, command
        assert "You don't have a mentee yet" not in said
    assert "/mentors shows the mentors with a free place" in await alex.say("/goals")
    assert "Your mentorship with Zhanna Abenova has ended; nothing was logged in it." in await alex.say("/history")


async def test_the_step_counter_keeps_its_total_through_the_form(harness: Harness) -> None:
    await _student_form(harness)
    lena = harness.person("lena")
    seen = [lena.text]
    for answer in ("Lena Petrova", "BA International Relations", "4", "Find an internship in diplomacy."):
        seen.append(await lena.say(answer))
    seen.append(await lena.press("Continuing education"))
    seen.append(await lena.press("Done"))  # the topics question appears now that an area is chosen
    seen.append(await lena.press("Skip"))
    totals = {
        line.rsplit(" of ", 1)[1] for text in seen for line in text.splitlines() if "Your student profile ·" in line
    }
    assert len(totals) == 1, totals
