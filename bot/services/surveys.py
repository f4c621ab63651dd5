"""The surveys: the programme's own surveys during the mentorship (`Programme.surveys`, each N months in or
after a milestone's meeting), and at the end of the cycle the evaluation survey with carrying on or closing;
one reminder for a survey left unanswered.

Both kinds are a notice to the person (kind SURVEY at the end of the cycle, SCHEDULED_SURVEY for the
programme's own, which names its survey in `data`), answered once with a SurveyResponse of that survey.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.core.context import queue_message
from bot.core.datacopy import row
from bot.core.daytime import add_months
from bot.core.errors import Refusal
from bot.core.notices import (
    CATCH_UP,
    OVERLAP,
    Claim,
    Note,
    claim,
    claim_many,
    since_last_run,
    taken_keys,
    unanswered_for,
    users_by_id,
)
from bot.core.outcomes import Outcome
from bot.core.registry import registry, sweep
from bot.i18n import _
from bot.programme import Programme, ScheduledSurvey, SurveyQuestion
from bot.services import ending
from bot.services.ending import YouEnded
from bot.services.nudges import answer, notice_for, open_pair_of, other_in
from bot.services.pairs import sides
from storage.models import FormProgress, MilestoneProgress, Notice, Pair, SurveyResponse, ThankYouNote, User

CYCLE_END, SURVEY, SURVEY_REMINDER = "cycle_end", "survey", "survey_reminder"
SCHEDULED_SURVEY = "scheduled_survey"
SURVEY_NAME = "end_of_cycle"  # the survey a response belongs to (SurveyResponse.survey)


@dataclass(frozen=True)
class CycleComplete(Outcome):
    """The pair's months are complete: `person` (as `role`) is thanked and offered the survey (notice
    `notice_id`), carrying on or closing, and a student the thank-you note to `other`."""

    notice_id: int
    pair: Pair
    person: User
    other: User
    role: str


@dataclass(frozen=True)
class ScheduledSurveyDue(Outcome):
    """The programme's survey `survey` is due for `person` (as `role`) about their mentorship with `other`,
    answered from notice `notice_id`."""

    notice_id: int
    person: User
    other: User
    survey: ScheduledSurvey
    role: str


@dataclass(frozen=True)
class SurveyReminder(Outcome):
    """The survey of notice `notice_id` is still unanswered after `survey_reminder_days`: the end-of-cycle
    one, or the programme's survey titled `title`."""

    notice_id: int
    person: User
    title: str = ""


@dataclass(frozen=True)
class SurveySent(Outcome):
    """`person` sent the survey (or had already: `already`). While the mentorship is open and undecided they
    are asked to carry on or close it (`decide`); a student who hasn't thanked `mentor` yet may do so."""

    notice_id: int
    person: User
    already: bool
    decide: bool = False
    pair_id: int | None = None
    thank: User | None = None


@dataclass(frozen=True)
class CarryingOn(Outcome):
    """`person` and `other` carry on informally after the cycle (`already` if that was decided before)."""

    other: User
    already: bool


@dataclass(frozen=True)
class CarryingOnTold(Outcome):
    """Told to the other side: `person` would like to carry on informally."""

    person: User


@dataclass(frozen=True)
class CloseAfterCycle(Outcome):
    """Before closing after the cycle: confirm, knowing `other` and the career team are told."""

    notice_id: int
    other: User


