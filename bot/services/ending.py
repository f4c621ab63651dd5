"""Ending a mentorship: either side (or staff, or the scheduler) ends it with a reason.

Ending frees the mentor's place, tells the other side and the career team, and invites the mentee to
thank their mentor. When the chemistry didn't work, the mentee is shown other mentors at once.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.context import queue_message
from bot.core.errors import Refusal
from bot.core.markup import esc, fmt
from bot.core.replies import Button, Reply
from bot.i18n import N_, _
from bot.programme import Programme
from bot.services.capacity import release_slot
from bot.services.pairs import close_forms_about
from storage.models import Pair, ThankYouNote, User

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
    "staff": N_("the career team closed it"),
    "cycle": N_("the programme's months are complete"),
    "rematch": N_("the career team closed it to find a better fit"),
}
MAX_THANKS = 2000


def reason_label(reason: str) -> str:
    return _(REASONS.get(reason, reason))


def reason_told(reason: str) -> str:
    return _(_REASON_TOLD.get(reason, reason))


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
    with `ending_reply`.
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
    await session.flush()

    mentor = await session.get(User, pair.mentor_id)
    mentee = await session.get(User, pair.mentee_id)
    assert mentor is not None and mentee is not None  # both sides exist while the pair does
    for side in (mentor, mentee):
        if by is not None and side.id == by.id:
            continue
        other = mentee if side is mentor else mentor
        reply = _told(pair, side, other, by, reason)
        if side is mentee:
            reply = await _with_mentee_next_steps(session, reply, pair, programme)
        queue_message(session, now, reply, user_id=side.id)
    queue_message(session, now, _staff_notice(pair, mentor, mentee, by, reason, note), to_staff=True)


async def ending_reply(session: AsyncSession, pair: Pair, by: User, programme: Programme) -> Reply:
    """What the side who ended it reads (the mentee also gets the thank-you invitation)."""
    other_id = pair.mentee_id if by.id == pair.mentor_id else pair.mentor_id
    other = await session.get(User, other_id)
    reply = Reply(
        fmt(
            _("Done: your mentorship with {name} has ended. We've let {first} and {office} know. Thank you!"),
            name=other.name if other else "",
            first=other.first_name if other else "",
            office=programme.office,
        )
    )
    if by.id == pair.mentee_id:
        reply = await _with_mentee_next_steps(session, reply, pair, programme)
    return reply


def _told(pair: Pair, side: User, other: User, by: User | None, reason: str) -> Reply:
    if reason == "rematch" and side.id == pair.mentee_id:
        # One message for the student: the close and the way on (other mentors follow in the same one).
        return Reply(
            fmt(
                _(
                    "{first}, your mentorship with {name} has been closed: "
                    "let's find you a mentor with more time for you."
                ),
                first=side.first_name,
                name=other.name,
            )
        )
    if by is None:
        text = fmt(
            _("Your mentorship with {name} has been closed ({reason}). Thank you for the time you gave it."),
            name=other.name,
            reason=reason_told(reason),
        )
    else:
        text = fmt(
            _(
                "{name} has ended your mentorship ({reason}). Thank you for the time you gave it — "
                "it counts, whatever the outcome."
            ),
            name=other.name,
            reason=reason_told(reason),
        )
    if side.id == pair.mentor_id:
        text += "\n" + _("Your place is free again, so another student can find you.")
    return Reply(text)


async def _with_mentee_next_steps(session: AsyncSession, reply: Reply, pair: Pair, programme: Programme) -> Reply:
    """Add the thank-you invitation, and other mentors when the fit was the problem."""
    text, buttons = reply.text, []
    thanked = await session.scalar(select(ThankYouNote.id).where(ThankYouNote.pair_id == pair.id).limit(1))
    if pair.end_reason != "forget" and thanked is None:  # nobody to receive it, or already sent (cycle end)
        text += "\n\n" + _("If you'd like to, send your mentor a short thank-you note: it means a lot to them.")
        buttons.append([Button(_("Write a thank-you note"), "end.thanks", str(pair.id), style="primary")])
    if pair.end_reason in ("chemistry", "forget", "rematch"):
        mentee = await session.get(User, pair.mentee_id)
        if mentee is not None:
            suggestions = await other_matches(session, mentee, programme, exclude_ids=(pair.mentor_id,))
            if suggestions:
                text += "\n\n" + suggestions
                buttons.append([Button(_("Browse mentors"), "browse.open")])
    return Reply(text, buttons=buttons)


async def other_matches(
    session: AsyncSession, mentee: User, programme: Programme, *, exclude_ids: tuple[int, ...] = ()
) -> str:
    """A few mentors who might fit better, as markup lines ('' when none is free)."""
    from bot.services.matching import best_mentors_for  # the browsing side's ranking

    matches = await best_mentors_for(session, mentee, programme, exclude_ids=exclude_ids, limit=3)
    if not matches:
        return ""
    lines = [_("Other mentors who might suit you:")]
    lines += [f"• <b>{esc(m.mentor.name)}</b> — {m.reason}" for m in matches]
    return "\n".join(lines)


def _staff_notice(pair: Pair, mentor: User, mentee: User, by: User | None, reason: str, note: str) -> Reply:
    who = by.name if by is not None else _("the career team or the schedule")
    lines = [
        fmt(
            _("Mentorship ended: {mentor} (mentor) and {mentee} (student), ended by {who}. Reason: {reason}."),
            mentor=mentor.name,
            mentee=mentee.name,
            who=who,
            reason=reason_told(reason),
        )
    ]
    if pair.started_at is not None:
        lines.append(fmt(_("Together since {day}."), day=pair.started_at.strftime("%d %B %Y")))
    if note.strip():
        lines.append(fmt(_("Note: {note}"), note=note.strip()))
    return Reply("\n".join(lines))


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
    queue_message(
        session,
        now,
        Reply(fmt(_("A thank-you note from {name}:\n\n<i>{text}</i>"), name=author.name, text=text)),
        user_id=pair.mentor_id,
    )
    await session.flush()
    return note
