"""Profiles on Slack: the form opens as a modal in pages, wrong answers come back in place."""

from __future__ import annotations

from sqlalchemy import select

from storage.models import FormProgress, MentorProfile, User
from tests.slack.driver import Workspace
from tests.slack.journeys import MENTOR_PAGE_1, MENTOR_PAGE_2


async def test_mentor_profile_in_a_modal_with_an_error_shown_in_place(slack: Workspace) -> None:
    zhanna = slack.user("UZH", "Zhanna Abenova")
    await zhanna.slash("start")
    assert "Which are you?" in zhanna.text()

    await zhanna.press("alumn")
    opened = slack.fake.called("views.open")
    assert len(opened) == 1 and opened[0]["trigger_id"].endswith(".UZH.trigger")
    assert zhanna.modal["title"]["text"] == "Your mentor profile"
    assert zhanna.modal_fields()[:3] == ["name", "programme_of_study", "graduation_year"]
    assert len(zhanna.modal_fields()) <= 8  # a long form comes in pages
    assert zhanna.modal["submit"]["text"] == "Next"

    # A graduation year from the future is refused on the field itself, and nothing is saved.
    response = await zhanna.submit({**MENTOR_PAGE_1, "graduation_year": "2099"})
    assert response.json()["response_action"] == "errors"
    assert "from 1950 to" in zhanna.modal_errors["graduation_year"]
    async with slack.core.sessions() as session:
        progress = await session.scalar(select(FormProgress))
        assert progress.form == "mentor" and progress.answers == {}

    await zhanna.submit(MENTOR_PAGE_1)
    assert zhanna.modal is not None and "areas" in zhanna.modal_fields()
    assert "name" not in zhanna.modal_fields()

    await zhanna.submit(MENTOR_PAGE_2)
    # Topics depend on the areas just chosen, so they come on a last page, with those areas' topics only.
    assert zhanna.modal_fields() == ["topics"]
    topics = [o["text"]["text"] for o in zhanna.modal["blocks"][-1]["element"]["options"]]
    assert "CV review" in topics and "graduate applications" not in topics
    assert zhanna.modal["submit"]["text"] == "Save"

    response = await zhanna.submit({"topics": ["CV review"]})
    assert response.json() == {"response_action": "clear"}
    assert zhanna.modal is None
    assert "Your mentor profile is saved" in zhanna.text(last=1)
    assert "waiting for approval: Zhanna Abenova" in slack.staff_text()

    async with slack.core.sessions() as session:
        user = await session.scalar(select(User).where(User.name == "Zhanna Abenova"))
        profile = await session.get(MentorProfile, user.id)
        assert await session.scalar(select(FormProgress)) is None
    assert profile.graduation_year == 2015
    assert set(profile.areas) == {"jobs", "networking", "jobs.cv"}
    assert profile.contact_method == "video"
    assert user.contact_details == "zhanna@example.com"


async def test_editing_a_profile_starts_from_what_is_saved(slack: Workspace) -> None:
    from tests.slack.journeys import mentor_profile_by_modal

    zhanna = slack.user("UZH", "Zhanna Abenova")
    await mentor_profile_by_modal(zhanna)
    await zhanna.slash("profile")
    assert "Kaspi.kz" in zhanna.text(last=1)

    await zhanna.press("Edit")
    name = next(b for b in zhanna.modal["blocks"] if b.get("block_id") == "name")
    assert name["element"]["initial_value"] == "Zhanna Abenova"
    await zhanna.submit({**MENTOR_PAGE_1, "employer": "Halyk Bank"})
    page = {b["block_id"]: b["element"] for b in zhanna.modal["blocks"] if b.get("type") == "input"}
    assert [o["value"] for o in page["areas"]["initial_options"]] == ["jobs", "networking"]
    # The saved areas already have topics, so they come on this page, ticked as saved.
    assert [o["value"] for o in page["topics"]["initial_options"]] == ["jobs.cv"]
    await zhanna.submit({**MENTOR_PAGE_2, "topics": ["CV review", "mock interviews"]})
    assert zhanna.modal is None
    assert "Halyk Bank" in zhanna.text(last=1)


async def test_a_typed_start_offers_a_button_that_opens_the_form(slack: Workspace) -> None:
    alex = slack.user("UAL", "Alex Kim")
    await alex.dm("start")
    await alex.press("student")
    assert alex.modal is not None
    # Closing the modal and typing 'start' again: no trigger in a message, so a button opens the form.
    alex.close_modal()
    await alex.dm("start")
    assert "Tap the button" in alex.text(last=1)
    await alex.press("Open the form")
    # Opened at once while the trigger is fresh, then filled in with the form.
    assert slack.fake.called("views.open")[-1]["view"]["blocks"][0]["text"]["text"] == "One moment…"
    assert slack.fake.called("views.update")[-1]["view_id"] == alex.modal_id
    assert alex.modal is not None and alex.modal["title"]["text"] == "Your student profile"

    # Once the form is done, an old 'Open the form' button says so instead of opening an empty form.
    await alex.submit(
        {
            "name": "Alex Kim",
            "programme_of_study": "BSc CS",
            "year_of_study": "3",
            "goals": "A first job",
            "areas": ["Networking"],
            "languages": ["English"],
            "contact_details": "alex@example.com",
        }
    )
    await alex.submit({"topics": ["where to network"]})
    assert "You're all set" in alex.text(last=1)
    await alex.press("Open the form")
    assert "no form waiting" in alex.modal["blocks"][0]["text"]["text"]


async def test_an_expired_trigger_falls_back_to_a_button_that_opens_the_form(slack: Workspace) -> None:
    alex = slack.user("UAL", "Alex Kim")
    await alex.slash("start")
    slack.fake.fail("views.open", "expired_trigger_id")
    await alex.press("student")
    assert alex.modal is None
    assert "Tap the button" in alex.text(last=1)
    await alex.press("Open the form")
    assert alex.modal is not None and alex.modal["title"]["text"] == "Your student profile"
