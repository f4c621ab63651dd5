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

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.datacopy import row
from bot.core.registry import registry
from bot.core.replies import Attachment
from bot.programme import Programme
from bot.services.ending import end_pair
from bot.services.pairs import open_pairs_of
from bot.services.requests import close_requests_of_leaver
from storage.models import (
    Identity,
    ThankYouNote,
    User,
)


async def export(session: AsyncSession, user: User, now: dt.datetime) -> dict[str, Any]:
    """Everything about the person that they may see (other people's private notes are left out): one
    section per capability that holds something about them, as each declared it with `@export`."""
    data: dict[str, Any] = {"exported_at": now.isoformat()}
    for section, exporter in sorted(registry.exporters.items()):
        data[section] = await exporter(session, user, now)
    return data


@registry.export("you", covers=(User,))
async def _you(session: AsyncSession, user: User, now: dt.datetime) -> dict[str, Any]:
    return row(user)


@registry.export("platforms", covers=(Identity,))
async def _platforms(session: AsyncSession, user: User, now: dt.datetime) -> list[dict[str, Any]]:
    identities = await session.scalars(select(Identity).where(Identity.user_id == user.id))
    return [{"platform": i.platform, "username": i.username} for i in identities]


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
