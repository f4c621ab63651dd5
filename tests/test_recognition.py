"""Staff recognise the most active mentors (with a certificate each cycle), export every mentorship as CSV,
and read an anonymous survey summary; nobody else can."""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from bot.core.app import Core
from bot.core.errors import Refusal
from bot.core.replies import MAX_QUEUED_FILE_BYTES, Attachment, Reply
from bot.services import recognition, reports_export
from bot.services.certificates import CertificateFacts, certificate_file
from storage.models import ContactLog, MentorshipRequest, Notice, Outbox, Pair, SurveyResponse, ThankYouNote
from tests.lifecycle_support import START, add_pair, add_person
from tests.support import Harness

NOW = dt.datetime(2026, 5, 20, 10, 0, tzinfo=dt.UTC)


@dataclass
class Programme:
    zhanna: int
    madina: int
    alex: int
    dana: int
    bolat: int
    erlan: int
    pair_alex: int
    pair_dana: int


async def _log(core: Core, pair: int, author: int, day: dt.date, method: str = "video") -> None:
    async with core.sessions() as session, session.begin():
        session.add(
            ContactLog(
                pair_id=pair, author_id=author, happened_on=day, method=method, notes="We talked", created_at=START
            )
        )


async def _survey(core: Core, pair: int, user: int, role: str, answers: dict[str, object]) -> None:
    async with core.sessions() as session, session.begin():
        session.add(
            SurveyResponse(
                pair_id=pair,
                user_id=user,
                role=role,
                answers=answers,
                submitted_at=dt.datetime(2026, 4, 2, tzinfo=dt.UTC),
            )
        )


async def _programme(core: Core) -> Programme:
    """Zhanna: two students, five contacts (one logged by both sides), quick answers, rated 5 and 4, thanked.
    Madina (Cyrillic name): one student, one contact, a single low rating. Erlan isn't approved; Aigerim has
    done nothing yet."""
    zhanna = await add_person(core, "zhanna", "Zhanna Abenova", "alumnus")
    madina = await add_person(core, "madina", "Мадина Омарова", "alumnus")
    erlan = await add_person(core, "erlan", "Erlan Sadykov", "alumnus", status="awaiting_approval")
    await add_person(core, "aigerim", "Aigerim Nurlanova", "alumnus")
    alex = await add_person(core, "alex", "Alex Kim", "student")
    dana = await add_person(core, "dana", "Dana Serik", "student")
    bolat = await add_person(core, "bolat", "Bolat Akhmetov", "student")
    pair_alex = await add_pair(core, zhanna, alex)
    pair_dana = await add_pair(core, zhanna, dana)
    pair_bolat = await add_pair(core, madina, bolat)
    pair_erlan = await add_pair(core, erlan, bolat, status="agreeing")
    async with core.sessions() as session, session.begin():
        ended = await session.get(Pair, pair_dana)
        assert ended is not None
        ended.status, ended.ended_at, ended.end_reason = "ended", dt.datetime(2026, 4, 1, tzinfo=dt.UTC), "achieved"
        first = await session.get(Pair, pair_alex)
        assert first is not None
        first.cycle_ends_at = dt.datetime(2026, 7, 12, 10, tzinfo=dt.UTC)
        first.last_contact_at = dt.datetime(2026, 3, 3, tzinfo=dt.UTC)
        session.add_all(
            [
                MentorshipRequest(
                    mentee_id=alex,
                    mentor_id=zhanna,
                    status="accepted",
                    created_at=START,
                    answered_at=START + dt.timedelta(hours=5),
                ),
                MentorshipRequest(
                    mentee_id=bolat, mentor_id=madina, status="expired", created_at=START, answered_at=None
                ),
                ThankYouNote(
                    pair_id=pair_dana,
                    author_id=dana,
                    recipient_id=zhanna,
                    text="Thank you!",
                    created_at=dt.datetime(2026, 4, 2, tzinfo=dt.UTC),
                ),
            ]
        )
    for day in (dt.date(2026, 1, 20), dt.date(2026, 2, 18), dt.date(2026, 3, 3)):
        await _log(core, pair_alex, zhanna, day)
    await _log(core, pair_alex, alex, dt.date(2026, 3, 3))  # the same talk, logged by the student too
    await _log(core, pair_dana, dana, dt.date(2026, 2, 1), "phone")
    await _log(core, pair_dana, zhanna, dt.date(2026, 3, 1), "in_person")
    await _log(core, pair_bolat, madina, dt.date(2026, 2, 10))
    await _log(core, pair_erlan, erlan, dt.date(2026, 2, 10))
    await _log(core, pair_alex, zhanna, dt.date(2025, 6, 1))  # more than a cycle before the period: not counted
    await _survey(
        core,
        pair_alex,
        alex,
        "mentee",
        {"overall": "5", "contact": "4", "goals_met": True, "recommend": True, "improve": "More meetups"},
    )
    await _survey(
        core,
        pair_dana,
        dana,
        "mentee",
        {"overall": "4", "contact": "3", "goals_met": False, "recommend": True, "improve": "An app for scheduling"},
    )
    await _survey(
        core, pair_bolat, bolat, "mentee", {"overall": "2", "contact": "2", "goals_met": False, "recommend": False}
    )
    await _survey(
        core,
        pair_alex,
        zhanna,
        "mentor",
        {
            "overall": "5",
            "contact": "5",
            "goals_met": True,
            "mentee_engaged": "5",
            "again": True,
            "improve": "Alex Kim was great, more like him",
        },
    )
    return Programme(zhanna, madina, alex, dana, bolat, erlan, pair_alex, pair_dana)


