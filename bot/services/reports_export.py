"""Reports for the career team: the programme's data as CSV files, and what the surveys say.

Who sees what (the surveys are confidential):
- Only staff can ask for either report; mentors and students never see survey answers, theirs or others'.
- The CSV files (`export_files`) hold what staff already see one by one: profiles (without contact details),
  mentorships (without the private note of an ending), contacts (a note its author kept private stays
  empty), goals, survey answers and the audit log. No request message, report text or goal note is in them.
- Survey answers carry no name: each mentorship gets a number that holds only within that file (drawn
  anew at every export, so it matches no mentorship id and no row of the other files), the side that
  answered and the month. A side of a survey with fewer than MIN_ANSWERS answers is left out of the file.
- The survey summary gives averages per rating question and yes/no shares, per side (students, mentors),
  and lists the free-text answers without names, sorted alphabetically so their order says nothing
  about who wrote them or when: the end-of-cycle survey's, and each of the programme's own surveys' apart.
  An average or a share is given once MIN_ANSWERS people answered that question, the comments once
  MIN_ANSWERS people of that side answered the survey, so no single answer can be traced back.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import partial

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from bot.core.replies import Attachment
from bot.i18n import _
from bot.programme import Programme, ScheduledSurvey, SurveyQuestion
from bot.services import audit
from bot.services.contacts import method_label
from bot.services.ending import reason_label
from bot.services.goals import status_label as goal_status
from bot.services.recognition import Period
from bot.services.surveys import SURVEY_NAME, questions_for
from storage.models import ContactLog, Goal, MenteeProfile, MentorProfile, Pair, SurveyResponse, User

MIN_ANSWERS = 5  # fewer answers than this and what one person said could be read off a summary

# Spreadsheets run a cell that starts like a formula; names and notes are typed by people.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return f"{value:%Y-%m-%d}"
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def pair_columns() -> list[str]:
    return [
        _("Mentor"),
        _("Student"),
        _("Status"),
        _("Matched"),
        _("Started"),
        _("Cycle ends"),
        _("Contacts logged"),
        _("Last contact"),
        _("Ended"),
        _("Why it ended"),
    ]


def _status_label(status: str) -> str:
    return {"agreeing": _("agreeing terms"), "active": _("active"), "ended": _("ended")}.get(status, status)


async def pairs_csv(session: AsyncSession, now: dt.datetime) -> Attachment:
    """One row per mentorship, newest match first; UTF-8 with a BOM so spreadsheets read Cyrillic names."""
    mentor, mentee = aliased(User), aliased(User)
    contacts = (
        select(
            ContactLog.pair_id,
            func.count(ContactLog.id).label("logged"),
            func.max(ContactLog.happened_on).label("last"),
        )
        .group_by(ContactLog.pair_id)
        .subquery()
    )
    rows = await session.execute(
        select(Pair, mentor.name, mentee.name, contacts.c.logged, contacts.c.last)
        .join(mentor, mentor.id == Pair.mentor_id)
        .join(mentee, mentee.id == Pair.mentee_id)
        .outerjoin(contacts, contacts.c.pair_id == Pair.id)
        .order_by(Pair.created_at.desc(), Pair.id.desc())
    )
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(pair_columns())
    for pair, mentor_name, mentee_name, logged, last in rows:
        writer.writerow(
            [
                _cell(mentor_name),
                _cell(mentee_name),
                _status_label(pair.status),
                _cell(pair.created_at),
                _cell(pair.started_at),
                _cell(pair.cycle_ends_at),
                int(logged or 0),
                _cell(last),
                _cell(pair.ended_at),
                reason_label(pair.end_reason) if pair.status == "ended" and pair.end_reason else "",
            ]
        )
    return _csv_file("mentorships", now, buffer)


def _csv_file(name: str, now: dt.datetime, buffer: io.StringIO) -> Attachment:
    content = buffer.getvalue().encode("utf-8-sig")
    return Attachment(filename=f"{name}-{now:%Y-%m-%d}.csv", content=content, mime="text/csv")


def _table(name: str, now: dt.datetime, header: list[str], rows: Iterable[list[object]]) -> Attachment:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    for row in rows:
        writer.writerow([_cell(value) for value in row])
    return _csv_file(name, now, buffer)


async def export_files(session: AsyncSession, programme: Programme, now: dt.datetime) -> list[Attachment]:
    """Everything /export sends, one CSV file each: profiles, mentorships, contacts, goals, survey answers
    (without names) and the audit log. Nothing anyone wrote privately is in any of them."""
    return [
        await profiles_csv(session, now),
        await pairs_csv(session, now),
        await contacts_csv(session, now),
        await goals_csv(session, now),
        await survey_answers_csv(session, programme, now),
        await audit_csv(session, now),
    ]


def _list(values: object) -> str:
    return ", ".join(str(v) for v in values) if isinstance(values, list) else ""


def _yes_no(value: bool) -> str:
    return _("yes") if value else _("no")


def profile_columns() -> list[str]:
    return [
        _("Name"),
        _("Role"),
        _("Status"),
        _("Joined"),
        _("Programme of study"),
        _("Year"),
        _("Current role"),
        _("Employer"),
        _("Industry"),
        _("Country"),
        _("Areas"),
        _("Languages"),
        _("Places"),
        _("Students now"),
        _("Orientation"),
        _("Goals"),
    ]


def _mentor_status(profile: MentorProfile) -> str:
    if profile.status == "approved" and not profile.active:
        return _("paused")
    return {
        "approved": _("approved"),
        "awaiting_approval": _("awaiting approval"),
        "waiting": _("waiting list"),
        "rejected": _("not approved"),
    }.get(profile.status, profile.status)


async def profiles_csv(session: AsyncSession, now: dt.datetime) -> Attachment:
    """One row per mentor profile, then one per student profile, by name. No contact details: they reach a
    person's match through the bot, and a file can travel further than the chat."""
    mentors = await session.execute(
        select(User, MentorProfile).join(MentorProfile, MentorProfile.user_id == User.id).order_by(User.name, User.id)
    )
    students = await session.execute(
        select(User, MenteeProfile).join(MenteeProfile, MenteeProfile.user_id == User.id).order_by(User.name, User.id)
    )
    rows: list[list[object]] = []
    for user, mentor in mentors:
        rows.append(
            [
                user.name,
                _("mentor"),
                _mentor_status(mentor),
                user.created_at,
                mentor.programme_of_study,
                mentor.graduation_year,
                mentor.current_role,
                mentor.employer,
                mentor.industry,
                mentor.country,
                _list(mentor.areas),
                _list(mentor.languages),
                mentor.capacity,
                mentor.active_mentees,
                _yes_no(mentor.orientation_done),
                "",
            ]
        )
    for user, student in students:
        rows.append(
            [
                user.name,
                _("student"),
                "",
                user.created_at,
                student.programme_of_study,
                student.year_of_study,
                "",
                "",
                _list(student.industries),
                student.country,
                _list(student.areas),
                _list(student.languages),
                "",
                "",
                "",
                student.goals,
            ]
        )
    return _table("profiles", now, profile_columns(), rows)


