"""No contact for the agreed interval: nudges to both sides, then the career team (graded escalation).

A pair is overdue when nothing was logged for its agreed contact interval; step k (1..N) nudges both sides,
step N+1 files a case for staff. Each step is one notice row, claimed once.

The one-tap answers to the scheduler's notices (here, and in check-ins, surveys and the reconfirmation)
carry the notice's id: `notice_for` honours it only for the person it was sent to.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.core import notices
from bot.core.context import queue_message
from bot.core.daytime import zone_for
from bot.core.errors import Refusal
from bot.core.notices import (
    Claim,
    Note,
    batch,
    claim,
    claim_many,
    taken_at,
    users_by_id,
)
from bot.core.outcomes import Outcome
from bot.core.payloads import id_in
from bot.core.policy import YES, Decision, no
from bot.core.registry import sweep
from bot.i18n import _
from bot.programme import Programme
from bot.services import cases, contacts
from bot.services.pairs import may_see_contact, sides
from storage.lists import one_of
from storage.models import Notice, Pair, User

NUDGE_DUE, NUDGE, ESCALATION, ESCALATION_TOLD = "nudge_due", "nudge", "escalation", "escalation_told"


@dataclass(frozen=True)
class Nudge(Outcome):
    """Nothing logged with `other` for `days`: `person` is asked whether they talked (answered with the
    buttons of notice `notice_id`)."""

    notice_id: int
    person: User
    other: User
    days: int


@dataclass(frozen=True)
class EscalationTold(Outcome):
    """The pair stayed silent after its reminders and staff were told: `person` hears someone may get in touch."""

    person: User
    other: User


@dataclass(frozen=True)
class Talked(Outcome):
    """`person` answered a nudge that they talked with `other` (logged for today); `already` if they had said so."""

    person: User
    other: User
    already: bool


@dataclass(frozen=True)
class NotYet(Outcome):
    """`person` hasn't talked with `other` yet: they get a message they could send, `other`'s contact when
    they may see it, and the offer to send it for them unless it was `sent` already."""

    notice_id: int
    person: User
    other: User
    person_is_mentee: bool
    contact: str
    sent: bool


@dataclass(frozen=True)
class ReadyMessage(Outcome):
    """The catch-up message `author` asked the bot to send: told to `recipient`, with the author's contact
    when the recipient may see it."""

    author: User
    recipient: User
    author_is_mentee: bool
    contact: str


@dataclass(frozen=True)
class ReadyMessageSent(Outcome):
    """The catch-up message went to `other` (or had gone already: `already`)."""

    other: User
    already: bool


@dataclass(frozen=True)
class ProblemNoted(Outcome):
    """`person` said there is a problem; staff have a case (filed now, or `already` before)."""

    person: User
    already: bool


# --- the notice a one-tap answer belongs to -------------------------------------------------------------


async def notice_for(session: AsyncSession, user: User, payload: str, *kinds: str) -> Notice:
    """The notice a button's payload names, if it is of one of these kinds and was sent to this person."""
    notice = await session.get(Notice, id_in(payload))
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


async def pair_sides(session: AsyncSession, pair: Pair) -> tuple[User, User]:
    """The mentor and the mentee of a pair (both exist while the pair does)."""
    mentor = await session.get(User, pair.mentor_id)
    mentee = await session.get(User, pair.mentee_id)
    assert mentor is not None and mentee is not None
    return mentor, mentee


@dataclass(frozen=True)
class SideAnswers:
    """One side's answers to the reminders since the last contact (`reached`: any reminder reached them)."""

    first_name: str
    answers: tuple[str, ...]
    reached: bool


@dataclass(frozen=True)
class Escalated(Outcome):
    """Staff's account of a pair still silent after its reminders: since when, what was tried, the answers."""

    pair: Pair
    mentor: User
    mentee: User
    days: int
    reminders: tuple[dt.datetime, ...]
    answers: tuple[SideAnswers, ...]


