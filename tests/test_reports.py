"""Reports reach the career team with the whole picture; staff take and resolve them; others can't."""

from __future__ import annotations

from sqlalchemy import select

from bot.services.cases import file_case
from storage.models import Report
from tests.lifecycle_support import START, add_person, zhanna_and_alex
from tests.support import Harness


async def test_file_report_posts_the_whole_picture_to_staff(core, harness: Harness) -> None:  # type: ignore[no-untyped-def]
    ids = await zhanna_and_alex(core)
    async with core.sessions() as session, session.begin():
        report = await file_case(
            session, START, kind="report", reporter_id=ids.mentor, pair_id=ids.pair, text="No answer for weeks"
        )
    await core.delivery.flush()
    staff = harness.staff_text()
    assert f"Report #{report.id} · open" in staff
    assert "From: Zhanna Abenova (mentor), zhanna@example.com" in staff
    assert "About: Zhanna Abenova (mentor) and Alex Kim (student), matched on 12 Jan 2026" in staff
    assert "No answer for weeks" in staff
    labels = [b.label for row in harness.transport.staff_chat[-1].buttons for b in row]
    assert labels == ["Take it", "Resolved"]


async def test_student_reports_about_the_mentorship_and_staff_handle_it(harness: Harness) -> None:
    ids = await zhanna_and_alex(harness.core)
    alex, sam, zhanna = harness.person("alex"), harness.person("sam"), harness.person("zhanna")
    await sam.say("/start")  # a member of the career team (STAFF_IDS)
    reply = await alex.say("/report")
    assert "Only the career team reads this" in reply
    await alex.press("My mentorship with Zhanna Abenova")
    await alex.say("My mentor <asked> me for money")
    assert "Thank you for telling us, Alex" in alex.text and "Only they can read it" in alex.text
    assert "From: Alex Kim (student)" in harness.staff_text()
    assert "About: Zhanna Abenova (mentor) and Alex Kim (student)" in harness.staff_text()
    assert "My mentor <asked> me for money" in harness.staff_text()
    assert zhanna.inbox == []  # the other side is not told

    await sam.press("Take it", among=harness.transport.staff_chat)
    assert "being handled" in sam.text and "Being handled by Sam" in sam.text and sam.last[0].edit
    assert "Sam from the career team is looking into" in alex.inbox_text()
    await sam.press("Resolved")
    assert "Resolved by Sam" in sam.text
    async with harness.core.sessions() as session:
        report = await session.scalar(select(Report))
        assert (report.status, report.pair_id, report.reporter_id) == ("resolved", ids.pair, ids.mentee)
    assert "already resolved" in await sam.press_data("rep.resolve", str(report.id))


async def test_anyone_can_report_in_one_line_without_a_mentorship(harness: Harness) -> None:
    guest = harness.person("guest")
    reply = await guest.say("/report The sign-up link on the website is broken")
    assert "Thank you for telling us" in reply
    assert "From: Guest (no profile yet)" in harness.staff_text()
    assert "not about a particular mentorship" in harness.staff_text()


async def test_empty_report_asks_for_words(harness: Harness) -> None:
    await zhanna_and_alex(harness.core)
    alex = harness.person("alex")
    await alex.say("/report")
    await alex.press("Something else")
    reply = await alex.say("   ")
    assert "What's happening?" in reply
    assert harness.staff_text() == ""


async def test_only_staff_take_reports(harness: Harness) -> None:
    ids = await zhanna_and_alex(harness.core)
    alex = harness.person("alex")
    await alex.say("/report Something is off")
    await alex.press("My mentorship with Zhanna")
    async with harness.core.sessions() as session:
        report = await session.scalar(select(Report))
    assert "for the career team only" in await alex.press_data("rep.take", str(report.id))
    assert "for the career team only" in await harness.person("zhanna").press_data("rep.resolve", str(report.id))
    async with harness.core.sessions() as session:
        assert (await session.get(Report, report.id)).status == "open"
    assert report.pair_id == ids.pair


async def test_a_report_cannot_name_someone_elses_mentorship(harness: Harness) -> None:
    ids = await zhanna_and_alex(harness.core)
    await add_person(harness.core, "bob", "Bob Stone", "student")
    bob = harness.person("bob")
    await bob.submit("report", {"about": str(ids.pair), "text": "Made up"})
    async with harness.core.sessions() as session:
        assert await session.scalar(select(Report).where(Report.pair_id == ids.pair)) is None
    assert "Zhanna" not in harness.staff_text() and "Alex" not in harness.staff_text()
