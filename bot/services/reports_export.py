"""Reports for the career team: every mentorship as a CSV file, and what the surveys say.

Who sees what (the surveys are confidential):
- Only staff can ask for either report; mentors and students never see survey answers, theirs or others'.
- The CSV lists mentorships (names, dates, how many contacts, how it ended): what staff already see one by
  one. It holds no survey answers and no contact notes.
- The survey summary gives averages per rating question and yes/no shares, per side (students, mentors),
  and lists the free-text answers without names, sorted alphabetically so their order says nothing
  about who wrote them or when: the end-of-cycle survey's, and each of the programme's own surveys' apart.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from bot.core.replies import Attachment
from bot.i18n import _
from bot.programme import Programme, ScheduledSurvey, SurveyQuestion
from bot.services.ending import reason_label
from bot.services.recognition import Period
from bot.services.surveys import SURVEY_NAME, questions_for
from storage.models import ContactLog, Pair, SurveyResponse, User

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
    content = buffer.getvalue().encode("utf-8-sig")
    return Attachment(filename=f"mentorships-{now:%Y-%m-%d}.csv", content=content, mime="text/csv")


# --- the survey summary ------------------------------------------------------------------------------


@dataclass
class QuestionSummary:
    question: SurveyQuestion
    ratings: list[float] = field(default_factory=list)
    yes: int = 0
    no: int = 0
    texts: list[str] = field(default_factory=list)

    @property
    def average(self) -> float | None:
        return round(sum(self.ratings) / len(self.ratings), 1) if self.ratings else None

    @property
    def yes_share(self) -> int | None:
        answered = self.yes + self.no
        return round(100 * self.yes / answered) if answered else None


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
    elif kind == "yes_no":
        if _is_yes(raw):
            summary.yes += 1
        else:
            summary.no += 1
    else:
        text = str(raw).strip()
        if text:
            summary.texts.append(text)


def _is_yes(raw: object) -> bool:
    return raw is True or str(raw).strip().lower() in {"yes", "true", "1", "y"}