@sweep("cycle_end", order=40)
async def sweep_cycle_end(
    session: AsyncSession, now: dt.datetime, programme: Programme, settings: Settings
) -> list[Note]:
    since = await since_last_run(session, "cycle_end", now)
    pairs = list(
        await session.scalars(
            select(Pair)
            .where(Pair.status == "active", Pair.cycle_ends_at <= now, Pair.cycle_ends_at > since)
            .order_by(Pair.id)
        )
    )
    keys = {p.id: f"cycle:{p.id}:{p.cycle_ends_at:%Y%m%d}" for p in pairs}
    taken = await taken_keys(session, keys.values())
    pairs = [p for p in pairs if keys[p.id] not in taken]
    users = await users_by_id(session, {uid for p in pairs for uid in (p.mentor_id, p.mentee_id)})
    notes: list[Note] = []
    for pair in pairs:
        if await claim(session, keys[pair.id], CYCLE_END, now, pair_id=pair.id) is None:
            continue
        for person, other, role in sides(pair, users):
            key = f"survey:{pair.id}:{pair.cycle_ends_at:%Y%m%d}:{person.id}"
            notice_id = await claim(session, key, SURVEY, now, user_id=person.id, pair_id=pair.id, data={"role": role})
            if notice_id is not None:
                notes.append(Note(person.id, outcome=CycleComplete(notice_id, pair, person, other, role)))
    return notes


@sweep("scheduled_surveys", order=45)
async def sweep_scheduled_surveys(
    session: AsyncSession, now: dt.datetime, programme: Programme, settings: Settings
) -> list[Note]:
    """Each of the programme's surveys to its audience in every active mentorship, once, when it is due:
    "month:N" N months after the mentorship started (while its cycle runs), "milestone:KEY" once the
    pair's meeting for that milestone has happened (met, or evaluated since)."""
    if not programme.surveys:
        return []
    since = await since_last_run(session, "scheduled_surveys", now)
    due: list[tuple[ScheduledSurvey, Pair]] = []
    for survey in programme.surveys:
        kind, _sep, what = survey.after.partition(":")
        if kind == "month":
            found = await _months_in(session, now, since, int(what), programme)
        else:
            found = await _milestone_met(session, now, what)
        due += [(survey, pair) for pair in found]
    users = await users_by_id(session, {uid for _s, p in due for uid in (p.mentor_id, p.mentee_id)})
    asked = [
        (
            Claim(
                f"ssurvey:{survey.key}:{pair.id}:{person.id}",
                SCHEDULED_SURVEY,
                user_id=person.id,
                pair_id=pair.id,
                data={"role": role, "survey": survey.key},
            ),
            person,
            other,
            survey,
            role,
        )
        for survey, pair in due
        for person, other, role in sides(pair, users)
        if questions_for(survey, role)
    ]
    taken = await taken_keys(session, [claim.key for claim, *_rest in asked])
    asked = [item for item in asked if item[0].key not in taken]
    ids = await claim_many(session, now, [claim for claim, *_rest in asked])
    return [
        Note(person.id, outcome=ScheduledSurveyDue(ids[claim.key], person, other, survey, role))
        for claim, person, other, survey, role in asked
        if claim.key in ids
    ]


def questions_for(survey: ScheduledSurvey, role: str) -> list[SurveyQuestion]:
    """What the survey asks someone of this side (none when the survey is not for their side)."""
    if survey.audience not in ("both", role):
        return []
    return [q for q in survey.questions if q.audience in ("both", role)]


async def _months_in(
    session: AsyncSession, now: dt.datetime, since: dt.datetime, months: int, programme: Programme
) -> list[Pair]:
    """Active mentorships that reached `months` months since the last run, their cycle still running."""
    latest_start = add_months(now, -months)
    earliest_start = max(add_months(since, -months) - OVERLAP, add_months(now, -programme.cycle_months))
    pairs = await session.scalars(
        select(Pair)
        .where(
            Pair.status == "active",
            Pair.started_at <= latest_start,
            Pair.started_at > earliest_start,
            or_(Pair.cycle_ends_at.is_(None), Pair.cycle_ends_at > now),
        )
        .order_by(Pair.id)
    )
    return [p for p in pairs if p.started_at is not None and add_months(p.started_at, months) <= now]