@dataclass(frozen=True)
class ProblemReported(Outcome):
    """Staff's account of 'there is a problem', pressed on the monthly reminder by `reporter`."""

    reporter: User
    pair: Pair
    mentor: User
    mentee: User


@dataclass(frozen=True)
class AnswersDisagree(Outcome):
    """Staff's account of a reminder one side answered 'we talked' and the other 'not yet'."""

    said_talked: User | None
    said_not: User | None
    mentor: User
    mentee: User


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


async def _overdue_pairs(session: AsyncSession, now: dt.datetime) -> list[int]:
    """The ids of active pairs with no contact for their agreed interval, in order: per distinct interval (a
    few index probes, skipping through the index), one range scan of (status, interval, last contact). Only
    ids: a sweep's batch reads its own pairs (`_still_open`), so the pairs of later batches are not read twice."""
    found: list[int] = []
    for days in list(await session.scalars(_INTERVALS)):
        cutoff = now - dt.timedelta(days=int(days))
        base = select(Pair.id).where(
            Pair.status == "active", Pair.contact_interval_days == days, ~_escalated_since_contact.exists()
        )
        found += await session.scalars(base.where(Pair.last_contact_at <= cutoff))
        found += await session.scalars(
            base.where(Pair.last_contact_at.is_(None), Pair.started_at.is_not(None), Pair.started_at <= cutoff)
        )
    return sorted(found)


async def _still_open(session: AsyncSession, ids: list[int]) -> list[Pair]:
    """These pairs, as `_overdue_pairs` would find them but for the contact rule (which the caller asks)."""
    return list(
        await session.scalars(
            select(Pair)
            .where(one_of(Pair.id, ids), Pair.status == "active", ~_escalated_since_contact.exists())
            .order_by(Pair.id)
        )
    )


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


@functools.lru_cache(maxsize=4096)
def _minute(since: dt.datetime) -> str:
    """Where a pair's contact clock starts, to the minute, as its notices' keys name it. A sweep names each
    pair's several times (every step, the escalation), and formatting the date is the dearest part of a key.
    In UTC, as the database hands the moments back: the cache takes two zones' names for one instant as one."""
    return f"{since.astimezone(dt.UTC) if since.tzinfo else since:%Y%m%d%H%M}"


def _nudges_of(pair_id: int, since: dt.datetime) -> str:
    """What the keys of a pair's reminders since that contact begin with."""
    return f"nudge:{pair_id}:{_minute(since)}:"


def nudge_key(pair_id: int, since: dt.datetime, step: int, user_id: int | None = None) -> str:
    tail = f":{user_id}" if user_id is not None else ""
    return f"{_nudges_of(pair_id, since)}{step}{tail}"


def escalation_key(pair_id: int, since: dt.datetime) -> str:
    return f"esc:{pair_id}:{_minute(since)}"


@sweep("nudges", order=20)
async def sweep_nudges(session: AsyncSession, now: dt.datetime, programme: Programme, settings: Settings) -> list[Note]:
    """Step k (1..N) is a nudge to both sides, step N+1 tells staff; each due one interval after the
    previous contact or step, so after downtime the steps still come one interval apart."""
    # The query finds the overdue pairs quickly; the policy has the last word, so the two can never differ.
    # A batch weighs the steps of BATCH of the pairs the run's first batch found overdue.
    ids, more = await notices.this_batch(session, lambda: _overdue_pairs(session, now))
    found = await _still_open(session, ids)
    pairs = [p for p in found if is_overdue(p, now) and (p.cycle_ends_at is None or p.cycle_ends_at > now)]
    limit = programme.nudges_before_escalation
    since = {p.id: _since(p) for p in pairs}
    keys = {p.id: [nudge_key(p.id, since[p.id], k) for k in range(1, limit + 1)] for p in pairs}
    esc_keys = {p.id: escalation_key(p.id, since[p.id]) for p in pairs}
    taken = await taken_at(session, [*(k for ks in keys.values() for k in ks), *esc_keys.values()])
    due: list[tuple[Pair, int]] = []
    for pair in pairs:
        if esc_keys[pair.id] in taken:
            continue  # staff have it; the pair hears from people now, not from the schedule
        sent = [taken[k] for k in keys[pair.id] if k in taken]
        step = len(sent) + 1
        interval = dt.timedelta(days=pair.contact_interval_days)
        due_at = since[pair.id] + step * interval
        if sent:
            due_at = max(due_at, max(sent) + interval)
        if due_at <= now:
            due.append((pair, step))
    users = await users_by_id(session, {uid for p, _s in due for uid in (p.mentor_id, p.mentee_id)})
    nudging = [(pair, step) for pair, step in due if step <= limit]
    notes = await _nudge_all(session, now, nudging, users)
    for pair, step in due:
        if step > limit:
            notes += await _escalate(session, now, pair, users, settings)
    return batch(notes, more)


