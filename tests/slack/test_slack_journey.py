"""The whole mentorship, start to end, through Slack: signed requests in, Web API calls out."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from storage.models import ContactLog, MentorshipRequest, Pair, Report
from tests.slack.driver import Workspace, buttons
from tests.slack.journeys import approve_mentor, mentor_profile_by_modal, student_profile_by_modal


async def test_app_home_shows_a_mentor_the_request_waiting_with_accept_and_decline(slack: Workspace) -> None:
    zhanna = slack.user("UZH", "Zhanna Abenova")
    alex = slack.user("UAL", "Alex Kim")
    await mentor_profile_by_modal(zhanna)
    await approve_mentor(slack.core, "Zhanna Abenova")
    await student_profile_by_modal(alex)
    await alex.slash("browse")
    await alex.press("Interested")
    await alex.submit({"message": "Hi Zhanna, I'd love help with my CV."})

    response = await zhanna.open_home()
    assert response.status == 200
    published = slack.fake.called("views.publish")[-1]
    assert published["user_id"] == "UZH" and published["view"]["type"] == "home"
    home = zhanna.home_text()
    assert "Your mentor profile: Approved" in home
    assert "*Alex Kim* would like you as their mentor" in home
    assert "I'd love help with my CV" in home
    actions = {e["text"]["text"]: e["value"] for _b, e in buttons(zhanna.home["blocks"])}
    async with slack.core.sessions() as session:
        request = await session.scalar(select(MentorshipRequest))
    assert actions["Accept"] == f"req.acc|{request.id}" and actions["Decline"] == f"req.dec|{request.id}"
    await alex.open_home()
    assert "waiting for Zhanna Abenova" in alex.home_text()
    assert "Browse mentors" in [e["text"]["text"] for _b, e in buttons(alex.home["blocks"])]
    ids = [e["action_id"] for _b, e in buttons(zhanna.home["blocks"])]
    assert len(ids) == len(set(ids))  # every button its own action_id

    # Accepting from the Home tab: the match, the agreement modal, and the tab shows the new state.
    await zhanna.press("Accept", home=True)
    assert zhanna.modal is not None and zhanna.modal["title"]["text"].startswith("Your mentorship agreem")
    assert "Alex Kim" in zhanna.home_text() and "agreeing how you'll work together" in zhanna.home_text()
    assert "would like you as their mentor" not in zhanna.home_text()


async def test_the_whole_lifecycle_through_slack(slack: Workspace) -> None:
    zhanna = slack.user("UZH", "Zhanna Abenova")
    alex = slack.user("UAL", "Alex Kim")
    sam = slack.user("USTAFF", "Sam Career")  # on the career team (STAFF_IDS)

    # Profile: the mentor's form in a modal; the career team hears of it in its channel and approves.
    await mentor_profile_by_modal(zhanna)
    assert "waiting for approval: Zhanna Abenova" in slack.staff_text()
    # The career team's own buttons in its channel are answered there, for the whole team to see.
    await sam.press("See mentors waiting", channel="CSTAFF")
    await sam.press("Approve", channel="CSTAFF")
    assert "Did Zhanna Abenova attend the orientation?" in slack.staff_text()
    await sam.press("Yes — approve", channel="CSTAFF")
    decided = slack.fake.messages["CSTAFF"][-1]
    assert decided.get("edited") and "Approved: Zhanna Abenova" in block_text_of(decided)
    assert sam.messages == []  # nothing of it in Sam's own DM
    assert "approved your mentor profile" in zhanna.text(last=1)

    # Browse and Interested: the student's message goes in a modal, the mentor gets it as a DM.
    await student_profile_by_modal(alex)
    await alex.slash("browse")
    assert "Zhanna Abenova" in alex.text(last=1)
    await alex.press("Interested")
    await alex.submit({"message": "Hi Zhanna, I'd love help with my CV."})
    assert "Sent!" in alex.text(last=1)
    assert "Alex would like you as their mentor" in zhanna.text(last=1)

    # Accept: the request message is edited in place, contact details are shared, the agreement opens.
    request_message = zhanna.messages[-1]
    await zhanna.press("Accept")
    assert request_message.get("edited") and "You accepted Alex's request" in block_text_of(request_message)
    assert "alex@example.com" in zhanna.text()
    assert "zhanna@example.com" in alex.text()
    await zhanna.submit(
        {"goals": "A CV ready by March", "contact_method": "Video", "frequency": "Monthly", "principles": "yes"}
    )
    assert "Please read it and confirm" in alex.text(last=1)
    await alex.press("I agree")
    assert "confirmed by you both" in alex.text() and "confirmed by you both" in zhanna.text()

    # Log: typed in plain words after the slash command.
    slack.core.clock.advance(dt.timedelta(days=3))
    await alex.slash("log met yesterday on zoom")
    async with slack.core.sessions() as session:
        logged = await session.scalar(select(ContactLog))
    assert logged is not None and logged.happened_on == dt.date(2026, 1, 14)
    await zhanna.open_home()
    assert "last contact 14 Jan 2026" in zhanna.home_text()

    # Log from the Home tab: a date picker (a future date is refused in place), then private notes.
    await zhanna.press("Log a contact", home=True)
    assert zhanna.modal_fields()[:2] == ["happened_on", "method"]
    picker = next(b for b in zhanna.modal["blocks"] if b.get("block_id") == "happened_on")["element"]
    assert picker["type"] == "datepicker"
    await zhanna.submit({"happened_on": "2026-02-01", "method": "Video", "notes": "Went through the CV."})
    assert "in the future" in zhanna.modal_errors["happened_on"]
    await zhanna.submit({"happened_on": "2026-01-15", "method": "Video", "notes": "Went through the CV."})
    assert zhanna.modal_fields() == ["private"]  # asked only now that there are notes
    await zhanna.submit({"private": "Yes"})
    assert zhanna.modal is None
    async with slack.core.sessions() as session:
        mine = await session.scalar(select(ContactLog).where(ContactLog.happened_on == dt.date(2026, 1, 15)))
    assert mine is not None and mine.private and mine.notes == "Went through the CV."

    # End: a reason, a confirmation naming the consequence, then both sides and staff are told.
    await zhanna.slash("end")
    await zhanna.press("reached our goals")
    assert "This can't be undone" in zhanna.text(last=1)
    await zhanna.press("Yes, end it")
    assert "has ended" in zhanna.text(last=1)
    assert "Zhanna Abenova has ended your mentorship" in alex.text(last=1)
    assert "Mentorship ended: Zhanna Abenova (mentor) and Alex Kim (student)" in slack.staff_text()
    async with slack.core.sessions() as session:
        pair = await session.scalar(select(Pair))
    assert pair.status == "ended"

    # Report: in a modal; the career team sees it in its channel and on its Home tab.
    await alex.slash("report")
    await alex.submit({"text": "My mentor ended things abruptly."})
    assert "Only they can read it" in alex.text(last=1)
    assert "My mentor ended things abruptly." in slack.staff_text()
    async with slack.core.sessions() as session:
        report = await session.scalar(select(Report))
    assert report.status == "open"
    await sam.open_home()
    home = sam.home_text()
    assert "Mentors: 1 approved, 0 waiting for approval. Students: 1." in home
    assert "1 open report." in home and "My mentor ended things abruptly." in home
    await sam.press("I'll take it", home=True)
    async with slack.core.sessions() as session:
        report = await session.scalar(select(Report))
    assert report.status == "taken"


def block_text_of(message: dict) -> str:  # type: ignore[type-arg]
    return " ".join(b.get("text", {}).get("text", "") for b in message["blocks"] if isinstance(b.get("text"), dict))
