"""What the career team passes on: /stats with a one-page chart, /surveys that hold back what few people
said, and /export's spreadsheets with no private note in any of them. Nobody else gets any of it."""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass

from PIL import Image
from sqlalchemy import func, select

from bot.core.app import Core
from bot.core.replies import Attachment
from bot.services import charts, recognition, staff
from storage.models import AuditEntry, ContactLog, Goal, MentorProfile, MentorshipRequest, Pair, SurveyResponse
from tests.lifecycle_support import START, add_pair, add_person
from tests.support import Harness

NOW = dt.datetime(2026, 5, 20, 10, 0, tzinfo=dt.UTC)
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PRIVATE_CONTACT = "Alex told me about a family matter"
PRIVATE_ENDING = "Private words about why it ended"
SHARED_CONTACT = "We went through the CV together"


@dataclass
class Scene:
    zhanna: int
    alex: int
    dana: int
    pair_alex: int
    pair_dana: int
    pair_ended: int


async def _scene(core: Core) -> Scene:
    """Zhanna (two active students, one quiet this month), Madina (paused, one agreeing, one ended with a
    private note), Erlan awaiting approval; contacts in January, March and May, one note kept private; four
    requests a mentor could have answered by now, one of them within a week."""
    zhanna = await add_person(core, "zhanna", "Zhanna Abenova", "alumnus")
    madina = await add_person(core, "madina", "Мадина Омарова", "alumnus", capacity=3)
    await add_person(core, "erlan", "Erlan Sadykov", "alumnus", status="awaiting_approval")
    alex = await add_person(core, "alex", "Alex Kim", "student")
    dana = await add_person(core, "dana", "Dana Serik", "student")
    bolat = await add_person(core, "bolat", "Bolat Akhmetov", "student")
    eva = await add_person(core, "eva", "Eva Li", "student")
    await add_person(core, "gul", "Gul Nur", "student")  # still looking for a mentor
    pair_alex = await add_pair(core, zhanna, alex)
    pair_dana = await add_pair(core, zhanna, dana)
    await add_pair(core, madina, bolat, status="agreeing")
    pair_ended = await add_pair(core, madina, eva)
    async with core.sessions() as session, session.begin():
        (await session.get(MentorProfile, madina)).active = False  # type: ignore[union-attr]
        ended = await session.get(Pair, pair_ended)
        assert ended is not None
        ended.status, ended.ended_at, ended.end_reason = "ended", dt.datetime(2026, 4, 1, tzinfo=dt.UTC), "achieved"
        ended.end_note = PRIVATE_ENDING
        for pair, author, day, notes, private in (
            (pair_alex, zhanna, dt.date(2026, 1, 20), "", False),
            (pair_dana, dana, dt.date(2026, 3, 3), SHARED_CONTACT, False),
            (pair_alex, zhanna, dt.date(2026, 5, 4), PRIVATE_CONTACT, True),
            (pair_alex, alex, dt.date(2026, 5, 4), "", False),
        ):
            session.add(
                ContactLog(
                    pair_id=pair,
                    author_id=author,
                    happened_on=day,
                    method="video",
                    notes=notes,
                    private=private,
                    created_at=START,
                )
            )
        session.add(
            Goal(pair_id=pair_alex, author_id=alex, term="short", text="A CV ready", created_at=START, updated_at=START)
        )
        day = dt.timedelta(days=1)
        april = dt.datetime(2026, 4, 1, tzinfo=dt.UTC)
        for student, status, created, answered in (
            (bolat, "accepted", april, april + 2 * day),  # within a week
            (bolat, "declined", april, april + 10 * day),  # answered, but late
            (bolat, "expired", april, april + 14 * day),  # never answered
            (bolat, "pending", april, None),  # waiting for more than a week
            (eva, "pending", NOW - day, None),  # too recent to count yet
            (bolat, "withdrawn", april, april + day),  # the student took it back: left out
        ):
            session.add(
                MentorshipRequest(
                    mentee_id=student, mentor_id=zhanna, status=status, created_at=created, answered_at=answered
                )
            )
    return Scene(zhanna, alex, dana, pair_alex, pair_dana, pair_ended)


async def _answers(core: Core, how_many: int, *, survey: str = "end_of_cycle", role: str = "mentee") -> None:
    """`how_many` more answers to a survey, each from a new student in a mentorship of their own."""
    async with core.sessions() as session:
        already = int(await session.scalar(select(func.count()).select_from(SurveyResponse)) or 0)
    mentor = await add_person(core, f"m{already}", f"Mentor Number{already}", "alumnus", capacity=20)
    for n in range(already, already + how_many):
        student = await add_person(core, f"s{n}", f"Student Number{n}", "student")
        pair = await add_pair(core, mentor, student)
        async with core.sessions() as session, session.begin():
            session.add(
                SurveyResponse(
                    pair_id=pair,
                    user_id=student,
                    survey=survey,
                    role=role,
                    answers={"overall": str(4 + n % 2), "recommend": True, "improve": f"Comment number {n}"},
                    submitted_at=dt.datetime(2026, 4, 2, tzinfo=dt.UTC),
                )
            )


