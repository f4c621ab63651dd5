"""No contact for the agreed interval: nudges to both sides, then the career team (graded escalation).

A pair is overdue when nothing was logged for its agreed contact interval; step k (1..N) nudges both sides,
step N+1 files a case for staff. Each step is one notice row, claimed once.

The one-tap answers to the scheduler's notices (here, and in check-ins, surveys and the reconfirmation)
carry the notice's id: `notice_for` honours it only for the person it was sent to.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.core import notices
from bot.core.dates import day_text
from bot.core.errors import Refusal
from bot.core.markup import fmt
from bot.core.notices import (
    Claim,
    Note,
    batch,
    claim,
    claim_many,
    taken_at,
    users_by_id,
)
from bot.core.policy import YES, Decision, no
from bot.core.registry import sweep
from bot.core.replies import Button
from bot.i18n import N_, _, ngettext
from bot.programme import Programme
from bot.services import cases
from bot.services.pairs import sides
from storage.models import Notice, Pair, User

NUDGE_DUE, NUDGE, ESCALATION, ESCALATION_TOLD = "nudge_due", "nudge", "escalation", "escalation_told"


# --- the notice a one-tap answer belongs to -------------------------------------------------------------


def _notice_id(payload: str) -> int:
    if not payload.isdigit():
        raise Refusal(_("That button no longer works. /help shows what you can do now."))
    return int(payload)


async def notice_for(session: AsyncSession, user: User, payload: str, *kinds: str) -> Notice:
    """The notice a button's payload names, if it is of one of these kinds and was sent to this person."""
    notice = await session.get(Notice, _notice_id(payload))
    if notice is None or notice.kind not in kinds or notice.user_id != user.id:
        raise Refusal(_("That button isn't for you, so nothing was changed. /help shows what you can do."))
    return notice


async def open_pair_of(session: AsyncSession, notice: Notice) -> Pair:
    """The mentorship a notice is about, while it is still open (there is nothing to answer once it ended)."""
    pair = await session.get(Pair, notice.pair_id) if notice.pair_id is not None else None
    if pair is None or pair.status == "ended":
        raise Refusal(_("That mentorship has ended, so there's nothing to answer. /help shows what you can do."))
    return pair


async def other_in(session: AsyncSession, pair: Pair, user: User) -> User:
    other = await session.get(User, pair.mentee_id if user.id == pair.mentor_id else pair.mentor_id)
    assert other is not None  # both sides exist while the pair does
    return other


def answer(notice: Notice, said: str, now: dt.datetime) -> None:
    notice.answer, notice.answered_at = said, now


async def pair_names(session: AsyncSession, pair: Pair) -> str:
    """'Aigerim Sadykova (mentor) and Alex Kim (student)', as staff read a pair in a case."""
    mentor = await session.get(User, pair.mentor_id)
    mentee = await session.get(User, pair.mentee_id)
    assert mentor is not None and mentee is not None
    return fmt(_("{mentor} (mentor) and {mentee} (student)"), mentor=mentor.name, mentee=mentee.name)


_INTERVALS = text(
    """
    WITH RECURSIVE d(days) AS (
        SELECT MIN(contact_interval_days) FROM pairs WHERE status = 'active'
        UNION ALL
        SELECT (SELECT MIN(p.contact_interval_days) FROM pairs p
                WHERE p.status = 'active' AND p.contact_interval_days > d.days)
        FROM d WHERE d.days IS NOT NULL
    )
    SELECT days FROM d WHERE days IS NOT NULL
    """
)


# Pairs staff already have (escalated, no contact since) stay out of every later sweep's reading.
_escalated_since_contact = select(Notice.id).where(
    Notice.pair_id == Pair.id,
    Notice.kind == "escalation",
    Notice.created_at >= func.coalesce(Pair.last_contact_at, Pair.started_at),
)


async def _overdue_pairs(session: AsyncSession, now: dt.datetime) -> list[Pair]:
    """Active pairs with no contact for their agreed interval: per distinct interval (a few index probes,
    skipping through the index), one range scan of (status, interval, last contact)."""
    found: list[Pair] = []
    for days in list(await session.scalars(_INTERVALS)):
        cutoff = now - dt.timedelta(days=int(days))
        base = select(Pair).where(
            Pair.status == "active", Pair.contact_interval_days == days, ~_escalated_since_contact.exists()
        )
        found += await session.scalars(base.where(Pair.last_contact_at <= cutoff))
        found += await session.scalars(
            base.where(Pair.last_contact_at.is_(None), Pair.started_at.is_not(None), Pair.started_at <= cutoff)
        )
    return sorted(found, key=lambda p: p.id)


