"""Export sections waiting to move beside their capabilities' rules."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.datacopy import row
from bot.core.registry import registry
from bot.services import contacts, goals
from storage.models import (
    ContactLog,
    Goal,
    GoalNote,
    Pair,
    SurveyResponse,
    ThankYouNote,
    User,
)


@registry.pair_export("contacts", covers=(ContactLog,))
async def _contacts(session: AsyncSession, pair: Pair, user: User) -> list[dict[str, Any]]:
    return [row(c) for c in await contacts.history(session, pair, user, limit=10_000)]


@registry.pair_export("goals", covers=(Goal, GoalNote))
async def _goals(session: AsyncSession, pair: Pair, user: User) -> list[dict[str, Any]]:
    plan = []
    for goal in await goals.goals_of(session, pair):
        entry = row(goal)
        entry["notes"] = [row(n) for n in await goals.notes_of(session, goal)]
        plan.append(entry)
    return plan


@registry.export("thank_you_notes", covers=(ThankYouNote,))
async def _thank_you_notes(session: AsyncSession, user: User, now: dt.datetime) -> list[dict[str, Any]]:
    notes = await session.scalars(
        select(ThankYouNote).where(or_(ThankYouNote.author_id == user.id, ThankYouNote.recipient_id == user.id))
    )
    return [row(n) for n in notes]


@registry.export("survey_answers", covers=(SurveyResponse,))
async def _survey_answers(session: AsyncSession, user: User, now: dt.datetime) -> list[dict[str, Any]]:
    return [row(s) for s in await session.scalars(select(SurveyResponse).where(SurveyResponse.user_id == user.id))]