def _check_png(content: bytes) -> tuple[int, int]:
    assert content.startswith(PNG_SIGNATURE)
    with Image.open(io.BytesIO(content)) as image:
        image.verify()
    with Image.open(io.BytesIO(content)) as image:
        assert image.format == "PNG"
        width, height = image.size
    assert 1200 <= width <= 2600 and 700 <= height <= 2000 and width > height  # one landscape page
    return width, height


def _rows(file: Attachment) -> list[list[str]]:
    assert file.mime == "text/csv" and file.filename.endswith("-2026-05-20.csv")
    return list(csv.reader(io.StringIO(file.content.decode("utf-8-sig"))))


# --- /stats ----------------------------------------------------------------------------------------


async def test_stats_sends_the_figures_and_a_chart(harness: Harness, clock) -> None:  # type: ignore[no-untyped-def]
    clock.set(NOW)
    await _scene(harness.core)
    sam = harness.person("sam")
    figures = await sam.say("/stats")
    assert "Mentors: 2 approved (1 paused), 1 awaiting approval, 0 not approved" in figures
    assert "Students: 2 in a mentorship, 1 agreeing terms, 2 looking for a mentor" in figures
    assert "Mentorships: 2 active, 1 agreeing terms, 1 ended" in figures
    assert "Active mentorships without a contact this month: 1" in figures
    assert "Contacts logged this month: 2" in figures
    assert "Requests answered within a week this cycle: 25% (1 of 4)" in figures
    assert "This cycle, January – June 2026" in figures
    assert "Contacts logged per month: Jan 1, Feb 0, Mar 1, Apr 0, May 2" in figures
    assert "Survey scores appear once 5 people have answered" in figures
    (reply,) = sam.last
    chart = reply.attachment
    assert chart is not None and chart.mime == "image/png" and chart.filename == "programme-2026-05-20.png"
    _check_png(chart.content)


async def test_stats_gives_survey_averages_once_five_answered(harness: Harness, clock) -> None:  # type: ignore[no-untyped-def]
    clock.set(NOW)
    await _answers(harness.core, 4)
    assert "Overall, how useful" not in await harness.person("sam").say("/stats")
    await _answers(harness.core, 1)
    figures = await harness.person("sam").say("/stats")
    assert "Students, Overall, how useful was the mentorship? (1 = not at all, 5 = very): 4.4/5 (5 answers)" in figures


async def test_the_figures_come_from_the_service(core: Core) -> None:
    await _scene(core)
    async with core.sessions() as session:
        figures = await staff.stats(session, NOW, dt.UTC, core.programme)
    assert figures.mentors_by_state == {"approved": 1, "paused": 1, "awaiting_approval": 1, "waiting": 0, "rejected": 0}
    assert figures.students_by_state == {"in_mentorship": 2, "agreeing": 1, "looking": 2}
    assert (figures.active_pairs, figures.quiet_pairs) == (2, 1)
    assert (figures.requests_due, figures.requests_answered_in_week, figures.answered_in_week_share) == (4, 1, 25)
    assert [count for _month, count in figures.contacts_by_month] == [1, 0, 1, 0, 2]
    assert figures.period == recognition.current_period(NOW, core.programme)


def test_a_chart_is_one_readable_page_even_with_nothing_to_show(core: Core) -> None:
    empty = staff.Stats({}, 0, 0, {}, 0, 0)
    heading = charts.Heading("Әлия's <programme> & Co", "the programme in numbers", dt.date(2026, 5, 20))
    _check_png(charts.stats_png(empty, heading))


# --- /surveys --------------------------------------------------------------------------------------


async def test_surveys_show_comments_only_once_five_answered(harness: Harness, clock) -> None:  # type: ignore[no-untyped-def]
    clock.set(NOW)
    await _answers(harness.core, 4)
    sam = harness.person("sam")
    summary = await sam.say("/surveys")
    assert "Students (4 answers)" in summary
    assert "What could the programme do better?: comments appear once 5 people have answered" in summary
    assert "Comment number" not in summary
    assert "Overall, how useful was the mentorship? (1 = not at all, 5 = very): 4 answers so far" in summary
    assert all(reply.attachment is None for reply in sam.last)  # no score to draw yet

    await _answers(harness.core, 1)
    summary = await sam.say("/surveys")
    assert "Students (5 answers)" in summary
    assert all(f"Comment number {n}" in summary for n in range(5))
    assert "Overall, how useful was the mentorship? (1 = not at all, 5 = very): 4.4/5 (5 answers)" in summary
    assert "comments appear once 5 people have answered" not in summary.split("Mentors")[0]
    assert "Student Number" not in summary and "Mentor Number" not in summary
    pictures = [reply.attachment for reply in sam.last if reply.attachment is not None]
    assert [(p.filename, p.mime) for p in pictures] == [("survey-end-of-mentorship-2026-05-20.png", "image/png")]
    assert pictures[0].content.startswith(PNG_SIGNATURE)


