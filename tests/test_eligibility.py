"""Who may take part as a mentee: a student outside the programme's years is told so right after that answer,
nothing is saved, and they can neither browse nor ask mentors nor be matched; /profile lets them try again."""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

from sqlalchemy import func, select

from bot.core.clock import ManualClock
from bot.programme import load_programme
from bot.services import profiles
from storage.models import FormProgress, Identity, MenteeProfile, User
from tests.programme_support import running, variant
from tests.support import Harness, Person

TURNED_AWAY = "This programme is for students in their last year at the School"


async def start_as_student(person: Person, year: str) -> str:
    await person.say("/start")
    await person.press("student")
    await person.say("Léa Martin")
    await person.say("Grande École programme")
    return await person.say(year)


async def mentee_profiles(harness: Harness) -> int:
    async with harness.core.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(MenteeProfile)) or 0)


async def add_student(harness: Harness, name: str, year: int) -> int:
    """A student profile made before the programme named its years (so its year is one it doesn't take)."""
    now = harness.core.clock.now()
    async with harness.core.sessions() as session, session.begin():
        user = User(name=f"{name.title()} Student", role="student", contact_details=f"{name}@x.org", created_at=now)
        session.add(user)
        session.add(Identity(user=user, platform="console", external_id=name, chat_id=name, created_at=now))
        session.add(
            MenteeProfile(user=user, year_of_study=year, areas=["project"], languages=["French"], updated_at=now)
        )
        await session.flush()
        return user.id


def test_the_policy_names_the_years_or_says_the_programmes_words() -> None:
    last_year = load_programme("last_year")
    assert profiles.may_join_as_mentee(3, last_year) and profiles.may_join_as_mentee(5, last_year)
    refused = profiles.may_join_as_mentee(2, last_year)
    assert not refused and TURNED_AWAY in refused.reason
    university = load_programme("university")
    assert profiles.may_join_as_mentee(1, university)  # no years named: everyone
    assert profiles.years_text([5, 3]) == "years 3 and 5" and profiles.years_text([4]) == "year 4"


async def test_a_second_year_student_is_turned_away_right_after_the_year_and_nothing_is_saved(
    database_url: str, clock: ManualClock
) -> None:
    async with running(database_url, clock, "last_year") as harness:
        lea = harness.person("lea")
        said = await start_as_student(lea, "2")
        assert TURNED_AWAY in said
        assert "Nothing of your profile was saved" in said
        assert "What would you like a mentor to help you with?" not in said  # the form ends there
        assert await mentee_profiles(harness) == 0
        async with harness.core.sessions() as session:
            assert await session.scalar(select(FormProgress)) is None

        assert "Let's finish your student profile first" in await lea.say("/mentors")
        assert "Interested" not in [b.label for r in lea.last for row in r.buttons for b in row]

        again = await lea.say("/profile")  # some months later, in the last year
        assert "What's your full name?" in again
        await lea.say("Léa Martin")
        await lea.say("Grande École programme")
        assert "What would you like a mentor to help you with?" in await lea.say("5")


async def test_an_eligible_student_goes_on_as_usual(database_url: str, clock: ManualClock) -> None:
    async with running(database_url, clock, "last_year") as harness:
        said = await start_as_student(harness.person("lea"), "3")
        assert TURNED_AWAY not in said
        assert "What would you like a mentor to help you with?" in said


async def test_without_the_programmes_words_a_plain_sentence_names_the_years(
    database_url: str, clock: ManualClock, tmp_path: Path
) -> None:
    source = resources.files("bot.programmes").joinpath("last_year.toml").read_text(encoding="utf-8")
    words = re.search(r'turned_away = """.*?"""', source, re.DOTALL)
    assert words is not None
    plain = variant(tmp_path, "last_year", (words.group(0), ""))
    async with running(database_url, clock, plain) as harness:
        said = await start_as_student(harness.person("lea"), "1")
        assert "This programme is for students in years 3 and 5, so you can't join it now." in said
        assert await mentee_profiles(harness) == 0


async def test_a_form_sent_whole_is_turned_away_too(database_url: str, clock: ManualClock) -> None:
    async with running(database_url, clock, "last_year") as harness:
        lea = harness.person("lea")
        await lea.say("/start")
        await lea.press("student")
        values = {
            "name": "Léa Martin",
            "programme_of_study": "Bachelor",
            "year_of_study": "2",
            "goals": "Write my professional project.",
            "areas": ["project"],
            "languages": ["French"],
            "contact_details": "lea@example.com",
            "x_professional_project": "Consulting, because I like problems.",
        }
        await lea.submit("mentee", values)
        assert TURNED_AWAY in lea.text
        assert await mentee_profiles(harness) == 0


async def test_a_student_outside_the_years_can_neither_ask_nor_be_matched(
    database_url: str, clock: ManualClock, tmp_path: Path
) -> None:
    both = variant(tmp_path, "last_year", ('matching = "mentee_chooses"', 'matching = "both"'))
    async with running(database_url, clock, both) as harness:
        student_id = await add_student(harness, "tom", year=2)
        tom, sam = harness.person("tom"), harness.person("sam")
        assert TURNED_AWAY in await tom.say("/mentors")
        refused = await sam.press_data("match.stu", str(student_id))
        assert refused == (
            "Tom Student is in year 2, and this programme is for students in years 3 and 5, so they can't be matched."
        )
        assert "can't be matched" in await sam.press_data("match.ok", f"{student_id}.999")
