"""Export sections waiting to move beside their capabilities' rules."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.registry import registry
from bot.services import contacts, goals
from bot.services.privacy import row
from storage.models import (
    ContactLog,
    Goal,
    GoalNote,
    MenteeProfile,
    MentorProfile,
    MentorshipRequest,
    Pair,
    Report,
    SurveyResponse,
    ThankYouNote,
    User,
)


@registry.export("mentor_profile", covers=(MentorProfile,))
async def _mentor_profile(session: AsyncSession, user: User, now: dt.datetime) -> dict[str, Any] | None:
    profile = await session.get(MentorProfile, user.id)
    return row(profile) if profile else None


@registry.export("student_profile", covers=(MenteeProfile,))
async def _student_profile(session: AsyncSession, user: User, now: dt.datetime) -> dict[str, Any] | None:
    profile = await session.get(MenteeProfile, user.id)
    return row(profile) if profile else None


@registry.export("requests", covers=(MentorshipRequest,))
async def _requests(session: AsyncSession, user: User, now: dt.datetime) -> list[dict[str, Any]]:
    requests = await session.scalars(
        select(MentorshipRequest).where(
            or_(MentorshipRequest.mentee_id == user.id, MentorshipRequest.mentor_id == user.id)
        )
    )
    return [row(r) for r in requests]


@registry.export("mentorships", covers=(Pair,))
async def _mentorships(session: AsyncSession, user: User, now: dt.datetime) -> list[dict[str, Any]]:
    """Each mentorship with what each capability keeps about it (`@pair_export`: contacts, goals ...)."""
    pairs = await session.scalars(
        select(Pair).where(or_(Pair.mentor_id == user.id, Pair.mentee_id == user.id)).order_by(Pair.id)
    )
    items = []
    for pair in list(pairs):
        other = await session.get(User, pair.mentee_id if user.id == pair.mentor_id else pair.mentor_id)
        item = row(pair)
        item["your_role"] = "mentor" if user.id == pair.mentor_id else "student"
        item["with"] = other.name if other else None
        for part, exporter in sorted(registry.pair_exporters.items()):
            item[part] = await exporter(session, pair, user)
        items.append(item)
    return items


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


@registry.export("reports_you_sent", covers=(Report,))
async def _reports(session: AsyncSession, user: User, now: dt.datetime) -> list[dict[str, Any]]:
    return [row(r) for r in await session.scalars(select(Report).where(Report.reporter_id == user.id))]


@registry.export("survey_answers", covers=(SurveyResponse,))
async def _survey_answers(session: AsyncSession, user: User, now: dt.datetime) -> list[dict[str, Any]]:
    return [row(s) for s in await session.scalars(select(SurveyResponse).where(SurveyResponse.user_id == user.id))]
