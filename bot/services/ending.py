"""Ending a mentorship: either side (or staff, or the scheduler) ends it with a reason.

Ending frees the mentor's place, tells the other side and the career team, and invites the mentee to
thank their mentor. When the chemistry didn't work, the mentee is shown other mentors at once.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.context import queue_message
from bot.core.datacopy import row
from bot.core.errors import Refusal
from bot.core.markup import fmt
from bot.core.outcomes import Outcome
from bot.core.registry import registry
from bot.i18n import N_, _
from bot.programme import Programme
from bot.services import audit, cases
from bot.services.capacity import release_slot
from bot.services.matching import Match, best_mentors_for
from bot.services.pairs import close_forms_about
from storage.models import Pair, Report, ThankYouNote, User

# Reasons in the order /end offers them, with the words each side reads.
REASONS: dict[str, str] = {
    "achieved": N_("We reached our goals"),
    "chemistry": N_("It isn't the right fit"),
    "circumstances": N_("My circumstances changed"),
    "other": N_("Another reason"),
}
# How the other side and staff read the reason (third person).
_REASON_TOLD: dict[str, str] = {
    "achieved": N_("the goals were reached"),
    "chemistry": N_("it wasn't the right fit"),
    "circumstances": N_("circumstances changed"),
    "other": N_("another reason"),
    "forget": N_("they left the programme"),
    "staff": N_("{office} closed it"),
    "cycle": N_("the programme's months are complete"),
    "rematch": N_("{office} closed it to find a better fit"),
}
MAX_THANKS = 2000


def reason_label(reason: str) -> str:
    return _(REASONS.get(reason, reason))


def reason_told(reason: str, programme: Programme) -> str:
    return _(_REASON_TOLD.get(reason, reason)).replace("{office}", programme.office)


@dataclass(frozen=True)
class MenteeNextSteps:
    """What a student whose mentorship ended may do next: thank the mentor (unless they did, or left), and,
    when the fit was the problem, the mentors who might suit them better (with a way to browse)."""

    pair: Pair
    invite_thanks: bool
    matches: tuple[Match, ...] = ()


@dataclass(frozen=True)
class PairClosed(Outcome):
    """Told to `side`, who did not end it: their mentorship with `other` ended, by `by` (None: staff or the
    schedule) for `reason`; a student also reads their `next_steps`."""

    pair: Pair
    side: User
    other: User
    by: User | None
    reason: str
    next_steps: MenteeNextSteps | None


@dataclass(frozen=True)
class PairClosedForStaff(Outcome):
    """The career team's record of an ending: who, ended by whom, why, since when, with the note."""

    pair: Pair
    mentor: User
    mentee: User
    by: User | None
    reason: str
    note: str


@dataclass(frozen=True)
class YouEnded(Outcome):
    """What the side who ended it reads: done, `other` and the career team know (a student: `next_steps`)."""

    pair: Pair
    other: User | None
    next_steps: MenteeNextSteps | None


@dataclass(frozen=True)
class ThanksReceived(Outcome):
    """A student's thank-you note, delivered to their mentor exactly as written."""

    author: User
    text: str


async def end_pair(
    session: AsyncSession,
    pair: Pair,
    *,
    by: User | None,
    reason: str,
    note: str,
    now: dt.datetime,
    programme: Programme,
) -> None:
    """End an open mentorship. `by` is the side who ended it (None: staff or the scheduler).

    Everyone but `by` is told through the outbox: the other side, the career team, and the mentee gets
    the invitation to thank (and other matches after a poor fit). The caller answers `by` itself,
    with `ended_by`.
    """
    if pair.status == "ended":
        raise Refusal(_("That mentorship has already ended. Nothing was changed."))
    if by is not None and by.id not in (pair.mentor_id, pair.mentee_id):
        raise Refusal(_("That isn't one of your mentorships, so you can't end it."))
    pair.status = "ended"
    pair.ended_at = now
    pair.ended_by = by.id if by is not None else None
    pair.end_reason = reason[:40]
    pair.end_note = note.strip()
    await release_slot(session, pair.mentor_id)  # every open pair holds one of the mentor's places
    await close_forms_about(session, pair, (pair.mentor_id, pair.mentee_id))
    for hook in registry.pair_closed_hooks:  # what other capabilities end with it (planned meetings ...)
        await hook(session, pair, now)
    await session.flush()

    mentor = await session.get(User, pair.mentor_id)
    mentee = await session.get(User, pair.mentee_id)
    assert mentor is not None and mentee is not None  # both sides exist while the pair does
    for side in (mentor, mentee):
        if by is not None and side.id == by.id:
            continue
        other = mentee if side is mentor else mentor
        steps = await _mentee_next_steps(session, pair, programme) if side is mentee else None
        queue_message(session, now, PairClosed(pair, side, other, by, reason, steps), user_id=side.id)
    queue_message(session, now, PairClosedForStaff(pair, mentor, mentee, by, reason, note), to_staff=True)


