"""/office: in the last-year programme a student asks the Alumni Career Department for an individual interview;
staff get a request (apart from problem reports) with take and resolve; elsewhere /office points to /report."""

from __future__ import annotations

from sqlalchemy import select

from bot.core.clock import ManualClock
from storage.models import Identity, MenteeProfile, Report, User
from tests.programme_support import running
from tests.support import Harness

LABEL = "an individual interview"


async def add_person(harness: Harness, name: str, role: str) -> int:
    now = harness.core.clock.now()
    async with harness.core.sessions() as session, session.begin():
        user = User(name=f"{name.title()} Martin", role=role, contact_details=f"{name}@school.example", created_at=now)
        session.add(user)
        session.add(Identity(user=user, platform="console", external_id=name, chat_id=name, created_at=now))
        if role == "student":
            session.add(
                MenteeProfile(user=user, year_of_study=5, areas=["project"], languages=["French"], updated_at=now)
            )
        await session.flush()
        return user.id


async def test_a_student_asks_for_an_interview_and_staff_take_and_resolve_it(
    database_url: str, clock: ManualClock
) -> None:
    async with running(database_url, clock, "last_year") as harness:
        await add_person(harness, "lea", "student")
        lea, sam = harness.person("lea"), harness.person("sam")
        assert f"/office — ask for {LABEL}" in await lea.say("/help")

        asked = await lea.say("/office")
        assert f"You're asking the Alumni Career Department for {LABEL}" in asked
        assert "What would you like to talk about in the interview?" in asked
        said = await lea.say("My first job offer <b>and</b> whether to accept it")
        assert f"Your request for {LABEL} is with the Alumni Career Department, who will contact you" in said

        staff = harness.staff_text()
        assert "Request #1 · open" in staff
        assert f"A request for {LABEL} from Lea Martin (student), lea@school.example" in staff
        assert "My first job offer <b>and</b> whether to accept it" in staff  # their words, escaped
        card = harness.transport.staff_chat[-1]
        assert "<b>and</b>" not in card.text and "&lt;b&gt;and&lt;/b&gt;" in card.text
        assert [b.label for row in card.buttons for b in row] == ["Take it", "Resolved"]
        async with harness.core.sessions() as session:
            report = await session.scalar(select(Report))
            assert report is not None and report.kind == "request"

        listed = await sam.say("/office")
        assert "1 request to the office is open" in listed and "Lea Martin" in listed
        stats = await sam.say("/stats")
        assert "Open reports: 0" in stats and "Open requests to the office: 1" in stats

        await sam.press("Take it", among=harness.transport.staff_chat)
        assert "Being handled by Sam" in sam.text
        assert "is looking into what you told us" in lea.inbox_text()
        await sam.press("Resolved")
        assert "No requests to the office are open" in await sam.say("/office")


async def test_the_message_can_come_with_the_command_and_must_say_something(
    database_url: str, clock: ManualClock
) -> None:
    async with running(database_url, clock, "last_year") as harness:
        await add_person(harness, "lea", "student")
        lea = harness.person("lea")
        assert "is with the Alumni Career Department" in await lea.say("/office preparing my interviews")
        await lea.say("/office")
        again = await lea.say("   ")
        assert "This one is needed" in again  # bad input: the same question again, nothing sent
        assert len(harness.transport.staff_chat) == 1


async def test_only_the_roles_the_programme_names_may_ask(database_url: str, clock: ManualClock) -> None:
    async with running(database_url, clock, "last_year") as harness:
        await add_person(harness, "marc", "alumnus")
        marc = harness.person("marc")
        assert "/office" not in await marc.say("/help")
        assert "isn't available to you" in await marc.say("/office")
        assert harness.transport.staff_chat == []


async def test_a_programme_without_it_says_so_and_points_to_report(harness: Harness) -> None:
    await add_person(harness, "alex", "student")
    alex = harness.person("alex")
    assert "/office" not in await alex.say("/help")
    said = await alex.say("/office I'd like an interview")
    assert said == "This programme has no requests of that kind. To reach the career team about anything, use /report."
    assert harness.transport.staff_chat == []
