"""The programme's own profile questions (the last-year programme asks students for their professional project
and internships, and alumni how they found their first job): asked after the common ones, kept in the
profile's extra, editable, shown on the cards, to the mentor asked and to staff matching, in the data copy."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from bot.core.clock import ManualClock
from bot.services import privacy
from storage.models import FormProgress, MenteeProfile, MentorProfile, User
from tests.programme_support import running, variant
from tests.support import Harness, Person
from tests.test_match import add_staff
from tests.test_profiles import fill_mentee_profile

PROJECT = "Strategy consulting, because I like untangling problems."
STORY = "Through the School's alumni network, at a forum."


async def fill_student(person: Person, *, internships: str | None = None) -> str:
    await person.say("/start")
    await person.press("student")
    await person.say("Léa Martin")
    await person.say("Grande École programme")
    await person.say("5")
    await person.say("Write my professional project.")
    await person.press("Professional project")
    await person.press("Done")
    await person.press("Done")
    await person.press("Consulting")
    await person.press("Done")
    await person.press("French")
    await person.press("Done")
    asked = await person.say("lea@example.com")
    assert "In a few sentences, what is your professional project?" in asked
    assert "You will build on it with your mentor; it can change." in asked  # the question's help
    assert "Skip" not in [b.label for r in person.last for row in r.buttons for b in row]  # it is required
    assert "This one is needed" in await person.say("  ")
    asked = await person.say(PROJECT)
    assert "Which internships or experiences connect with this project?" in asked
    await (person.press("Skip") if internships is None else person.say(internships))
    assert "please check before I save it" in person.text
    return await person.press("Save")


async def fill_alumnus(person: Person, story: str | None) -> str:
    await person.say("/start")
    await person.press("alumn")
    for answer in ("Marc Dubois", "Grande École programme", "2012", "Partner", "Big Consulting"):
        await person.say(answer)
    await person.press("Consulting")
    await person.say("France")
    await person.say("2012-2020 consultant; since 2020 partner.")
    await person.say("Built the energy practice.")
    await person.press("Skip")
    await person.press("Professional project")
    await person.press("Done")
    await person.press("Done")
    await person.press("French")
    await person.press("Done")
    await person.press("Video")
    await person.say("marc@example.com")
    asked = await person.press("2")
    assert "How did you find your first job after the School?" in asked
    await (person.press("Skip") if story is None else person.say(story))
    assert "please check before I save it" in person.text
    return await person.press("Save")


async def extra_of(harness: Harness, model: type) -> dict[str, object]:
    async with harness.core.sessions() as session:
        profile = await session.scalar(select(model))
        assert profile is not None
        return dict(profile.extra)


async def test_a_student_answers_the_programmes_questions_and_sees_them(database_url: str, clock: ManualClock) -> None:
    async with running(database_url, clock, "last_year") as harness:
        lea = harness.person("lea")
        done = await fill_student(lea)
        assert "You're all set, Léa" in done
        assert await extra_of(harness, MenteeProfile) == {"professional_project": PROJECT}  # the optional one skipped
        shown = await lea.say("/profile")
        assert f"In a few sentences, what is your professional project? {PROJECT}" in shown
        assert "internships" not in shown


async def test_editing_starts_from_the_answers_and_saves_them(database_url: str, clock: ManualClock) -> None:
    async with running(database_url, clock, "last_year") as harness:
        lea = harness.person("lea")
        await fill_student(lea, internships="Six months at a consulting firm.")
        await lea.say("/profile")
        await lea.press("Edit")
        async with harness.core.sessions() as session:
            progress = await session.scalar(select(FormProgress))
            assert progress is not None
            assert progress.answers["x_professional_project"] == PROJECT
            assert progress.answers["x_internships"] == "Six months at a consulting firm."
        async with harness.core.sessions() as session:
            user = await session.scalar(select(User).where(User.name == "Léa Martin"))
            assert user is not None
        values = {
            "name": "Léa Martin",
            "programme_of_study": "Grande École programme",
            "year_of_study": "5",
            "goals": "Write my professional project.",
            "areas": ["project"],
            "languages": ["French"],
            "contact_details": "lea@example.com",
            "x_professional_project": "Audit, after all.",
            "x_internships": "",
        }
        await lea.submit("mentee", values)
        assert "Saved, Léa" in lea.text
        assert await extra_of(harness, MenteeProfile) == {"professional_project": "Audit, after all."}
        async with harness.core.sessions() as session:
            data = await privacy.export(session, user, harness.core.clock.now())
        assert data["student_profile"]["extra"] == {"professional_project": "Audit, after all."}


async def test_the_mentors_answer_is_on_the_card_and_the_students_reach_the_mentor_and_staff(
    database_url: str, clock: ManualClock, tmp_path: Path
) -> None:
    both = variant(tmp_path, "last_year", ('matching = "mentee_chooses"', 'matching = "both"'))
    async with running(database_url, clock, both) as harness:
        marc, lea, sam = harness.person("marc"), harness.person("lea"), harness.person("sam")
        assert "students can see it now" in await fill_alumnus(marc, STORY)
        assert await extra_of(harness, MentorProfile) == {"first_job_story": STORY}
        await fill_student(lea, internships="Six months at <a consulting firm>.")

        card = await lea.say("/mentors")
        assert f"How did you find your first job after the School? {STORY}" in card
        await lea.press("Interested")
        await lea.say("I'd love your advice on my professional project.")
        told = marc.inbox_text()
        assert f"In a few sentences, what is your professional project? {PROJECT}" in told
        assert "Which internships or experiences connect with this project? Six months at <a consulting firm>." in told
        assert "&lt;a consulting firm&gt;" in marc.inbox[-1].text  # the student's words, escaped

        await add_staff(harness.core)
        await sam.say("/match")
        shown = await sam.press("Léa Martin")
        assert f"what is your professional project? {PROJECT}" in shown


async def test_an_optional_question_can_be_skipped_and_nothing_shows(database_url: str, clock: ManualClock) -> None:
    async with running(database_url, clock, "last_year") as harness:
        marc = harness.person("marc")
        await fill_alumnus(marc, None)
        assert await extra_of(harness, MentorProfile) == {}
        assert "How did you find your first job" not in await marc.say("/profile")


async def test_other_programmes_ask_nothing_more(harness: Harness) -> None:
    alex = harness.person("alex")
    await fill_mentee_profile(alex)
    assert "You're all set, Alex" in alex.text