# --- the ranking ------------------------------------------------------------------------------------


async def test_most_active_mentors_are_ranked_with_reasons(core: Core) -> None:
    ids = await _programme(core)
    period = recognition.current_period(NOW, core.programme)
    assert (period.start, period.end, period.key) == (
        dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
        dt.datetime(2026, 7, 1, tzinfo=dt.UTC),
        "2026-01",
    )
    assert period.label() == "January – June 2026"
    async with core.sessions() as session:
        ranked = await recognition.mentor_activity(session, period)
    assert [m.user_id for m in ranked] == [ids.zhanna, ids.madina]  # not the unapproved, not the idle
    zhanna, madina = ranked
    assert (zhanna.contacts, zhanna.mentees, zhanna.thanks, zhanna.rating) == (5, 2, 1, 4.5)
    # 5 contacts + 2x2 students + 2 thanks + 2 quick answers + (4.5 - 3) x 2 ratings
    assert zhanna.score == 16
    assert zhanna.explain() == "5 contacts with 2 students, answers within a day, rated 4.5/5, 1 thank-you note"
    assert madina.rating is None  # a single rating would be one student's answer
    assert madina.explain() == "1 contact with 1 student, no requests answered, 1 rating (not shown alone)"
    assert madina.score == 3


async def test_a_mentorship_running_into_this_cycle_keeps_its_early_contacts(core: Core) -> None:
    mentor = await add_person(core, "zhanna", "Zhanna Abenova", "alumnus")
    student = await add_person(core, "alex", "Alex Kim", "student")
    pair = await add_pair(core, mentor, student)  # together since January, still running in August
    await _log(core, pair, mentor, dt.date(2026, 5, 20))
    await _log(core, pair, mentor, dt.date(2026, 8, 3))
    period = recognition.current_period(dt.datetime(2026, 8, 10, tzinfo=dt.UTC), core.programme)
    assert period.label() == "July – December 2026"
    async with core.sessions() as session:
        (ranked,) = await recognition.mentor_activity(session, period)
    assert (ranked.contacts, ranked.mentees) == (2, 1)


