"""Links that open the bot at a place (Telegram's t.me/<bot>?start=..., or /start ... typed): sign up as a
student or a mentor straight away, or open a mentor's card and press Interested."""

from __future__ import annotations

from tests.support import Harness
from tests.test_requests import add_mentor, add_student


async def test_sign_up_links_open_the_right_profile_form(harness: Harness) -> None:
    assert "What's your full name?" in await harness.person("lena").say("/start as_student")
    assert "What do you study?" in await harness.person("lena").say("Lena Petrova")
    mentor_form = await harness.person("marat").say("/start as_mentor")
    assert "What's your full name?" in mentor_form


async def test_a_mentors_link_shows_their_card_with_interested_for_a_student(harness: Harness) -> None:
    mentor_id = await add_mentor(harness.core, "dana", full="Dana Sultan")
    await add_student(harness.core, "alex", full="Alex Kim")
    alex = harness.person("alex")
    card = await alex.say(f"/start mentor_{mentor_id}")
    assert "Dana Sultan" in card
    assert "You're writing to Dana Sultan" in await alex.press("Interested")


async def test_a_newcomer_opening_a_mentors_link_is_asked_to_sign_up_first(harness: Harness) -> None:
    mentor_id = await add_mentor(harness.core, "dana", full="Dana Sultan")
    newcomer = harness.person("zara")
    card = await newcomer.say(f"/start mentor_{mentor_id}")
    assert "Dana Sultan" in card and "set up your student profile first" in card
    assert "What's your full name?" in await newcomer.press("I'm a student")


async def test_a_link_to_a_mentor_not_open_to_students_says_so(harness: Harness) -> None:
    paused = await add_mentor(harness.core, "dana", full="Dana Sultan", active=False)
    await add_student(harness.core, "alex")
    said = await harness.person("alex").say(f"/start mentor_{paused}")
    assert "isn't open to students right now" in said and "Dana" not in said
    assert "isn't open to students right now" in await harness.person("alex").say("/start mentor_999999")