def _since(pair: Pair) -> dt.datetime:
    """Where the contact clock starts: the last contact logged, else the start of the mentorship."""
    return pair.last_contact_at or pair.started_at or pair.created_at


def is_overdue(pair: Pair, now: dt.datetime) -> Decision:
    """The programme's contact rule: an active pair with nothing logged for its agreed interval is overdue
    (the sweep's query reads the same rule per interval, for speed; the dashboard counts with this)."""
    if pair.status != "active":
        return no(_("Only a running mentorship can be overdue for contact."))
    if _since(pair) <= now - dt.timedelta(days=pair.contact_interval_days):
        return YES
    return no(_("In touch within the agreed interval."))


def nudge_key(pair_id: int, since: dt.datetime, step: int, user_id: int | None = None) -> str:
    tail = f":{user_id}" if user_id is not None else ""
    return f"nudge:{pair_id}:{since:%Y%m%d%H%M}:{step}{tail}"


def escalation_key(pair_id: int, since: dt.datetime) -> str:
    return f"esc:{pair_id}:{since:%Y%m%d%H%M}"


@sweep("nudges", order=20)
async def sweep_nudges(session: AsyncSession, now: dt.datetime, programme: Programme, settings: Settings) -> list[Note]:
    """Step k (1..N) is a nudge to both sides, step N+1 tells staff; each due one interval after the
    previous contact or step, so after downtime the steps still come one interval apart."""
    pairs = [p for p in await _overdue_pairs(session, now) if p.cycle_ends_at is None or p.cycle_ends_at > now]
    limit = programme.nudges_before_escalation
    keys = {p.id: [nudge_key(p.id, _since(p), k) for k in range(1, limit + 1)] for p in pairs}
    esc_keys = {p.id: escalation_key(p.id, _since(p)) for p in pairs}
    taken = await taken_at(session, [*(k for ks in keys.values() for k in ks), *esc_keys.values()])
    due: list[tuple[Pair, int]] = []
    for pair in pairs:
        if esc_keys[pair.id] in taken:
            continue  # staff have it; the pair hears from people now, not from the schedule
        sent = [taken[k] for k in keys[pair.id] if k in taken]
        step = len(sent) + 1
        interval = dt.timedelta(days=pair.contact_interval_days)
        due_at = _since(pair) + step * interval
        if sent:
            due_at = max(due_at, max(sent) + interval)
        if due_at <= now:
            due.append((pair, step))
    due, more = due[: notices.BATCH], len(due) > notices.BATCH
    users = await users_by_id(session, {uid for p, _s in due for uid in (p.mentor_id, p.mentee_id)})
    nudging = [(pair, step) for pair, step in due if step <= limit]
    notes = await _nudge_all(session, now, nudging, users, settings)
    for pair, step in due:
        if step > limit:
            notes += await _escalate(session, now, pair, users, programme, settings)
    return batch(notes, more)


async def _nudge_all(
    session: AsyncSession, now: dt.datetime, due: list[tuple[Pair, int]], users: dict[int, User], settings: Settings
) -> list[Note]:
    """Claim each pair's step, then each side's own notice (its buttons carry that id), in two statements."""
    steps = {
        pair.id: Claim(
            nudge_key(pair.id, _since(pair), step),
            NUDGE_DUE,
            pair_id=pair.id,
            data={"since": _since(pair).isoformat(), "step": step},
        )
        for pair, step in due
    }
    won = await claim_many(session, now, list(steps.values()))
    asked: list[tuple[Claim, User, User, Pair]] = []
    for pair, step in due:
        if steps[pair.id].key not in won:
            continue
        for person, other, role in sides(pair, users):
            if not person.reminders_paused:
                key = nudge_key(pair.id, _since(pair), step, person.id)
                data = {**steps[pair.id].data, "role": role}
                asked.append((Claim(key, NUDGE, user_id=person.id, pair_id=pair.id, data=data), person, other, pair))
    ids = await claim_many(session, now, [claim for claim, *_rest in asked])
    return [
        Note(person.id, *nudge_message(ids[claim.key], person, other, pair, settings, now))
        for claim, person, other, pair in asked
        if claim.key in ids
    ]