async def _nudge_all(
    session: AsyncSession, now: dt.datetime, due: list[tuple[Pair, int]], users: dict[int, User]
) -> list[Note]:
    """Claim each pair's step, then each side's own notice (its buttons carry that id), in two statements."""
    since = {pair.id: _since(pair) for pair, _step in due}
    steps = {
        pair.id: Claim(
            nudge_key(pair.id, since[pair.id], step),
            NUDGE_DUE,
            pair_id=pair.id,
            data={"since": since[pair.id].isoformat(), "step": step},
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
                key = nudge_key(pair.id, since[pair.id], step, person.id)
                data = {**steps[pair.id].data, "role": role}
                asked.append((Claim(key, NUDGE, user_id=person.id, pair_id=pair.id, data=data), person, other, pair))
    ids = await claim_many(session, now, [claim for claim, *_rest in asked])
    # The time really passed since the last contact: a second reminder comes two intervals after it.
    return [
        Note(person.id, outcome=Nudge(ids[claim.key], person, other, (now - since[pair.id]).days))
        for claim, person, other, pair in asked
        if claim.key in ids
    ]


async def _escalate(
    session: AsyncSession,
    now: dt.datetime,
    pair: Pair,
    users: dict[int, User],
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
                Notice.key.like(_nudges_of(pair.id, since) + "%"),
            )
            .order_by(Notice.created_at)
        )
    )
    account = Escalated(
        pair,
        mentor,
        mentee,
        days=(now - since).days,
        reminders=tuple(n.created_at for n in nudges),
        answers=await _nudge_answers(session, pair, since, users),
    )
    await cases.file_case(session, now, kind="escalation", pair_id=pair.id, text=account)
    notes = []
    for person, other, _role in sides(pair, users):
        key = f"esc_told:{pair.id}:{_minute(since)}:{person.id}"
        if await claim(session, key, ESCALATION_TOLD, now, user_id=person.id, pair_id=pair.id) is not None:
            notes.append(Note(person.id, outcome=EscalationTold(person, other)))
    return notes


async def _nudge_answers(
    session: AsyncSession, pair: Pair, since: dt.datetime, users: dict[int, User]
) -> tuple[SideAnswers, ...]:
    """What each side answered to the reminders since the last contact, mentor first."""
    answers = list(
        await session.scalars(
            select(Notice)
            .where(
                Notice.pair_id == pair.id,
                Notice.kind == NUDGE,
                Notice.key.like(_nudges_of(pair.id, since) + "%"),
            )
            .order_by(Notice.id)
        )
    )
    return tuple(
        SideAnswers(
            users[side_id].first_name,
            tuple(n.answer for n in answers if n.user_id == side_id and n.answer),
            reached=any(n.user_id == side_id for n in answers),
        )
        for side_id in (pair.mentor_id, pair.mentee_id)
    )


# --- the answers: we talked, not yet, a problem -----------------------------------------------------------

TALKED = {"call": "video", "chat": "chat"}  # the nudge's answer -> the contact method it logs


async def _nudge_answered(session: AsyncSession, user: User, payload: str) -> tuple[Notice, Pair, User]:
    notice = await notice_for(session, user, payload, NUDGE)
    pair = await open_pair_of(session, notice)
    return notice, pair, await other_in(session, pair, user)