async def _milestone_met(session: AsyncSession, now: dt.datetime, milestone: str) -> list[Pair]:
    """Active mentorships whose meeting for this milestone happened (in the last CATCH_UP days)."""
    pairs = await session.scalars(
        select(Pair)
        .join(MilestoneProgress, MilestoneProgress.pair_id == Pair.id)
        .where(
            Pair.status == "active",
            MilestoneProgress.milestone == milestone,
            MilestoneProgress.status.in_(("met", "done")),
            MilestoneProgress.met_at.is_not(None),
            MilestoneProgress.met_at <= now,
            MilestoneProgress.met_at > now - CATCH_UP,
        )
        .order_by(Pair.id)
    )
    return list(pairs)


@sweep("survey_reminders", order=50)
async def sweep_survey_reminders(
    session: AsyncSession, now: dt.datetime, programme: Programme, settings: Settings
) -> list[Note]:
    wait = dt.timedelta(days=programme.survey_reminder_days)
    surveys = await unanswered_for(session, SURVEY, wait, "survey_reminders", now)
    surveys += await unanswered_for(session, SCHEDULED_SURVEY, wait, "scheduled_survey_reminders", now)
    titles = {survey.key: survey.title for survey in programme.surveys}
    # A survey the programme no longer has isn't asked for again.
    surveys = [n for n in surveys if n.kind == SURVEY or (n.data or {}).get("survey") in titles]
    keys = {n.id: f"survey_remind:{n.id}" for n in surveys}
    taken = await taken_keys(session, keys.values())
    surveys = [n for n in surveys if keys[n.id] not in taken and n.user_id is not None]
    users = await users_by_id(session, {n.user_id for n in surveys if n.user_id is not None})
    midway = await _surveys_in_progress(session, set(users))
    notes = []
    for survey in surveys:
        person = users[survey.user_id]  # type: ignore[index]
        if person.reminders_paused or midway.get(person.id) == survey.id:
            continue  # someone half-way through the survey has its next question in front of them
        if (
            await claim(session, keys[survey.id], SURVEY_REMINDER, now, user_id=person.id, pair_id=survey.pair_id)
            is None
        ):
            continue
        title = titles[survey.data["survey"]] if survey.kind == SCHEDULED_SURVEY else ""
        notes.append(Note(person.id, outcome=SurveyReminder(survey.id, person, title)))
    return notes


async def _surveys_in_progress(session: AsyncSession, user_ids: set[int]) -> dict[int, int]:
    """Person -> the survey notice whose form they are filling in right now."""
    if not user_ids:
        return {}
    rows = await session.scalars(select(FormProgress).where(FormProgress.user_id.in_(sorted(user_ids))))
    return {row.user_id: row.context["notice"] for row in rows if isinstance(row.context.get("notice"), int)}


# --- the answers: the survey, carrying on, closing ----------------------------------------------------------


async def survey_notice(session: AsyncSession, user: User, payload: str) -> Notice:
    """The person's end-of-cycle notice a button names (the survey, carrying on and closing all hang on it)."""
    return await notice_for(session, user, payload, SURVEY)


async def survey_to_answer(session: AsyncSession, user: User, payload: str) -> Notice:
    """The person's survey notice a 'take the survey' button names: the end-of-cycle one or the programme's."""
    return await notice_for(session, user, payload, SURVEY, SCHEDULED_SURVEY)


def survey_of(notice: Notice) -> str:
    """Which survey a survey notice asks for (SurveyResponse.survey)."""
    return SURVEY_NAME if notice.kind == SURVEY else str((notice.data or {}).get("survey", ""))


def scheduled_survey_of(programme: Programme, notice: Notice) -> ScheduledSurvey:
    """The programme's survey a SCHEDULED_SURVEY notice asks for, while the programme still has it."""
    key = survey_of(notice)
    for survey in programme.surveys:
        if survey.key == key:
            return survey
    raise Refusal(_("That survey isn't open any more. Nothing was changed."))