# --- /export ---------------------------------------------------------------------------------------


async def test_export_sends_every_file_and_no_private_note(harness: Harness, clock) -> None:  # type: ignore[no-untyped-def]
    clock.set(NOW)
    await _scene(harness.core)
    await _answers(harness.core, 5)
    sam = harness.person("sam")
    said = await sam.say("/export")
    assert "keep them within the career team" in said and "nothing anyone kept private" in said
    files = {r.attachment.filename.rsplit("-", 3)[0]: r.attachment for r in sam.last if r.attachment is not None}
    assert len(sam.last) == len(files) == 6  # one file a message
    assert set(files) == {"profiles", "mentorships", "contacts", "goals", "survey-answers", "audit-log"}
    for file in files.values():
        text = file.content.decode("utf-8-sig")
        assert PRIVATE_CONTACT not in text and PRIVATE_ENDING not in text, file.filename

    profiles = _rows(files["profiles"])
    assert profiles[0][:4] == ["Name", "Role", "Status", "Joined"]
    by_name = {row[0]: row for row in profiles[1:]}
    assert len(profiles) - 1 == len(by_name) == 3 + 5 + 1 + 5  # mentors, students, the survey's mentor and students
    assert by_name["Мадина Омарова"][1:3] == ["mentor", "paused"]
    assert by_name["Erlan Sadykov"][2] == "awaiting approval"
    assert by_name["Alex Kim"][1] == "student"

    pairs = _rows(files["mentorships"])
    assert pairs[0][:2] == ["Mentor", "Student"] and len(pairs) - 1 == 4 + 5

    contacts = _rows(files["contacts"])
    assert contacts[0] == ["Mentor", "Student", "Date", "How", "Logged by", "Notes"]
    assert len(contacts) - 1 == 4
    private = [row for row in contacts[1:] if row[2] == "2026-05-04" and row[4] == "mentor"]
    assert private == [["Zhanna Abenova", "Alex Kim", "2026-05-04", "Video call", "mentor", ""]]
    assert ["Zhanna Abenova", "Dana Serik", "2026-03-03", "Video call", "student", SHARED_CONTACT] in contacts

    goals = _rows(files["goals"])
    assert goals == [
        ["Mentor", "Student", "Term", "Goal", "Status", "Set", "Updated"],
        ["Zhanna Abenova", "Alex Kim", "short-term", "A CV ready", goals[1][4], "2026-01-12", "2026-01-12"],
    ]

    answers = _rows(files["survey-answers"])
    assert answers[0][:4] == ["Survey", "Mentorship no.", "Side", "Month"]
    assert len(answers) - 1 == 5
    assert {row[2] for row in answers[1:]} == {"student"} and {row[3] for row in answers[1:]} == {"2026-04"}
    assert sorted(int(row[1]) for row in answers[1:]) == sorted({int(row[1]) for row in answers[1:]})
    text = files["survey-answers"].content.decode("utf-8-sig")
    assert "Student Number" not in text and "Mentor Number" not in text

    audit = _rows(files["audit-log"])
    assert audit[0] == ["When", "Who", "What"]

    async with harness.core.sessions() as session:
        lines = list(await session.scalars(select(AuditEntry).where(AuditEntry.action == "export")))
    assert len(lines) == 1 and "contacts-2026-05-20.csv" in lines[0].detail


async def test_the_audit_log_file_holds_each_export(harness: Harness, clock) -> None:  # type: ignore[no-untyped-def]
    clock.set(NOW)
    sam = harness.person("sam")
    await sam.say("/export")
    await sam.say("/export")
    (log,) = [r.attachment for r in sam.last if r.attachment and r.attachment.filename.startswith("audit-log")]
    rows = _rows(log)
    assert rows[1:] == [["2026-05-20 10:00", "Sam", "exported the programme's data"]]  # the first, written before


async def test_a_survey_side_with_fewer_than_five_answers_is_left_out_of_the_export(harness: Harness, clock) -> None:  # type: ignore[no-untyped-def]
    clock.set(NOW)
    await _answers(harness.core, 5)
    await _answers(harness.core, 2, role="mentor")
    sam = harness.person("sam")
    await sam.say("/export")
    (file,) = [r.attachment for r in sam.last if r.attachment and r.attachment.filename.startswith("survey")]
    rows = _rows(file)
    assert [row[2] for row in rows[1:]] == ["student"] * 5


async def test_reports_are_refused_to_everyone_but_staff(harness: Harness, clock) -> None:  # type: ignore[no-untyped-def]
    clock.set(NOW)
    await _scene(harness.core)
    for name in ("zhanna", "alex", "guest"):
        person = harness.person(name)
        for command in ("/stats", "/export", "/surveys"):
            assert "for the career team only" in await person.say(command), (name, command)
            assert all(reply.attachment is None for reply in person.last)
    async with harness.core.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(AuditEntry)) == 0