def contact_columns() -> list[str]:
    return [_("Mentor"), _("Student"), _("Date"), _("How"), _("Logged by"), _("Notes")]


async def contacts_csv(session: AsyncSession, now: dt.datetime) -> Attachment:
    """One row per contact logged, newest first. A note its author kept private is left empty."""
    mentor, mentee = aliased(User), aliased(User)
    rows = await session.execute(
        select(ContactLog, Pair.mentor_id, mentor.name, mentee.name)
        .join(Pair, Pair.id == ContactLog.pair_id)
        .join(mentor, mentor.id == Pair.mentor_id)
        .join(mentee, mentee.id == Pair.mentee_id)
        .order_by(ContactLog.happened_on.desc(), ContactLog.id.desc())
    )
    table: list[list[object]] = []
    for log, mentor_id, mentor_name, mentee_name in rows:
        by = _logged_by(log.author_id, mentor_id)
        notes = "" if log.private else log.notes
        table.append([mentor_name, mentee_name, log.happened_on, method_label(log.method), by, notes])
    return _table("contacts", now, contact_columns(), table)


def _logged_by(author_id: int | None, mentor_id: int) -> str:
    if author_id is None:  # the author has left the programme
        return ""
    return _("mentor") if author_id == mentor_id else _("student")


def goal_columns() -> list[str]:
    return [_("Mentor"), _("Student"), _("Term"), _("Goal"), _("Status"), _("Set"), _("Updated")]


