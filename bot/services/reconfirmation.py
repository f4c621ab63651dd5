"""Once a year mentors confirm their profile is up to date; one left unanswered is paused (hidden) until they resume."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import String, cast, literal, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.core import notices
from bot.core.markup import fmt
from bot.core.notices import (
    Note,
    batch,
    claim,
    unanswered_for,
    users_by_id,
)
from bot.core.registry import sweep
from bot.core.replies import Button
from bot.i18n import _
from bot.programme import Programme
from storage.models import MentorProfile, Notice, User

RECONFIRM, RECONFIRM_PAUSE = "reconfirm", "reconfirm_pause"


def reconfirmation_start(now: dt.datetime, programme: Programme) -> dt.datetime | None:
    """The start of this year's reconfirmation month (the latest one not after `now`)."""
    month = programme.reconfirmation_month
    if month is None:
        return None
    year = now.year if now.month >= month else now.year - 1
    return dt.datetime(year, month, 1, tzinfo=dt.UTC)


@sweep("reconfirmation", order=60)
async def sweep_reconfirmation(
    session: AsyncSession, now: dt.datetime, programme: Programme, settings: Settings
) -> list[Note]:
    """Every reconfirmation month, active mentors not confirmed since its start are asked once."""
    start = reconfirmation_start(now, programme)
    if start is None or now >= start + dt.timedelta(days=programme.reconfirmation_grace_days):
        return []  # outside this year's window: asking late would only lead to a pause without notice
    asked = select(Notice.id).where(
        Notice.key == literal("reconf:") + cast(MentorProfile.user_id, String) + literal(f":{start.year}")
    )
    profiles = list(
        await session.scalars(
            select(MentorProfile)
            .where(
                MentorProfile.active.is_(True),
                (MentorProfile.confirmed_at < start) | MentorProfile.confirmed_at.is_(None),
                MentorProfile.status == "approved",
                ~asked.exists(),  # not asked yet this year: the scan skips the ones waiting for an answer
            )
            .order_by(MentorProfile.user_id)
            .limit(notices.BATCH + 1)
        )
    )
    more, profiles = len(profiles) > notices.BATCH, profiles[: notices.BATCH]
    users = await users_by_id(session, {p.user_id for p in profiles})
    notes = []
    for user_id, person in sorted(users.items()):
        key, data = f"reconf:{user_id}:{start.year}", {"year": start.year}
        notice_id = await claim(session, key, RECONFIRM, now, user_id=user_id, data=data)
        if notice_id is None:
            continue
        if person.reminders_paused:
            # Not asked, so never paused for silence; recorded so the next run moves on.
            await session.execute(update(Notice).where(Notice.id == notice_id).values(answer="quiet", answered_at=now))
            continue
        text_ = fmt(
            _(
                "Hi {first}! Once a year we ask mentors to check their profile, so students find the right person. "
                "Is yours still up to date? If we don't hear from you within {days} days, we'll hide it for a while."
            ),
            first=person.first_name,
            days=programme.reconfirmation_grace_days,
        )
        payload = str(notice_id)
        notes.append(
            Note(
                user_id,
                text_,
                [
                    [
                        Button(_("Still up to date"), "reconf.ok", payload, style="primary"),
                        Button(_("Edit my profile"), "reconf.edit", payload),
                    ]
                ],
            )
        )
    return batch(notes, more)


@sweep("reconfirmation_pause", order=70)
async def sweep_reconfirmation_pause(
    session: AsyncSession, now: dt.datetime, programme: Programme, settings: Settings
) -> list[Note]:
    """Mentors who left the yearly question unanswered for the grace period are paused and told how to resume."""
    grace = dt.timedelta(days=programme.reconfirmation_grace_days)
    asks = await unanswered_for(session, RECONFIRM, grace, "reconfirmation_pause", now)
    notes = []
    for ask in asks:
        profile = await session.get(MentorProfile, ask.user_id)
        confirmed = profile is not None and profile.confirmed_at is not None and profile.confirmed_at >= ask.created_at
        ask.answer, ask.answered_at = ("confirmed" if confirmed else "paused"), now
        if profile is None or confirmed or not profile.active:
            continue
        if await claim(session, f"reconf_pause:{ask.id}", RECONFIRM_PAUSE, now, user_id=ask.user_id) is None:
            continue
        profile.active = False
        profile.updated_at = now
        person = await session.get(User, ask.user_id)
        notes.append(
            Note(
                profile.user_id,
                fmt(
                    _(
                        "{first}, we didn't hear back about your profile, so we've hidden it from students for now. "
                        "Mentees you already have keep you. Whenever you're ready, send /resume or tap below."
                    ),
                    first=person.first_name if person else "",
                ),
                [[Button(_("Resume now"), "profile.resume", style="primary")]],
            )
        )
    return notes
