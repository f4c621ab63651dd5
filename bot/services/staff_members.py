"""Who is on the career team. STAFF_IDS names the first members (and takes back the rights of those it stops
naming); members add and remove colleagues from the chat, and those stay until a colleague removes them.

Adding someone needs them to have written to the bot once, so that the bot knows which chat account is
theirs: a handle alone could be anyone's until its owner speaks.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.core.errors import Refusal
from bot.core.markup import fmt
from bot.core.outcomes import Outcome
from bot.core.payloads import id_in
from bot.i18n import _
from bot.services import audit
from storage.models import Identity, User

FROM_SETTINGS, FROM_CHAT = "settings", "chat"
MAX_FOUND = 6


@dataclass(frozen=True)
class JoinedStaff(Outcome):
    """Told to `person`: `by` added them to the career team."""

    person: User
    by: User


@dataclass(frozen=True)
class LeftStaff(Outcome):
    """Told to `person`: `by` removed them from the career team."""

    person: User
    by: User


async def members(session: AsyncSession) -> list[User]:
    return list(await session.scalars(select(User).where(User.is_staff.is_(True)).order_by(User.name, User.id)))


async def find_people(session: AsyncSession, wanted: str) -> list[User]:
    """People the bot knows by this handle (@name, any platform) or whose name holds these words."""
    words = wanted.strip().removeprefix("@").strip()
    if not words:
        return []
    handle = select(Identity.user_id).where(func.lower(Identity.username) == words.lower())
    query = (
        select(User)
        .where(or_(User.id.in_(handle), User.name.ilike(f"%{words}%")))
        .order_by(User.name, User.id)
        .limit(MAX_FOUND + 1)
    )
    return list(await session.scalars(query))


async def _person(session: AsyncSession, payload: str) -> User:
    missing = _("I couldn't find that person. /staff lists the career team; /staff add @name adds someone.")
    person = await session.get(User, id_in(payload, missing))
    if person is None:
        raise Refusal(missing)
    return person


def named_in_settings(person: User, settings: Settings) -> bool:
    return any((i.platform, i.external_id) in settings.staff_identities for i in person.identities)


async def add(session: AsyncSession, by: User, payload: str, now: dt.datetime) -> JoinedStaff:
    """Make the person of `payload` a member of the career team, from the chat."""
    person = await _person(session, payload)
    if person.is_staff:
        raise Refusal(fmt(_("{name} is on the career team already. /staff lists everyone."), name=person.name))
    person.is_staff, person.staff_source = True, FROM_CHAT
    await audit.record(session, by, "staff_add", now, subject=person)
    return JoinedStaff(person, by)


async def remove(session: AsyncSession, by: User, payload: str, now: dt.datetime, settings: Settings) -> LeftStaff:
    """Take the person of `payload` off the career team. Not the last member (the programme would have nobody
    to run it), and not one STAFF_IDS names (they would be back on their next message)."""
    person = await _person(session, payload)
    await session.refresh(person, ["identities"])
    if not person.is_staff:
        raise Refusal(fmt(_("{name} is not on the career team. /staff lists who is."), name=person.name))
    if named_in_settings(person, settings):
        raise Refusal(
            fmt(
                _(
                    "{name} is named in the bot's STAFF_IDS setting, so they would be back on their next "
                    "message. Whoever runs the bot can take them out of it."
                ),
                name=person.name,
            )
        )
    others = await session.scalar(
        select(func.count()).select_from(User).where(User.is_staff.is_(True), User.id != person.id)
    )
    if not others:
        raise Refusal(_("The career team can't be left without anyone: add a colleague first, then remove."))
    person.is_staff, person.staff_source = False, None
    await audit.record(session, by, "staff_remove", now, subject=person)
    return LeftStaff(person, by)
