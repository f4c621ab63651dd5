"""A student and an alumnus create their profiles by chatting; bad answers are refused and asked again."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from bot.app import create_core
from bot.config import load_settings
from storage.models import FormProgress, MenteeProfile, MentorProfile, User
from tests.support import Harness

MENTOR_ANSWERS = [
    "Zhanna Abenova",
    "BSc Physics",
    "2015",
    "Product manager",
    "Kaspi.kz",
]


async def fill_mentor_profile(person, capacity: str = "2") -> None:  # type: ignore[no-untyped-def]
    await person.say("/start")
    await person.press("alumn")
    for answer in MENTOR_ANSWERS:
        await person.say(answer)
    await person.press("Software and IT")
    await person.say("Kazakhstan")
    await person.say("2015-2020 analyst at EY, since then product manager.")
    await person.say("Launched the savings feature.")
    await person.press("Skip")
    await person.press("Job search")
    await person.press("Networking")
    await person.press("Done")
    await person.press("CV review")
    await person.press("Done")
    await person.press("English")
    await person.press("Done")
    await person.press("Video")
    await person.say("zhanna@example.com")
    await person.press(capacity)
    assert "please check before I save it" in person.text  # every answer shown once more, then saved
    await person.press("Save")


async def fill_mentee_profile(person) -> None:  # type: ignore[no-untyped-def]
    await person.say("/start")
    await person.press("student")
    await person.say("Alex Kim")
    await person.say("BSc Computer Science")
    await person.say("3")
    await person.say("Find a first job in software.")
    await person.press("Job search")
    await person.press("Done")
    await person.press("Done")  # no particular topics: optional
    await person.press("Software and IT")
    await person.press("Done")
    await person.press("English")
    await person.press("Done")
    await person.say("alex@example.com")
    assert "please check before I save it" in person.text
    await person.press("Save")


async def test_alumnus_builds_mentor_profile_and_awaits_approval(harness: Harness) -> None:
    zhanna = harness.person("zhanna")
    await fill_mentor_profile(zhanna)
    assert "Your mentor profile is saved" in zhanna.text
    assert "orientation" in zhanna.text

    async with harness.core.sessions() as session:
        user = await session.scalar(select(User).where(User.name == "Zhanna Abenova"))
        profile = await session.get(MentorProfile, user.id)
    assert user.role == "alumnus"
    assert profile.status == "awaiting_approval"
    assert profile.graduation_year == 2015
    assert profile.industry == "Software and IT"
    assert set(profile.areas) == {"jobs", "networking", "jobs.cv"}
    assert profile.languages == ["English"]
    assert profile.capacity == 2
    assert "waiting for approval: Zhanna Abenova" in harness.staff_text()

    shown = await zhanna.say("/profile")
    assert "Zhanna Abenova" in shown and "Kaspi.kz" in shown
    assert "Job search (CV review), Networking" in shown
    assert "zhanna@example.com" in shown  # your own contact details, to you
    assert "Waiting for the career team's approval" in shown


async def test_student_builds_profile_then_sees_it(harness: Harness) -> None:
    alex = harness.person("alex")
    await fill_mentee_profile(alex)
    assert "You're all set, Alex" in alex.text
    shown = await alex.say("/profile")
    assert "BSc Computer Science year 3" in shown
    assert "Find a first job in software." in shown
    assert "Software and IT" in shown


async def test_invalid_answer_is_explained_and_asked_again(harness: Harness) -> None:
    alex = harness.person("alex")
    await alex.say("/start")
    await alex.press("student")
    await alex.say("Alex Kim")
    await alex.say("BA Economics")
    reply = await alex.say("third")
    assert "Please write a whole number" in reply
    assert "Which year of study are you in?" in reply  # the same question again
    reply = await alex.say("12")
    assert "from 1 to 8" in reply
    reply = await alex.say("3")
    assert "What would you like a mentor to help you with?" in reply
    async with harness.core.sessions() as session:
        progress = await session.scalar(select(FormProgress))
    assert progress.answers["year_of_study"] == 3


async def test_multiple_choice_toggles_and_needs_one(harness: Harness) -> None:
    alex = harness.person("alex")
    await alex.say("/start")
    await alex.press("student")
    for answer in ("Alex", "BA", "2", "Grow"):
        await alex.say(answer)
    assert "Which areas" in alex.text
    await alex.press("Done")
    assert "at least one" in alex.text
    await alex.press("Networking")
    assert alex.last[0].edit  # toggling edits the same message
    assert any(b.label == "✓ Networking" for row in alex.last[0].buttons for b in row)
    await alex.press("✓ Networking")  # untick
    assert not any(b.label.startswith("✓") for row in alex.last[0].buttons for b in row)
    typed = await alex.say("1, 4")  # typed numbers work too
    assert "Anything in particular?" in typed


async def test_back_and_cancel(harness: Harness) -> None:
    alex = harness.person("alex")
    await alex.say("/start")
    await alex.press("student")
    await alex.say("Alex Kim")
    await alex.press("Back")
    assert "full name" in alex.text and "Now: Alex Kim" in alex.text
    await alex.press("Keep")
    assert "What do you study?" in alex.text
    await alex.press("Cancel")
    assert "Nothing was changed" in alex.text
    async with harness.core.sessions() as session:
        assert await session.scalar(select(FormProgress)) is None
        assert await session.scalar(select(MenteeProfile)) is None


async def test_cancelling_an_edit_keeps_the_saved_profile(harness: Harness) -> None:
    alex = harness.person("alex")
    await fill_mentee_profile(alex)
    await alex.say("/profile")
    await alex.press("Edit")
    assert "Now: Alex Kim" in alex.text
    assert "Let's build your profile" not in alex.text  # editing, not starting afresh
    await alex.say("Somebody Else")
    await alex.press("Cancel")
    shown = await alex.say("/profile")
    assert "Alex Kim" in shown and "Somebody Else" not in shown


async def test_editing_keeps_answers_not_changed(harness: Harness) -> None:
    zhanna = harness.person("zhanna")
    await fill_mentor_profile(zhanna)
    await zhanna.say("/profile")
    await zhanna.press("Edit")
    for _ in range(5):
        await zhanna.press("Keep")
    await zhanna.press("Consulting")
    for _ in range(3):
        await zhanna.press("Keep")
    await zhanna.press("Skip")
    await zhanna.press("Done")  # areas as they were
    await zhanna.press("Done")  # topics as they were
    await zhanna.press("Done")  # languages as they were
    await zhanna.press("Phone")
    await zhanna.press("Keep")
    review = await zhanna.press("3")
    assert "Consulting" in review and "Phone" in review  # the changes, shown to check
    await zhanna.press("Save")
    assert "Saved" in zhanna.text
    async with harness.core.sessions() as session:
        profile = await session.scalar(select(MentorProfile))
    assert profile.industry == "Consulting"
    assert profile.capacity == 3
    assert set(profile.areas) == {"jobs", "networking", "jobs.cv"}
    assert profile.status == "awaiting_approval"


async def test_a_stale_button_answers_nothing(harness: Harness) -> None:
    alex = harness.person("alex")
    await alex.say("/start")
    first = await alex.send(
        __import__("bot.core.events", fromlist=["Event"]).Event.command_from_text(alex.actor, "/start")
    )
    await alex.press("student", among=first)
    await alex.say("Alex Kim")
    await alex.say("BA")
    # The 'Back' button of the first question, pressed again now: refused, the current question shown.
    reply = await alex.press_data("f.back", "mentee.0")
    assert "earlier question" in reply
    assert "Which year of study" in reply


async def test_restart_resumes_the_form_where_it_was(harness: Harness, database_url: str, clock) -> None:  # type: ignore[no-untyped-def]
    alex = harness.person("alex")
    await alex.say("/start")
    await alex.press("student")
    await alex.say("Alex Kim")
    await alex.say("BA Economics")
    await harness.core.close()

    settings = load_settings(database_url=database_url, _env_file=None)
    again = await create_core(settings, clock, migrate=False)
    try:
        alex2 = Harness(again).person("alex")
        reply = await alex2.say("/start")
        assert "carry on where you left off" in reply
        assert "Which year of study are you in?" in reply
        reply = await alex2.say("4")
        assert "What would you like a mentor to help you with?" in reply
    finally:
        await again.close()


async def test_whole_form_submission_reports_errors_in_place(harness: Harness) -> None:
    alex = harness.person("alex")
    await alex.say("/start")
    await alex.press("student")
    replies = await alex.submit(
        "mentee",
        {
            "name": "",
            "programme_of_study": "BA",
            "year_of_study": "ten",
            "goals": "x",
            "areas": ["jobs"],
            "languages": ["English"],
            "contact_details": "a@example.com",
        },
    )
    assert replies[0].errors is not None
    assert set(replies[0].errors) == {"name", "year_of_study"}
    async with harness.core.sessions() as session:
        assert await session.scalar(select(MenteeProfile)) is None
    replies = await alex.submit(
        "mentee",
        {
            "name": "Alex",
            "programme_of_study": "BA",
            "year_of_study": "3",
            "goals": "x",
            "areas": ["jobs"],
            "languages": ["English"],
            "contact_details": "a@example.com",
        },
    )
    assert replies[0].errors is None
    assert "You're all set" in alex.text


async def test_pause_and_resume_hide_a_mentor(harness: Harness) -> None:
    zhanna = harness.person("zhanna")
    await fill_mentor_profile(zhanna)
    reply = await zhanna.say("/pause")
    assert "hidden" in reply
    async with harness.core.sessions() as session:
        assert (await session.scalar(select(MentorProfile))).active is False
    reply = await zhanna.say("/resume")
    assert "once the career team approves it" in reply
    async with harness.core.sessions() as session:
        assert (await session.scalar(select(MentorProfile))).active is True


async def test_students_cannot_pause_and_strangers_must_start(harness: Harness) -> None:
    alex = harness.person("alex")
    assert "send /start" in await alex.say("/profile")
    await fill_mentee_profile(alex)
    assert "something mentors do" in await alex.say("/pause")
    assert "something mentors do" in await alex.press_data("profile.pause", "")


async def test_user_text_is_escaped_in_replies(harness: Harness) -> None:
    alex = harness.person("alex")
    await alex.say("/start")
    await alex.press("student")
    await alex.say("<b>Bold</b> & Co")
    await alex.press("Back")
    assert "&lt;b&gt;Bold&lt;/b&gt; &amp; Co" in alex.last[0].text
    assert "<b>Bold</b> & Co" in alex.text  # shown as typed in plain text


async def test_time_zone_by_city_and_refusal(harness: Harness) -> None:
    alex = harness.person("alex")
    assert "Your time zone is UTC" in await alex.say("/timezone")
    assert "now Europe/Berlin" in await alex.say("/timezone berlin")
    reply = await alex.say("/timezone Atlantis")
    assert "I don't know the time zone 'Atlantis'" in reply
    async with harness.core.sessions() as session:
        user = await session.scalar(select(User))
    assert user.timezone == "Europe/Berlin"


async def test_without_orientation_a_new_mentor_is_visible_at_once(database_url: str, clock) -> None:  # type: ignore[no-untyped-def]
    clock.set(dt.datetime(2026, 3, 10, 10, 0, tzinfo=dt.UTC))  # March: the career programme recruits mentors
    settings = load_settings(database_url=database_url, programme="career", _env_file=None)
    app = await create_core(settings, clock, migrate=False)
    try:
        harness = Harness(app)
        zhanna = harness.person("zhanna")
        await fill_mentor_profile(zhanna)
        assert "students can see it now" in zhanna.text
        async with app.sessions() as session:
            profile = await session.scalar(select(MentorProfile))
        assert profile.status == "approved"
        assert harness.staff_text() == ""
    finally:
        await app.close()


async def test_career_team_help_lists_staff_commands_not_a_mentorship(harness: Harness) -> None:
    shown = await harness.person("sam").say("/help")
    assert "For the career team" in shown and "/pending" in shown
    assert "Your mentorship" not in shown and "/profile" not in shown