def test_cycle_keys_follow_the_programme_cycle() -> None:
    assert recognition.cycle_key(dt.datetime(2026, 6, 30, tzinfo=dt.UTC), 6) == "2026-01"
    assert recognition.cycle_key(dt.datetime(2026, 7, 1, tzinfo=dt.UTC), 6) == "2026-07"
    assert recognition.cycle_key(dt.datetime(2026, 5, 1, tzinfo=dt.UTC), 3) == "2026-04"


# --- /top and certificates --------------------------------------------------------------------------


async def test_staff_send_a_certificate_once_per_cycle(harness: Harness, clock) -> None:  # type: ignore[no-untyped-def]
    clock.set(NOW)
    ids = await _programme(harness.core)
    sam, madina = harness.person("sam"), harness.person("madina")
    listing = await sam.say("/top")
    assert "The most active mentors, January – June 2026" in listing
    assert "1. Zhanna Abenova — 5 contacts with 2 students, answers within a day, rated 4.5/5" in listing
    assert "2. Мадина Омарова — 1 contact with 1 student" in listing
    assert "Erlan" not in listing and "Aigerim" not in listing

    preview = await sam.press("Send certificate: Мадина")
    assert "Here is Мадина Омарова's certificate for January – June 2026 (1 student guided · 1 contact logged)" in (
        preview
    )
    shown = sam.last[0].attachment
    assert shown is not None and shown.mime == "application/pdf"
    assert madina.inbox == []  # nothing goes before staff confirm
    assert "on its way to Мадина Омарова" in await sam.press("Send it to Мадина Омарова")
    received = madina.inbox[-1]
    assert "Мадина, thank you!" in received.text
    certificate = received.attachment
    assert certificate is not None and certificate.mime == "application/pdf"
    assert certificate.filename == "certificate-2026-01.pdf"
    text = _pdf_text(certificate)
    assert "Мадина Омарова" in text and "Nazarbayev University" in text
    assert "1 student guided · 1 contact logged" in text
    await sam.press_data("rec.send", str(ids.zhanna))
    zhanna_file = harness.person("zhanna").inbox[-1].attachment
    assert zhanna_file is not None and zhanna_file.filename == "certificate-zhanna-abenova-2026-01.pdf"
    assert "2 students guided · 5 contacts logged" in _pdf_text(zhanna_file)

    again = await sam.press_data("rec.send", str(ids.madina))
    assert "already received this cycle's certificate on 20 May 2026" in again
    assert len(madina.inbox) == 1
    listing = await sam.say("/top")
    assert (
        "Мадина Омарова — 1 contact with 1 student, no requests answered, 1 rating (not shown alone) (score 3) "
        "— certificate sent" in listing
    )
    assert sam.last[0].buttons == []  # both have theirs for this cycle
    async with harness.core.sessions() as session:
        notice = await session.scalar(select(Notice).where(Notice.kind == "certificate"))
        assert notice is not None and notice.key == f"cert:{ids.madina}:2026-01" and notice.user_id == ids.madina

    clock.set(dt.datetime(2026, 7, 2, 10, tzinfo=dt.UTC))  # a new cycle: a new certificate may go
    assert "on its way" in await sam.press_data("rec.send", str(ids.madina))
    assert len(madina.inbox) == 2
    assert "already received this cycle's certificate" in await sam.press_data("rec.cert", str(ids.madina))


async def test_forged_certificate_presses_change_nothing(harness: Harness, clock) -> None:  # type: ignore[no-untyped-def]
    clock.set(NOW)
    ids = await _programme(harness.core)
    for name in ("zhanna", "alex", "guest"):
        person = harness.person(name)
        assert "for the career team only" in await person.press_data("rec.cert", str(ids.zhanna))
        assert "for the career team only" in await person.say("/top")
        assert "for the career team only" in await person.say("/export")
        assert "for the career team only" in await person.say("/surveys")
        assert all(reply.attachment is None for reply in person.last)
    sam = harness.person("sam")
    assert "couldn't find that mentor" in await sam.press_data("rec.cert", str(ids.erlan))  # not approved
    assert "couldn't find that mentor" in await sam.press_data("rec.cert", str(ids.alex))  # a student
    assert "couldn't find that mentor" in await sam.press_data("rec.cert", "12; drop")
    aigerim = await _user_id(harness, "Aigerim Nurlanova")
    assert "hasn't mentored anyone yet" in await sam.press_data("rec.cert", str(aigerim))
    async with harness.core.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Notice)) == 0
        assert await session.scalar(select(func.count()).select_from(Outbox)) == 0
    assert harness.person("zhanna").inbox == []


