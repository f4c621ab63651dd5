"""A student and an alumna set up their profiles through Telegram, buttons and typed answers alike."""

from __future__ import annotations

from sqlalchemy import select

from bot.core.clock import ManualClock
from storage.models import Identity, MenteeProfile, MentorProfile, User
from tests.telegram.conftest import TelegramWorld, TgPerson, make_world
from tests.telegram.fake_api import FakeTelegram


async def fill_mentee(alex: TgPerson) -> None:
    await alex.say("/start")
    await alex.press("student")
    await alex.say("Alex Kim")
    await alex.say("BSc Computer Science")
    await alex.say("3")
    await alex.say("Find a first job in software.")
    await alex.press("Job search")
    await alex.press("Done")
    await alex.press("Done")  # no particular topics: optional
    await alex.press("Software and IT")
    await alex.press("Done")
    await alex.press("English")
    await alex.press("Done")
    await alex.say("alex@example.com")
    assert "please check before I save it" in alex.text
    await alex.press("Save")


async def fill_mentor(zhanna: TgPerson, capacity: str = "2") -> None:
    await zhanna.say("/start")
    await zhanna.press("alumn")
    for answer in ("Zhanna Abenova", "BSc Physics", "2015", "Product manager", "Kaspi.kz"):
        await zhanna.say(answer)
    await zhanna.press("Software and IT")
    await zhanna.say("Kazakhstan")
    await zhanna.say("2015-2020 analyst at EY, since then product manager.")
    await zhanna.say("Launched the savings feature.")
    await zhanna.press("Skip")
    await zhanna.press("Job search")
    await zhanna.press("Networking")
    await zhanna.press("Done")
    await zhanna.press("CV review")
    await zhanna.press("Done")
    await zhanna.press("English")
    await zhanna.press("Done")
    await zhanna.press("Video")
    await zhanna.say("zhanna@example.com")
    await zhanna.press(capacity)
    assert "please check before I save it" in zhanna.text
    await zhanna.press("Save")


async def test_student_sets_up_a_profile_through_telegram(world: TelegramWorld) -> None:
    alex = world.person(5001, "Alex", "Kim", "alexk")
    reply = await alex.say("/start")
    assert "Hello, Alex!" in reply
    start = alex.since[-1]
    assert start.method == "sendMessage" and start.params["parse_mode"] == "HTML"
    assert {b["text"] for b in start.buttons} == {"I'm a student", "I'm an alumnus / alumna"}

    await fill_mentee(alex)
    assert "You're all set, Alex" in alex.text
    shown = await alex.say("/profile")
    assert "BSc Computer Science year 3" in shown and "Software and IT" in shown

    async with world.core.sessions() as session:
        identity = await session.scalar(select(Identity).where(Identity.platform == "telegram"))
        profile = await session.scalar(select(MenteeProfile))
    assert identity.external_id == "5001" and identity.chat_id == "5001" and identity.username == "alexk"
    assert profile is not None and profile.year_of_study == 3


async def test_alumna_sets_up_a_profile_and_staff_chat_hears_of_it(world: TelegramWorld) -> None:
    zhanna = world.person(5002, "Zhanna")
    await fill_mentor(zhanna)
    assert "Your mentor profile is saved" in zhanna.text
    async with world.core.sessions() as session:
        user = await session.scalar(select(User).where(User.name == "Zhanna Abenova"))
        profile = await session.get(MentorProfile, user.id)
    assert profile.status == "awaiting_approval" and set(profile.areas) == {"jobs", "networking", "jobs.cv"}
    # The career team's group gets the approval request, with buttons to act.
    assert "waiting for approval: Zhanna Abenova" in world.staff_text()


async def test_a_restart_mid_form_carries_on_where_it_was(
    fake: FakeTelegram, database_url: str, clock: ManualClock
) -> None:
    core, world = await make_world(fake, database_url, clock)
    await world.start()
    alex = world.person(5001, "Alex")
    await alex.say("/start")
    await alex.press("student")
    await alex.say("Alex Kim")
    await world.stop()
    await core.close()

    core, world = await make_world(fake, database_url, clock)  # the bot comes back up
    await world.start()
    try:
        alex = world.person(5001, "Alex")
        assert "What do you study?" in await alex.say("/start")
        assert "Which year of study" in await alex.say("BA Economics")
    finally:
        await world.stop()
        await core.close()
