"""The end of the cycle: the evaluation survey, carrying on or closing, and a reminder for an unanswered survey."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.core.context import queue_message
from bot.core.datacopy import row
from bot.core.errors import Refusal
from bot.core.notices import (
    Note,
    claim,
    since_last_run,
    taken_keys,
    unanswered_for,
    users_by_id,
)
from bot.core.outcomes import Outcome
from bot.core.registry import registry, sweep
from bot.i18n import _
from bot.programme import Programme
from bot.services import ending
from bot.services.ending import YouEnded
from bot.services.nudges import answer, notice_for, open_pair_of, other_in
from bot.services.pairs import sides
from storage.models import FormProgress, Notice, Pair, SurveyResponse, ThankYouNote, User

CYCLE_END, SURVEY, SURVEY_REMINDER = "cycle_end", "survey", "survey_reminder"
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
class SurveyReminder(Outcome):
    """The survey of notice `notice_id` is still unanswered after `survey_reminder_days`."""

    notice_id: int
    person: User


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


@sweep("survey_reminders", order=50)
async def sweep_survey_reminders(
    session: AsyncSession, now: dt.datetime, programme: Programme, settings: Settings
) -> list[Note]:
    wait = dt.timedelta(days=programme.survey_reminder_days)
    surveys = await unanswered_for(session, SURVEY, wait, "survey_reminders", now)
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
        notes.append(Note(person.id, outcome=SurveyReminder(survey.id, person)))
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


async def record_survey(
    session: AsyncSession, user: User, notice_id: int, role: str, answers: dict[str, Any], now: dt.datetime
) -> SurveySent:
    """Keep the person's answers once per mentorship (a second form sent is thanked, not stored)."""
    notice = await session.get(Notice, notice_id)
    if notice is None or notice.user_id != user.id:
        raise Refusal(_("That survey isn't open any more. Nothing was changed."))
    already = await session.scalar(
        select(SurveyResponse.id).where(
            SurveyResponse.pair_id == notice.pair_id,
            SurveyResponse.user_id == user.id,
            SurveyResponse.survey == SURVEY_NAME,
        )
    )
    if already is not None:
        return SurveySent(notice.id, user, already=True)
    session.add(
        SurveyResponse(
            pair_id=notice.pair_id,
            user_id=user.id,
            survey=SURVEY_NAME,
            role=role,
            answers={k: v for k, v in answers.items() if v is not None},
            submitted_at=now,
        )
    )
    answer(notice, "answered", now)
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
