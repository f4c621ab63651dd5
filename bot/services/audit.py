"""The audit log: every action of the career team (approving, rejecting, matching, ending, resolving,
broadcasting, exporting, certificates, changes to the team), who did it, about whom and when.

Each service that carries out a staff action records it here, in the transaction that does it, so an action
that fails leaves no line and a line always means it happened. Names are read from the people's rows when
the log is shown: a person who has left the programme (and whose data was deleted) appears as "someone who
left", never by name.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.registry import export
from bot.i18n import N_, _
from storage.models import AuditEntry, User

# What each action reads as in /audit: "Sam approved Olzhas", "Sam matched Alex with Aigerim".
ACTIONS = {
    "approve": N_("approved the mentor {subject}"),
    "reject": N_("did not approve the mentor {subject}"),
    "match": N_("matched {subject} with {other}"),
    "end": N_("ended the mentorship of {subject} and {other}"),
    "resolve": N_("resolved case #{detail} about {subject}"),
    "take": N_("took case #{detail} about {subject}"),
    "orientation": N_("recorded the orientation of {subject}"),
    "broadcast": N_("sent a message to {detail}"),
    "export": N_("exported the programme's data"),
    "certificate": N_("sent a certificate of appreciation to {subject}"),
    "staff_add": N_("added {subject} to the career team"),
    "staff_remove": N_("removed {subject} from the career team"),
    "invite": N_("invited {detail}"),
    "staff_invite": N_("made a link inviting a colleague to the career team"),
}
MAX_DETAIL = 500
PAGE = 20


async def record(
    session: AsyncSession,
    actor: User,
    action: str,
    now: dt.datetime,
    *,
    subject: User | int | None = None,
    other: User | int | None = None,
    pair_id: int | None = None,
    detail: str = "",
) -> AuditEntry:
    """Write down that `actor` did `action` (a key of ACTIONS) about `subject` (and `other`, a pair's other
    side) now."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    entry = AuditEntry(
        at=now,
        actor_id=actor.id,
        action=action,
        subject_id=_id(subject),
        other_id=_id(other),
        pair_id=pair_id,
        detail=detail[:MAX_DETAIL],
    )
    session.add(entry)
    await session.flush()
    return entry


def _id(person: User | int | None) -> int | None:
    return person.id if isinstance(person, User) else person


@dataclass(frozen=True)
class Line:
    """One entry of the log as staff read it."""

    entry: AuditEntry
    actor: str
    subject: str
    other: str

    def words(self) -> str:
        """'approved the mentor Olzhas Nurpeisov' (plain text; the caller escapes it)."""
        return _(ACTIONS[self.entry.action]).format(subject=self.subject, other=self.other, detail=self.entry.detail)


async def recent(
    session: AsyncSession, *, before: int | None = None, about: int | None = None, limit: int = PAGE
) -> list[Line]:
    """The newest entries (older than entry `before`; only those about person `about`), newest first."""
    query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    if before is not None:
        query = query.where(AuditEntry.id < before)
    if about is not None:
        query = query.where(or_(AuditEntry.subject_id == about, AuditEntry.other_id == about))
    entries = list(await session.scalars(query))
    return await _named(session, entries)


async def all_entries(session: AsyncSession) -> list[Line]:
    """The whole log, oldest first, for the export."""
    entries = list(await session.scalars(select(AuditEntry).order_by(AuditEntry.id)))
    return await _named(session, entries)


async def _named(session: AsyncSession, entries: list[AuditEntry]) -> list[Line]:
    ids = {i for e in entries for i in (e.actor_id, e.subject_id, e.other_id) if i is not None}
    names = {row.id: row.name for row in await session.execute(select(User.id, User.name).where(User.id.in_(ids)))}
    gone = _("someone who left")  # a row set to NULL, or a person deleted since: never named

    def name(person_id: int | None) -> str:
        return names.get(person_id, gone) if person_id is not None else gone

    return [Line(entry, name(entry.actor_id), name(entry.subject_id), name(entry.other_id)) for entry in entries]


@export("office_actions", covers=(AuditEntry,))
async def _export(session: AsyncSession, user: User, now: dt.datetime) -> list[dict[str, Any]]:
    """What the career team did about the person (approved them, matched them ...), and, for a member of the
    team, what they did."""
    entries = list(
        await session.scalars(
            select(AuditEntry)
            .where(
                or_(AuditEntry.subject_id == user.id, AuditEntry.other_id == user.id, AuditEntry.actor_id == user.id)
            )
            .order_by(AuditEntry.id)
        )
    )
    return [
        {
            "when": line.entry.at.isoformat(),
            "by": line.actor if line.entry.actor_id != user.id else _("you"),
            "what": line.words(),
        }
        for line in await _named(session, entries)
    ]