async def answer_talked(
    session: AsyncSession, user: User, payload: str, how: str, now: dt.datetime, settings: Settings
) -> Talked:
    """'We talked' (`how`: call or chat): a contact is logged for the person's today, once."""
    notice, pair, other = await _nudge_answered(session, user, payload)
    if notice.answer in TALKED:
        return Talked(user, other, already=True)
    await contacts.record_contact(
        session,
        pair,
        author_id=user.id,
        happened_on=now.astimezone(zone_for(user, settings)).date(),
        method=TALKED[how],
        source="nudge",
        now=now,
    )
    answer(notice, how, now)
    await _check_contradiction(session, notice, pair, now)
    return Talked(user, other, already=False)


async def answer_not_yet(session: AsyncSession, user: User, payload: str, now: dt.datetime) -> NotYet:
    """'Not yet': noted (once), and what the person needs to get in touch."""
    notice, pair, other = await _nudge_answered(session, user, payload)
    if notice.answer != "notyet":
        answer(notice, "notyet", now)
        await _check_contradiction(session, notice, pair, now)
    contact = other.contact_details if await may_see_contact(session, user, other) else ""
    sent = bool((notice.data or {}).get("sent"))
    return NotYet(notice.id, user, other, user.id == pair.mentee_id, contact or "", sent)


async def send_ready_message(session: AsyncSession, user: User, payload: str, now: dt.datetime) -> ReadyMessageSent:
    """'Send it for me': the catch-up message goes to the other side, once per nudge."""
    notice, pair, other = await _nudge_answered(session, user, payload)
    if (notice.data or {}).get("sent"):
        return ReadyMessageSent(other, already=True)
    notice.data = {**(notice.data or {}), "sent": True}
    contact = user.contact_details if await may_see_contact(session, other, user) else ""
    queue_message(session, now, ReadyMessage(user, other, user.id == pair.mentee_id, contact or ""), user_id=other.id)
    return ReadyMessageSent(other, already=False)


async def report_problem(
    session: AsyncSession, user: User, payload: str, now: dt.datetime, settings: Settings
) -> ProblemNoted:
    """'There is a problem': staff get a case with the person as its reporter (their match is not told)."""
    notice, pair, _other = await _nudge_answered(session, user, payload)
    if notice.answer == "problem":
        return ProblemNoted(user, already=True)
    answer(notice, "problem", now)
    mentor, mentee = await pair_sides(session, pair)
    account = ProblemReported(user, pair, mentor, mentee)
    await cases.file_case(session, now, kind="problem", pair_id=pair.id, reporter_id=user.id, text=account)
    return ProblemNoted(user, already=False)


async def _check_contradiction(session: AsyncSession, notice: Notice, pair: Pair, now: dt.datetime) -> None:
    """One side says they talked, the other says not yet: staff are told once."""
    prefix = notice.key.rsplit(":", 1)[0] + ":"
    others = await session.scalars(
        select(Notice).where(Notice.pair_id == pair.id, Notice.kind == NUDGE, Notice.key.like(prefix + "%"))
    )
    other = next((n for n in others if n.id != notice.id and n.answer is not None), None)
    if (
        other is None
        or (notice.answer in TALKED) == (other.answer in TALKED)
        or "problem" in (notice.answer, other.answer)
    ):
        return
    if await claim(session, "contra:" + prefix.removeprefix("nudge:"), "contradiction", now, pair_id=pair.id) is None:
        return
    talked, waiting = (notice, other) if notice.answer in TALKED else (other, notice)
    said_talked = await session.get(User, talked.user_id)
    said_not = await session.get(User, waiting.user_id)
    mentor, mentee = await pair_sides(session, pair)
    account = AnswersDisagree(said_talked, said_not, mentor, mentee)
    # Nobody reported it: the bot noticed, so no one is told when staff take it.
    await cases.file_case(session, now, kind="contradiction", pair_id=pair.id, text=account)
