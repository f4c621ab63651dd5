"""The programme's own surveys during the mentorship: sent to their audience in every active mentorship when
due (N months in, or once a milestone's meeting happened), once; answered once with a form built from their
questions; one reminder; and the career team's /surveys reads them survey by survey."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path

from sqlalchemy import select

from bot.app import create_core
from bot.config import load_settings
from bot.core.app import Core
from bot.core.clock import ManualClock
from storage.models import MilestoneProgress, Notice, Pair, SurveyResponse
from tests.scheduler.helpers import START, pair, person, sweep
from tests.support import Harness, Person
from tests.test_match import add_staff

DAY = dt.timedelta(days=1)
MINUTE = dt.timedelta(minutes=1)
MONTH_2 = dt.datetime(2026, 3, 12, 10, 0, tzinfo=dt.UTC)  # two months after START

TWO_MONTHS_IN = """

[[surveys]]
key = "month_2"
title = "Two months in"
after = "month:2"
questions = [
  { key = "going", kind = "rating", prompt = "How is the mentorship going? (1-5)" },
  { key = "rhythm", kind = "yes_no", prompt = "Is your meeting rhythm right?", audience = "mentor" },
  { key = "wish", kind = "text", prompt = "What would help you most now?", required = false },
]
"""


@asynccontextmanager
async def _core(database_url: str, clock: ManualClock, programme: str) -> AsyncIterator[Core]:
    settings = load_settings(database_url=database_url, staff_ids="console:sam", programme=programme, _env_file=None)
    app = await create_core(settings, clock, migrate=False)
    try:
        yield app
    finally:
        await app.close()


def _university_with_a_survey(tmp_path: Path) -> str:
    text = resources.files("bot.programmes").joinpath("university.toml").read_text(encoding="utf-8")
    path = tmp_path / "with_survey.toml"
    path.write_text(text + TWO_MONTHS_IN, encoding="utf-8")
    return str(path)


async def _at(harness: Harness, clock: ManualClock, moment: dt.datetime) -> None:
    clock.set(moment)
    await sweep(harness)


def _surveys_in(who: Person) -> int:
    return who.inbox_text().count("a short survey about your mentorship")


async def _responses(core: Core) -> list[SurveyResponse]:
    async with core.sessions() as session:
        return list(await session.scalars(select(SurveyResponse).order_by(SurveyResponse.id)))


# --- N months in ------------------------------------------------------------------------------------


async def test_a_survey_months_in_reaches_both_once_and_is_answered_once(
    database_url: str, clock: ManualClock, tmp_path: Path
) -> None:
    async with _core(database_url, clock, _university_with_a_survey(tmp_path)) as core:
        harness = Harness(core)
        mentor = await person(core, "aigerim", "alumnus")
        mentee = await person(core, "alex", "student")
        pair_id = await pair(core, mentor, mentee, last_contact=MONTH_2 - 5 * DAY)
        ended = await pair(core, await person(core, "timur", "alumnus"), await person(core, "bea", "student"))
        async with core.sessions() as session, session.begin():
            row = await session.get(Pair, ended)
            assert row is not None
            row.status = "ended"
        aigerim, alex, bea = harness.person("aigerim"), harness.person("alex"), harness.person("bea")

        await _at(harness, clock, MONTH_2 - MINUTE)
        assert _surveys_in(alex) == 0 and _surveys_in(aigerim) == 0
        await _at(harness, clock, MONTH_2)
        told = alex.inbox[-1]
        assert "Alex, a short survey about your mentorship with Aigerim: Two months in." in alex.inbox_text()
        assert "the career team reads your answers, Aigerim doesn't" in alex.inbox_text()
        assert "<b>Two months in</b>" in told.text
        assert [b.label for row in told.buttons for b in row] == ["Answer the survey"]
        assert "a short survey about your mentorship with Alex: Two months in" in aigerim.inbox_text()
        assert bea.inbox == []  # an ended mentorship is asked nothing
        await _at(harness, clock, MONTH_2 + DAY)
        assert _surveys_in(alex) == 1 and _surveys_in(aigerim) == 1

        await alex.press("Answer the survey", among=alex.inbox)
        assert "Two months in · 1 of 2" in alex.text and "How is the mentorship going?" in alex.text
        await alex.say("7")  # not a rating: asked again, nothing kept
        assert "Please pick one of the buttons" in alex.text
        await alex.press("4")
        assert "What would help you most now?" in alex.text  # the mentor's question isn't a student's
        await alex.say("A mock interview <soon>")
        assert "Thank you, Alex! Your answers are with the career team." in alex.text
        assert "carry on informally" not in alex.text  # that belongs to the end of the cycle
        (saved,) = await _responses(core)
        assert (saved.survey, saved.role, saved.pair_id) == ("month_2", "mentee", pair_id)
        assert saved.answers == {"going": "4", "wish": "A mock interview <soon>"}

        assert "already sent this survey" in await alex.press("Answer the survey", among=alex.inbox)
        assert len(await _responses(core)) == 1

        # Seven days on, only Aigerim (who hasn't answered) is reminded, once.
        await _at(harness, clock, MONTH_2 + 7 * DAY - MINUTE)
        assert "is still open" not in aigerim.inbox_text()
        await _at(harness, clock, MONTH_2 + 7 * DAY)
        assert "A gentle reminder, Aigerim: the survey Two months in is still open." in aigerim.inbox_text()
        assert "still open" not in alex.inbox_text()
        await _at(harness, clock, MONTH_2 + 9 * DAY)
        assert aigerim.inbox_text().count("is still open") == 1

        await aigerim.press("Answer the survey", among=aigerim.inbox[-1:])
        assert "Two months in · 1 of 3" in aigerim.text
        await aigerim.press("5")
        await aigerim.press("No")
        await aigerim.press("Skip")
        assert "Thank you, Aigerim!" in aigerim.text
        assert [(r.role, r.answers) for r in await _responses(core)][1] == ("mentor", {"going": "5", "rhythm": False})


async def test_the_career_team_reads_each_survey_apart(database_url: str, clock: ManualClock, tmp_path: Path) -> None:
    async with _core(database_url, clock, _university_with_a_survey(tmp_path)) as core:
        harness = Harness(core)
        await add_staff(core)
        sam = harness.person("sam")
        clock.set(MONTH_2)
        assert "No surveys were sent back" in await sam.say("/surveys")

        mentor = await person(core, "aigerim", "alumnus")
        mentee = await person(core, "alex", "student")
        pair_id = await pair(core, mentor, mentee)
        async with core.sessions() as session, session.begin():
            for role, user, answers in (
                ("mentee", mentee, {"going": "4", "wish": "More <practice>"}),
                ("mentor", mentor, {"going": "2", "rhythm": True}),
            ):
                session.add(
                    SurveyResponse(
                        pair_id=pair_id,
                        user_id=user,
                        survey="month_2",
                        role=role,
                        answers=answers,
                        submitted_at=MONTH_2 - DAY,
                    )
                )
        report = await sam.say("/surveys")
        assert "End-of-mentorship survey" in report
        end_of_cycle = report[report.index("End-of-mentorship survey") : report.index("Two months in")]
        assert "Students (0 answers)" in end_of_cycle and "Mentors (0 answers)" in end_of_cycle
        scheduled = report[report.index("Two months in (during the mentorship)") :]
        assert "Students (1 answer)" in scheduled and "Mentors (1 answer)" in scheduled
        # One answer a side: what each person said would be plain to read, so only the counts are shown.
        assert "How is the mentorship going? (1-5): 1 answer so far; shown once 5 people have answered" in scheduled
        assert "What would help you most now?: comments appear once 5 people have answered" in scheduled
        assert "4/5" not in report and "2/5" not in report and "100% yes" not in report
        assert "More <practice>" not in report and "Aigerim" not in report and "Alex" not in report

        async with core.sessions() as session, session.begin():
            for going in ("5", "3", "4", "4"):
                session.add(
                    SurveyResponse(
                        pair_id=pair_id,
                        user_id=None,
                        survey="month_2",
                        role="mentee",
                        answers={"going": going},
                        submitted_at=MONTH_2 - DAY,
                    )
                )
        report = await sam.say("/surveys")
        scheduled = report[report.index("Two months in (during the mentorship)") :]
        assert "Students (5 answers)" in scheduled
        assert "How is the mentorship going? (1-5): 4/5 (5 answers)" in scheduled
        assert "More <practice>" in scheduled and "More &lt;practice&gt;" in sam.last[0].text
        assert "Is your meeting rhythm right?: 1 answer so far" in scheduled  # the mentors' side: still one
        charts = [reply.attachment for reply in sam.last if reply.attachment is not None]
        assert [(c.filename, c.mime) for c in charts] == [("survey-month-2-2026-03-12.png", "image/png")]


async def test_the_end_of_cycle_summary_counts_only_its_own_survey(
    database_url: str, clock: ManualClock, tmp_path: Path
) -> None:
    from bot.services import recognition, reports_export

    async with _core(database_url, clock, _university_with_a_survey(tmp_path)) as core:
        mentor = await person(core, "aigerim", "alumnus")
        mentee = await person(core, "alex", "student")
        pair_id = await pair(core, mentor, mentee)
        async with core.sessions() as session, session.begin():
            session.add(
                SurveyResponse(
                    pair_id=pair_id, user_id=mentee, survey="month_2", role="mentee", answers={}, submitted_at=MONTH_2
                )
            )
        period = recognition.current_period(MONTH_2 + DAY, core.programme)
        async with core.sessions() as session:
            sides = await reports_export.survey_summary(session, core.programme, period)
            (scheduled,) = await reports_export.scheduled_summaries(session, core.programme, period)
        assert [side.responses for side in sides] == [0, 0]
        assert [(side.role, side.responses) for side in scheduled.sides] == [("mentee", 1), ("mentor", 0)]


# --- after a milestone ------------------------------------------------------------------------------


async def _milestone(core: Core, pair_id: int, key: str, *, status: str, met_at: dt.datetime | None) -> None:
    now = core.clock.now()
    async with core.sessions() as session, session.begin():
        row = await session.scalar(
            select(MilestoneProgress).where(MilestoneProgress.pair_id == pair_id, MilestoneProgress.milestone == key)
        )
        if row is None:
            row = MilestoneProgress(
                pair_id=pair_id,
                milestone=key,
                opens_on=dt.date(2026, 1, 1),
                closes_on=dt.date(2026, 3, 31),
                created_at=now,
                updated_at=now,
            )
            session.add(row)
        row.status, row.met_at, row.updated_at = status, met_at, now


async def test_a_survey_after_a_milestone_reaches_its_audience_once_the_meeting_happened(
    database_url: str, clock: ManualClock
) -> None:
    async with _core(database_url, clock, "last_year") as core:
        harness = Harness(core)
        mentor = await person(core, "zhanna", "alumnus")
        mentee = await person(core, "alex", "student")
        pair_id = await pair(core, mentor, mentee, last_contact=START + 20 * DAY)
        zhanna, alex = harness.person("zhanna"), harness.person("alex")
        met = START + 30 * DAY

        await _milestone(core, pair_id, "interview_1", status="pending", met_at=None)
        await _milestone(core, pair_id, "interview_2", status="met", met_at=met)  # not the survey's milestone
        await _at(harness, clock, met)
        assert _surveys_in(alex) == 0

        await _milestone(core, pair_id, "interview_1", status="met", met_at=met)
        # The day's one unasked-for message was the window's opening, sent at `met`: the survey comes next day.
        await _at(harness, clock, met + DAY)
        assert "Alex, a short survey about your mentorship with Zhanna: Your first interview." in alex.inbox_text()
        assert "the Alumni Career Department reads your answers, Zhanna doesn't" in alex.inbox_text()
        assert _surveys_in(zhanna) == 0  # the survey is the student's
        await _milestone(core, pair_id, "interview_1", status="done", met_at=met)  # evaluated since
        await _at(harness, clock, met + 2 * DAY)
        assert _surveys_in(alex) == 1

        await alex.press("Answer the survey", among=alex.inbox)
        assert "Your first interview · 1 of 2" in alex.text
        await alex.press("5")
        await alex.press("Skip")
        assert "Your answers are with the Alumni Career Department" in alex.text
        (saved,) = await _responses(core)
        assert (saved.survey, saved.role, saved.answers) == ("after_interview_1", "mentee", {"useful": "5"})
        async with core.sessions() as session:
            notice = await session.scalar(select(Notice).where(Notice.kind == "scheduled_survey"))
        assert notice is not None and notice.answered_at is not None
        assert "already sent this survey" in await alex.press_data("surv.start", str(notice.id))


async def test_nobody_else_can_answer_a_survey_and_a_survey_gone_from_the_programme_closes(
    database_url: str, clock: ManualClock
) -> None:
    async with _core(database_url, clock, "last_year") as core:
        harness = Harness(core)
        mentor = await person(core, "zhanna", "alumnus")
        mentee = await person(core, "alex", "student")
        pair_id = await pair(core, mentor, mentee, last_contact=START + 20 * DAY)
        met = START + 30 * DAY
        await _milestone(core, pair_id, "interview_1", status="met", met_at=met)
        await _at(harness, clock, met)
        async with core.sessions() as session, session.begin():
            notice = await session.scalar(select(Notice).where(Notice.kind == "scheduled_survey"))
            assert notice is not None
            notice_id = notice.id
        zhanna = harness.person("zhanna")
        assert "isn't for you" in await zhanna.press_data("surv.start", str(notice_id))
        assert "isn't for you" in await zhanna.press_data("surv.cont", str(notice_id))  # not an end-of-cycle one
        async with core.sessions() as session, session.begin():
            notice = await session.get(Notice, notice_id)
            assert notice is not None
            notice.data = {**notice.data, "survey": "gone"}
        assert "isn't open any more" in await harness.person("alex").press_data("surv.start", str(notice_id))
        assert await _responses(core) == []
