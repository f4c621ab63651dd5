"""The end of the cycle: the evaluation survey, carrying on or closing, and a reminder for an unanswered survey."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.core.markup import fmt
from bot.core.notices import (
    Note,
    claim,
    since_last_run,
    taken_keys,
    unanswered_for,
    users_by_id,
)
from bot.core.registry import sweep
from bot.core.replies import Button
from bot.i18n import _
from bot.programme import Programme
from bot.services.pairs import sides
from storage.models import FormProgress, Pair, User

CYCLE_END, SURVEY, SURVEY_REMINDER = "cycle_end", "survey", "survey_reminder"


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
                notes.append(Note(person.id, *cycle_end_message(notice_id, pair, person, other, role, programme)))
    return notes


def cycle_end_message(
    notice_id: int, pair: Pair, person: User, other: User, role: str, programme: Programme
) -> tuple[str, list[list[Button]]]:
    lines = [
        fmt(
            _("{first}, your {months} months with {other} are complete. Thank you for the time you gave!"),
            first=person.first_name,
            months=programme.cycle_months,
            other=other.first_name,
        ),
        _(
            "Two small things: a two-minute survey helps us make the programme better, and you can choose to carry on "
            "informally or close the mentorship."
        ),
    ]
    payload = str(notice_id)
    buttons = [
        [Button(_("Take the survey"), "surv.start", payload, style="primary")],
        [Button(_("Carry on informally"), "surv.cont", payload), Button(_("Close it"), "surv.close", payload)],
    ]
    if role == "mentee":
        lines.append(fmt(_("And if you'd like to, send {other} a short thank-you note."), other=other.first_name))
        buttons.append([Button(_("Thank {other}").format(other=other.first_name), "end.thanks", str(pair.id))])
    return "\n\n".join(lines), buttons


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
        notes.append(
            Note(
                person.id,
                fmt(
                    _(
                        "A gentle reminder, {first}: the end-of-mentorship survey is still open. Two minutes, and "
                        "your answers shape next year's programme."
                    ),
                    first=person.first_name,
                ),
                [[Button(_("Take the survey"), "surv.start", str(survey.id), style="primary")]],
            )
        )
    return notes


async def _surveys_in_progress(session: AsyncSession, user_ids: set[int]) -> dict[int, int]:
    """Person -> the survey notice whose form they are filling in right now."""
    if not user_ids:
        return {}
    rows = await session.scalars(select(FormProgress).where(FormProgress.user_id.in_(sorted(user_ids))))
    return {row.user_id: row.context["notice"] for row in rows if isinstance(row.context.get("notice"), int)}