async def _user_id(harness: Harness, name: str) -> int:
    from storage.models import User

    async with harness.core.sessions() as session:
        return int(await session.scalar(select(User.id).where(User.name == name)))


async def test_top_with_nobody_active_says_what_to_expect(harness: Harness) -> None:
    await add_person(harness.core, "zhanna", "Zhanna Abenova", "alumnus")
    assert "No mentor has logged any activity" in await harness.person("sam").say("/top")


LONG_NAME = "Әлия Нұрланқызы Сейтқалиева-Бекмұхамбетова де ла Монтань-Шевалье фон Эстерхази"


@pytest.mark.parametrize("name", ["Әлия <Нұрланқызы> & Co", "Zoë Saint-Étienne", LONG_NAME])
def test_a_certificate_is_one_pdf_page_whose_text_holds_the_names(core: Core, name: str) -> None:
    facts = CertificateFacts(name, "January – June 2026", "2026-01", 3, 14, dt.date(2026, 5, 20))
    file = certificate_file(facts, core.programme)
    assert file.mime == "application/pdf" and file.content.startswith(b"%PDF-")
    document = PdfReader(io.BytesIO(file.content))
    assert len(document.pages) == 1
    width, height = (float(v) for v in document.pages[0].mediabox[2:])
    assert (round(width), round(height)) == (842, 595)  # A4, landscape
    text = _pdf_text(file)
    assert " ".join(name.split()) in " ".join(text.split())  # a long name may take two lines, never fewer words
    for expected in (
        "CERTIFICATE OF APPRECIATION",
        core.programme.title,
        "Nazarbayev University",
        "Cycle: January – June 2026",
        "3 students guided · 14 contacts logged",
        "Director, Career and Advising Center",
        "20 May 2026",
    ):
        assert expected in text, expected
    fonts = {
        str(font["/BaseFont"])
        for page in document.pages
        for font in page["/Resources"]["/Font"].get_object().values()  # type: ignore[index]
    }
    assert fonts and all("DejaVuSerif" in font for font in fonts)  # embedded, so every reader draws Cyrillic


def _pdf_text(file: Attachment) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(file.content)).pages)


async def test_queued_file_survives_the_outbox() -> None:
    reply = Reply("Here it is", attachment=Attachment("a.svg", "Әлия".encode(), "image/svg+xml"))
    again = Reply.from_dict(reply.to_dict())
    assert again.attachment == reply.attachment and again.text == reply.text
    with pytest.raises(ValueError, match="too large"):
        Reply(attachment=Attachment("big.bin", b"x" * (MAX_QUEUED_FILE_BYTES + 1))).to_dict()


# --- /export ----------------------------------------------------------------------------------------