async def goals_csv(session: AsyncSession, now: dt.datetime) -> Attachment:
    """One row per goal a pair set, by mentorship, short-term first."""
    mentor, mentee = aliased(User), aliased(User)
    rows = await session.execute(
        select(Goal, mentor.name, mentee.name)
        .join(Pair, Pair.id == Goal.pair_id)
        .join(mentor, mentor.id == Pair.mentor_id)
        .join(mentee, mentee.id == Pair.mentee_id)
        .order_by(Pair.id, Goal.term.desc(), Goal.id)
    )
    terms = {"short": _("short-term"), "long": _("long-term")}
    return _table(
        "goals",
        now,
        goal_columns(),
        (
            [
                m,
                s,
                terms.get(goal.term, goal.term),
                goal.text,
                goal_status(goal.status),
                goal.created_at,
                goal.updated_at,
            ]
            for goal, m, s in rows
        ),
    )


def survey_columns(questions: list[SurveyQuestion]) -> list[str]:
    return [_("Survey"), _("Mentorship no."), _("Side"), _("Month"), *(_(q.prompt) for q in questions)]


def _survey_questions(programme: Programme) -> tuple[dict[str, str], list[SurveyQuestion]]:
    """Every survey's title by key, and every question once (by key, in the programme's order)."""
    titles = {SURVEY_NAME: _("End-of-mentorship survey"), **{s.key: s.title for s in programme.surveys}}
    questions: dict[str, SurveyQuestion] = {}
    for question in [*programme.survey, *(q for s in programme.surveys for q in s.questions)]:
        questions.setdefault(question.key, question)
    return titles, list(questions.values())


async def survey_answers_csv(session: AsyncSession, programme: Programme, now: dt.datetime) -> Attachment:
    """One row per survey answered, without names: a number per mentorship that holds only in this file
    (drawn at random), the side, the month. Sides of a survey with fewer than MIN_ANSWERS are left out."""
    titles, questions = _survey_questions(programme)
    responses = list(
        await session.execute(
            select(
                SurveyResponse.survey,
                SurveyResponse.pair_id,
                SurveyResponse.role,
                SurveyResponse.answers,
                SurveyResponse.submitted_at,
            )
        )
    )
    sizes: dict[tuple[str, str], int] = defaultdict(int)
    for survey, _pair, role, _answers, _at in responses:
        sizes[(survey, role)] += 1
    pair_ids = sorted({pair for _s, pair, _r, _a, _at in responses if pair is not None})
    numbers = list(range(1, len(pair_ids) + 1))
    random.SystemRandom().shuffle(numbers)
    number_of = dict(zip(pair_ids, numbers, strict=True))
    sides = {"mentee": _("student"), "mentor": _("mentor")}
    rows: list[tuple[tuple[str, str, int, str], list[object]]] = []
    for survey, pair, role, answers, submitted in responses:
        if sizes[(survey, role)] < MIN_ANSWERS or not isinstance(answers, dict):
            continue
        title, number, side, month = (
            titles.get(survey, survey),
            number_of.get(pair, 0),
            sides.get(role, role),
            f"{submitted:%Y-%m}",
        )
        cells: list[object] = [
            title,
            number or "",
            side,
            month,
            *(_answer_cell(q, answers.get(q.key)) for q in questions),
        ]
        rows.append(((title, month, number, side), cells))
    rows.sort(key=lambda row: row[0])  # by survey, month and number: no order of arrival
    return _table("survey-answers", now, survey_columns(questions), [cells for _key, cells in rows])


def _answer_cell(question: SurveyQuestion, raw: object) -> object:
    if raw is None or raw == "":
        return ""
    if question.kind == "yes_no":
        return _yes_no(_is_yes(raw))
    return raw


def audit_columns() -> list[str]:
    return [_("When"), _("Who"), _("What")]


async def audit_csv(session: AsyncSession, now: dt.datetime) -> Attachment:
    """The audit log, oldest first: when, who of the career team, what they did (with names as /audit shows)."""
    lines = await audit.all_entries(session)
    return _table(
        "audit-log",
        now,
        audit_columns(),
        ([f"{line.entry.at:%Y-%m-%d %H:%M}", line.actor, line.words()] for line in lines),
    )