async def ended_by(session: AsyncSession, pair: Pair, by: User, programme: Programme) -> YouEnded:
    """What the side who ended it reads (the mentee also gets the thank-you invitation)."""
    other = await session.get(User, pair.mentee_id if by.id == pair.mentor_id else pair.mentor_id)
    steps = await _mentee_next_steps(session, pair, programme) if by.id == pair.mentee_id else None
    return YouEnded(pair, other, steps)


async def _mentee_next_steps(session: AsyncSession, pair: Pair, programme: Programme) -> MenteeNextSteps:
    """The thank-you invitation, and other mentors when the fit was the problem."""
    thanked = await session.scalar(select(ThankYouNote.id).where(ThankYouNote.pair_id == pair.id).limit(1))
    invite = pair.end_reason != "forget" and thanked is None  # nobody to receive it, or already sent (cycle end)
    matches: list[Match] = []
    if pair.end_reason in ("chemistry", "forget", "rematch"):
        mentee = await session.get(User, pair.mentee_id)
        if mentee is not None:
            assert pair.ended_at is not None  # next steps are for a mentorship that has ended
            matches = await best_mentors_for(
                session, mentee, programme, exclude_ids=(pair.mentor_id,), limit=3, now=pair.ended_at
            )
    return MenteeNextSteps(pair, invite, tuple(matches))


async def send_thanks(session: AsyncSession, pair: Pair, author: User, text: str, now: dt.datetime) -> ThankYouNote:
    """The mentee's thank-you note, kept and delivered to the mentor."""
    if author.id != pair.mentee_id:
        raise Refusal(_("Thank-you notes go from a student to their mentor."))
    text = text.strip()
    if not text:
        raise Refusal(_("Please write a few words, for example: 'Thank you for your time and your advice!'"))
    if len(text) > MAX_THANKS:
        raise Refusal(fmt(_("That's a bit long: please keep it under {n} characters."), n=MAX_THANKS))
    note = ThankYouNote(pair_id=pair.id, author_id=author.id, recipient_id=pair.mentor_id, text=text, created_at=now)
    session.add(note)
    queue_message(session, now, ThanksReceived(author, text), user_id=pair.mentor_id)
    await session.flush()
    return note


# --- this capability's part of a person's copy of their data ----------------------------------


@registry.export("thank_you_notes", covers=(ThankYouNote,))
async def _thank_you_notes(session: AsyncSession, user: User, now: dt.datetime) -> list[dict[str, Any]]:
    notes = await session.scalars(
        select(ThankYouNote).where(or_(ThankYouNote.author_id == user.id, ThankYouNote.recipient_id == user.id))
    )
    return [row(n) for n in notes]


async def end_for_case(
    session: AsyncSession, report: Report, pair: Pair, staff: User, now: dt.datetime, programme: Programme, reason: str
) -> None:
    """Staff close a case's mentorship (to end it, or to re-match the student): both sides are told, the case
    is resolved by it, and the audit log says who ended it."""
    await end_pair(session, pair, by=None, reason=reason, note="", now=now, programme=programme)
    await cases.resolve_with(session, report, staff, now)
    await audit.record(session, staff, "end", now, subject=pair.mentee_id, other=pair.mentor_id, pair_id=pair.id)
