"""A person's data: an export of everything we hold about them, and forgetting them.

Forgetting ends their open mentorships properly first (the other side and staff are told, places freed),
then deletes the person; the database removes what hangs off them (identities, profiles, requests,
mentorships with their logs and goals, form progress, queued messages). Reports they sent stay with the
career team without their name (the reporter link is cleared).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sqlalchemy import delete, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.replies import Attachment
from bot.programme import Programme
from bot.services import contacts, goals
from bot.services.ending import end_pair
from bot.services.pairs import open_pairs_of
from bot.services.requests import close_requests_of_leaver
from storage.models import (
    Identity,
    MenteeProfile,
    MentorProfile,
    MentorshipRequest,
    Pair,
    Report,
    SurveyResponse,
    ThankYouNote,
    User,
)


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value


def _row(obj: Any, *, skip: tuple[str, ...] = ()) -> dict[str, Any]:
    return {c.key: _plain(getattr(obj, c.key)) for c in obj.__table__.columns if c.key not in skip}


async def export(session: AsyncSession, user: User, now: dt.datetime) -> dict[str, Any]:
    """Everything about the person that they may see (other people's private notes are left out)."""
    identities = await session.scalars(select(Identity).where(Identity.user_id == user.id))
    data: dict[str, Any] = {
        "exported_at": now.isoformat(),
        "you": _row(user),
        "platforms": [{"platform": i.platform, "username": i.username} for i in identities],
    }
    mentor = await session.get(MentorProfile, user.id)
    mentee = await session.get(MenteeProfile, user.id)
    data["mentor_profile"] = _row(mentor) if mentor else None
    data["student_profile"] = _row(mentee) if mentee else None
    requests = await session.scalars(
        select(MentorshipRequest).where(
            or_(MentorshipRequest.mentee_id == user.id, MentorshipRequest.mentor_id == user.id)
        )
    )
    data["requests"] = [_row(r) for r in requests]
    data["mentorships"] = [await _pair_export(session, pair, user) for pair in await _pairs(session, user)]
    notes = await session.scalars(
        select(ThankYouNote).where(or_(ThankYouNote.author_id == user.id, ThankYouNote.recipient_id == user.id))
    )
    data["thank_you_notes"] = [_row(n) for n in notes]
    data["reports_you_sent"] = [
        _row(r) for r in await session.scalars(select(Report).where(Report.reporter_id == user.id))
    ]
    surveys = await session.scalars(select(SurveyResponse).where(SurveyResponse.user_id == user.id))
    data["survey_answers"] = [_row(s) for s in surveys]
    return data


async def _pairs(session: AsyncSession, user: User) -> list[Pair]:
    rows = await session.scalars(
        select(Pair).where(or_(Pair.mentor_id == user.id, Pair.mentee_id == user.id)).order_by(Pair.id)
    )
    return list(rows)


async def _pair_export(session: AsyncSession, pair: Pair, user: User) -> dict[str, Any]:
    other = await session.get(User, pair.mentee_id if user.id == pair.mentor_id else pair.mentor_id)
    item = _row(pair)
    item["your_role"] = "mentor" if user.id == pair.mentor_id else "student"
    item["with"] = other.name if other else None
    item["contacts"] = [_row(c) for c in await contacts.history(session, pair, user, limit=10_000)]
    plan = []
    for goal in await goals.goals_of(session, pair):
        entry = _row(goal)
        entry["notes"] = [_row(n) for n in await goals.notes_of(session, goal)]
        plan.append(entry)
    item["goals"] = plan
    return item


def as_attachment(data: dict[str, Any], now: dt.datetime) -> Attachment:
    content = json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True).encode()
    return Attachment(filename=f"my-mentorship-data-{now:%Y-%m-%d}.json", content=content, mime="application/json")


async def forget(session: AsyncSession, user: User, *, now: dt.datetime, programme: Programme) -> Attachment:
    """End the person's open mentorships, export their data, then delete them. Returns the export."""
    for pair in await open_pairs_of(session, user):
        await end_pair(session, pair, by=user, reason="forget", note="", now=now, programme=programme)
    await close_requests_of_leaver(session, user, now, programme)
    attachment = as_attachment(await export(session, user, now), now)
    await session.execute(delete(ThankYouNote).where(ThankYouNote.author_id == user.id))
    await session.flush()  # the messages telling the other sides are written before the person goes
    user_id = user.id
    session.expunge_all()  # nothing loaded may be written back over the deleted rows
    await session.execute(delete(User).where(User.id == user_id))
    return attachment