# --- the survey summary ------------------------------------------------------------------------------


@dataclass
class QuestionSummary:
    question: SurveyQuestion
    ratings: list[float] = field(default_factory=list)
    yes: int = 0
    no: int = 0
    texts: list[str] = field(default_factory=list)
    answered: int = 0  # how many answered it, shown even while what they said is held back
    withheld: bool = False  # fewer than MIN_ANSWERS: no average, share or comment is given

    @property
    def average(self) -> float | None:
        return round(sum(self.ratings) / len(self.ratings), 1) if self.ratings else None

    @property
    def yes_share(self) -> int | None:
        answered = self.yes + self.no
        return round(100 * self.yes / answered) if answered else None

    def withhold(self) -> None:
        self.ratings.clear()
        self.texts.clear()
        self.yes = self.no = 0
        self.withheld = True


@dataclass
class SideSummary:
    role: str  # mentee | mentor
    responses: int = 0
    questions: list[QuestionSummary] = field(default_factory=list)


@dataclass
class ScheduledSummary:
    """One of the programme's own surveys: its sides (only those it asks) as the end-of-cycle summary has them."""

    survey: ScheduledSurvey
    sides: list[SideSummary]

    @property
    def responses(self) -> int:
        return sum(side.responses for side in self.sides)


async def survey_summary(session: AsyncSession, programme: Programme, period: Period) -> list[SideSummary]:
    """The end-of-cycle surveys sent in the period, per side, without anyone's name."""
    return await _summary(session, SURVEY_NAME, programme.survey_for, ("mentee", "mentor"), period)  # type: ignore[arg-type]


async def scheduled_summaries(session: AsyncSession, programme: Programme, period: Period) -> list[ScheduledSummary]:
    """Each of the programme's own surveys sent back in the period, per side it asks, without anyone's name."""
    summaries = []
    for survey in programme.surveys:
        roles = tuple(role for role in ("mentee", "mentor") if questions_for(survey, role))
        sides = await _summary(session, survey.key, partial(questions_for, survey), roles, period)
        summaries.append(ScheduledSummary(survey, sides))
    return summaries


async def _summary(
    session: AsyncSession,
    survey: str,
    questions: Callable[[str], list[SurveyQuestion]],
    roles: tuple[str, ...],
    period: Period,
) -> list[SideSummary]:
    """One survey's answers sent in the period, per side (in the order of `roles`)."""
    sides = {role: SideSummary(role, 0, [QuestionSummary(q) for q in questions(role)]) for role in roles}
    answers_by_role: dict[str, list[dict[str, object]]] = defaultdict(list)
    for role, answers in await session.execute(
        select(SurveyResponse.role, SurveyResponse.answers).where(
            SurveyResponse.survey == survey,
            SurveyResponse.submitted_at >= period.start,
            SurveyResponse.submitted_at < period.end,
        )
    ):
        if role in sides and isinstance(answers, dict):
            answers_by_role[role].append(answers)
    for role, side in sides.items():
        side.responses = len(answers_by_role[role])
        for summary in side.questions:
            for answers in answers_by_role[role]:
                _add_answer(summary, answers.get(summary.question.key))
            summary.texts.sort(key=str.casefold)  # no order of arrival, so no guessing who wrote what
            # A comment waits for enough answers on its side, an average or a share for enough answers to it.
            enough = side.responses if summary.question.kind == "text" else summary.answered
            if enough < MIN_ANSWERS:
                summary.withhold()
    return [sides[role] for role in roles]


def _add_answer(summary: QuestionSummary, raw: object) -> None:
    if raw is None or raw == "":
        return
    kind = summary.question.kind
    if kind == "rating":
        try:
            value = float(str(raw))
        except ValueError:
            return
        if 1 <= value <= 5:
            summary.ratings.append(value)
            summary.answered += 1
    elif kind == "yes_no":
        if _is_yes(raw):
            summary.yes += 1
        else:
            summary.no += 1
        summary.answered += 1
    else:
        text = str(raw).strip()
        if text:
            summary.texts.append(text)
            summary.answered += 1


def _is_yes(raw: object) -> bool:
    return raw is True or str(raw).strip().lower() in {"yes", "true", "1", "y"}