async def record_survey(
    session: AsyncSession, user: User, notice_id: int, role: str, answers: dict[str, Any], now: dt.datetime
) -> SurveySent:
    """Keep the person's answers to the survey the notice asks for, once per mentorship (a second form sent
    is thanked, not stored). After the end-of-cycle survey come carrying on or closing, and the thank-you."""
    notice = await session.get(Notice, notice_id)
    if notice is None or notice.user_id != user.id or notice.kind not in (SURVEY, SCHEDULED_SURVEY):
        raise Refusal(_("That survey isn't open any more. Nothing was changed."))
    name = survey_of(notice)
    already = await session.scalar(
        select(SurveyResponse.id).where(
            SurveyResponse.pair_id == notice.pair_id,
            SurveyResponse.user_id == user.id,
            SurveyResponse.survey == name,
        )
    )
    if already is not None:
        return SurveySent(notice.id, user, already=True)
    session.add(
        SurveyResponse(
            pair_id=notice.pair_id,
            user_id=user.id,
            survey=name,
            role=role,
            answers={k: v for k, v in answers.items() if v is not None},
            submitted_at=now,
        )
    )
    answer(notice, "answered", now)
    if name != SURVEY_NAME:
        return SurveySent(notice.id, user, already=False)
    pair = await session.get(Pair, notice.pair_id) if notice.pair_id else None
    if pair is None:
        return SurveySent(notice.id, user, already=False)
    decide = pair.status != "ended" and pair.continue_after_cycle is None
    thank = None
    if role == "mentee":
        mentor = await session.get(User, pair.mentor_id)
        thanked = await session.scalar(select(ThankYouNote.id).where(ThankYouNote.pair_id == pair.id).limit(1))
        thank = mentor if thanked is None else None  # not offered again once the note is sent
    return SurveySent(notice.id, user, already=False, decide=decide, pair_id=pair.id, thank=thank)


async def carry_on(session: AsyncSession, user: User, payload: str, now: dt.datetime) -> CarryingOn:
    """Carry on informally after the cycle (no more monthly reminders); the other side is told."""
    notice = await survey_notice(session, user, payload)
    pair = await open_pair_of(session, notice)
    other = await other_in(session, pair, user)
    if pair.continue_after_cycle:
        return CarryingOn(other, already=True)
    pair.continue_after_cycle = True
    queue_message(session, now, CarryingOnTold(user), user_id=other.id)
    return CarryingOn(other, already=False)


async def ask_to_close(session: AsyncSession, user: User, payload: str) -> CloseAfterCycle:
    notice = await survey_notice(session, user, payload)
    pair = await open_pair_of(session, notice)
    return CloseAfterCycle(notice.id, await other_in(session, pair, user))


async def close_after_cycle(
    session: AsyncSession, user: User, payload: str, now: dt.datetime, programme: Programme
) -> YouEnded:
    """Close the mentorship now that the cycle is complete (both sides and staff are told)."""
    notice = await survey_notice(session, user, payload)
    pair = await open_pair_of(session, notice)
    await ending.end_pair(session, pair, by=user, reason="cycle", note="", now=now, programme=programme)
    return await ending.ended_by(session, pair, user, programme)


# --- this capability's part of a person's copy of their data ----------------------------------


@registry.export("survey_answers", covers=(SurveyResponse,))
async def _survey_answers(session: AsyncSession, user: User, now: dt.datetime) -> list[dict[str, Any]]:
    return [row(s) for s in await session.scalars(select(SurveyResponse).where(SurveyResponse.user_id == user.id))]


async def waiting_surveys(session: AsyncSession, user: User) -> list[Notice]:
    """The surveys sent to this person that they have not answered yet, oldest first (for /start, which
    offers them again: a message scrolled away or a restart must not lose them)."""
    return list(
        await session.scalars(
            select(Notice)
            .where(
                Notice.user_id == user.id,
                Notice.kind.in_((SURVEY, SCHEDULED_SURVEY)),
                Notice.answered_at.is_(None),
            )
            .order_by(Notice.id)
        )
    )