def quiet_period(days: int) -> str:
    """How long it has been, as a person says it: '10 days', '3 weeks', 'a month', 'about 2 months'."""
    days = max(days, 1)
    if 28 <= days <= 31:
        return _("a month")
    if days < 14:
        return ngettext("{n} day", "{n} days", days).format(n=days)
    if days < 56:
        return ngettext("{n} week", "{n} weeks", days // 7).format(n=days // 7)
    months = round(days / 30.4)
    return ngettext("about {n} month", "about {n} months", months).format(n=months)


def nudge_message(
    notice_id: int, person: User, other: User, pair: Pair, settings: Settings, now: dt.datetime | None = None
) -> tuple[str, list[list[Button]]]:
    # The time really passed since the last contact: a second reminder comes two intervals after it.
    days = (now - _since(pair)).days if now is not None else pair.contact_interval_days
    text = fmt(
        _(
            "Hi {first}! It's been {period} since you and {other} last caught up (as far as the bot knows). "
            "Have you talked? One tap is enough:"
        ),
        first=person.first_name,
        period=quiet_period(days),
        other=other.first_name,
    )
    payload = str(notice_id)
    return text, [
        [
            Button(_("We talked (call/video)"), "nudge.call", payload),
            Button(_("We talked (chat/e-mail)"), "nudge.chat", payload),
        ],
        [Button(_("Not yet"), "nudge.notyet", payload), Button(_("There is a problem"), "nudge.problem", payload)],
    ]


async def _escalate(
    session: AsyncSession,
    now: dt.datetime,
    pair: Pair,
    users: dict[int, User],
    programme: Programme,
    settings: Settings,
) -> list[Note]:
    since = _since(pair)
    if await claim(session, escalation_key(pair.id, since), ESCALATION, now, pair_id=pair.id) is None:
        return []
    mentor, mentee = users[pair.mentor_id], users[pair.mentee_id]
    nudges = list(
        await session.scalars(
            select(Notice)
            .where(
                Notice.pair_id == pair.id,
                Notice.kind == NUDGE_DUE,
                Notice.key.like(f"nudge:{pair.id}:{since:%Y%m%d%H%M}:%"),
            )
            .order_by(Notice.created_at)
        )
    )
    lines = [
        fmt(
            _("<b>No contact logged</b> between {mentor} (mentor) and {mentee} (student) for {days} days."),
            mentor=mentor.name,
            mentee=mentee.name,
            days=(now - since).days,
        ),
        fmt(
            _("Together since {start}; last contact {last}; reminders sent {sent}, with no contact logged since."),
            start=day_text(pair.started_at, settings),
            last=day_text(pair.last_contact_at, settings),
            sent=", ".join(day_text(n.created_at, settings) for n in nudges) or _("none"),
        ),
    ]
    lines.append(await _nudge_answers(session, pair, since, users))
    await cases.file_case(session, now, kind="escalation", pair_id=pair.id, text="\n".join(lines))
    notes = []
    for person, other, _role in sides(pair, users):
        key = f"esc_told:{pair.id}:{since:%Y%m%d%H%M}:{person.id}"
        if await claim(session, key, ESCALATION_TOLD, now, user_id=person.id, pair_id=pair.id) is not None:
            text_ = fmt(
                _(
                    "Just so you know, {first}: someone from {office} may get in touch to hear how things are "
                    "going with {other}. Nothing to worry about, we simply like to help when things go quiet. "
                    "If you have met, /log it and we'll know."
                ),
                first=person.first_name,
                office=programme.office,
                other=other.first_name,
            )
            notes.append(Note(person.id, text_))
    return notes


NUDGE_ANSWERS = {
    "call": N_("we talked (call/video)"),
    "chat": N_("we talked (chat/e-mail)"),
    "notyet": N_("not yet"),
    "problem": N_("there is a problem"),
}


async def _nudge_answers(session: AsyncSession, pair: Pair, since: dt.datetime, users: dict[int, User]) -> str:
    """What each side answered to the reminders, for staff: 'Alex: not yet; Aigerim: no answer'."""
    answers = list(
        await session.scalars(
            select(Notice)
            .where(
                Notice.pair_id == pair.id,
                Notice.kind == NUDGE,
                Notice.key.like(f"nudge:{pair.id}:{since:%Y%m%d%H%M}:%"),
            )
            .order_by(Notice.id)
        )
    )
    parts = []
    for side_id in (pair.mentor_id, pair.mentee_id):
        said = [_(NUDGE_ANSWERS.get(n.answer, n.answer)) for n in answers if n.user_id == side_id and n.answer]
        if not any(n.user_id == side_id for n in answers):
            said = [_("reminders paused, so none reached them")]  # silence that is not a refusal to answer
        parts.append(
            fmt(_("{name}: {said}"), name=users[side_id].first_name, said=", ".join(said) if said else _("no answer"))
        )
    return _("Their answers: ") + "; ".join(parts) + "."