async def test_export_lists_every_mentorship(harness: Harness, clock) -> None:  # type: ignore[no-untyped-def]
    clock.set(NOW)
    ids = await _programme(harness.core)
    async with harness.core.sessions() as session, session.begin():
        dana_pair = await session.get(Pair, ids.pair_dana)
        assert dana_pair is not None
        dana_pair.end_note = "private words about the ending"
    sam = harness.person("sam")
    assert "keep them within the career team" in await sam.say("/export")
    (file,) = [r.attachment for r in sam.last if r.attachment and r.attachment.filename.startswith("mentorships")]
    assert file.filename == "mentorships-2026-05-20.csv" and file.mime == "text/csv"
    rows = list(csv.reader(io.StringIO(file.content.decode("utf-8-sig"))))
    assert rows[0] == [
        "Mentor",
        "Student",
        "Status",
        "Matched",
        "Started",
        "Cycle ends",
        "Contacts logged",
        "Last contact",
        "Ended",
        "Why it ended",
    ]
    by_student = {row[1]: row for row in rows[1:]}
    assert len(rows) == 5
    assert by_student["Alex Kim"] == [
        "Zhanna Abenova",
        "Alex Kim",
        "active",
        "2026-01-12",
        "2026-01-12",
        "2026-07-12",
        "5",
        "2026-03-03",
        "",
        "",
    ]
    assert by_student["Dana Serik"][2:] == [
        "ended",
        "2026-01-12",
        "2026-01-12",
        "",
        "2",
        "2026-03-01",
        "2026-04-01",
        "We reached our goals",
    ]
    assert "private words" not in file.content.decode("utf-8-sig")
    assert "Мадина Омарова" in file.content.decode("utf-8-sig")


async def test_export_defuses_spreadsheet_formulas(core: Core) -> None:
    mentor = await add_person(core, "eve", '=HYPERLINK("x")', "alumnus")
    student = await add_person(core, "sam2", "+Sam", "student")
    await add_pair(core, mentor, student)
    async with core.sessions() as session:
        file = await reports_export.pairs_csv(session, NOW)
    row = list(csv.reader(io.StringIO(file.content.decode("utf-8-sig"))))[1]
    assert row[:2] == ['\'=HYPERLINK("x")', "'+Sam"]


# --- /surveys ---------------------------------------------------------------------------------------


async def test_survey_summary_is_anonymous(harness: Harness, clock) -> None:  # type: ignore[no-untyped-def]
    clock.set(NOW)
    ids = await _programme(harness.core)
    for name, overall, recommend in (("Eva Li", "5", True), ("Farid Ali", "4", False)):  # five students answered
        student = await add_person(harness.core, name.split()[0].lower(), name, "student")
        pair = await add_pair(harness.core, ids.madina, student)
        answers = {"overall": overall, "goals_met": True, "recommend": recommend}
        await _survey(harness.core, pair, student, "mentee", answers)
    summary = await harness.person("sam").say("/surveys")
    assert "What the surveys say, January – June 2026" in summary
    assert "Students (5 answers)" in summary and "Mentors (1 answer)" in summary
    assert "Overall, how useful was the mentorship? (1 = not at all, 5 = very): 4/5 (5 answers)" in summary
    assert "Would you recommend the programme to a friend?: 60% yes (3 of 5)" in summary
    assert "Did you make progress on the goals you set together?: 60% yes (3 of 5)" in summary
    # Three students rated the contact and one mentor answered at all: their words stay unshown.
    assert (
        "How satisfied were you with how often you were in touch? (1-5): 3 answers so far; shown once 5 people "
        "have answered" in summary
    )
    assert "Would you mentor again next cycle?: 1 answer so far; shown once 5 people have answered" in summary
    assert "100% yes" not in summary
    # Comments listed alphabetically, never with who wrote them.
    assert summary.index("An app for scheduling") < summary.index("More meetups")
    for name in ("Dana", "Bolat", "Zhanna", "Мадина", "Eva", "Farid"):
        assert name not in summary
    assert "Alex Kim was great" not in summary  # the one mentor's comment waits for four more
    assert "comments appear once 5 people have answered" in summary


async def test_survey_summary_counts_only_the_period(core: Core) -> None:
    await _programme(core)
    later = recognition.current_period(dt.datetime(2027, 1, 1, tzinfo=dt.UTC), core.programme)
    async with core.sessions() as session:
        sides = await reports_export.survey_summary(session, core.programme, later)
    assert [side.responses for side in sides] == [0, 0]


async def test_refusal_texts_are_kind(core: Core) -> None:
    async with core.sessions() as session:
        with pytest.raises(Refusal, match="/top shows"):
            await recognition.certificate_mentor(session, "999")
