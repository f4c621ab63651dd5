"""The sweeps: each asks the database what is due now (indexed queries touch only that) and claims each
notice exactly once (bot.core.notices) in the transaction that queues its message.

Every sweep is `(session, now, programme, settings) -> list[Note]`: staff messages are queued directly,
messages to people are returned as notes, gathered into one message a day per person by `run_sweeps`.
Sweeps read the state as it is now, so a sweep after days of downtime sends what is due today, once,
and nothing for a pair that has logged contact since.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import String, cast, func, literal, select, text, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.config import Settings
from bot.core.context import queue_message
from bot.core.daytime import add_months
from bot.core.markup import fmt
from bot.core.notices import Claim, Note, claim, claim_many, insert_for, post_notes, taken_keys
from bot.core.replies import Button, Reply
from bot.i18n import N_, _, ngettext
from bot.programme import Programme
from storage.models import FormProgress, MentorProfile, MentorshipRequest, Notice, Pair, Report, SweepMark, User

log = logging.getLogger(__name__)

Sweep = Callable[[AsyncSession, dt.datetime, Programme, Settings], Awaitable[list[Note]]]

# After downtime, notices older than this are stale: a survey or a reminder this late helps nobody.
CATCH_UP = dt.timedelta(days=60)

# At most this many due subjects per transaction: on SQLite a sweep's transaction holds the write lock,
# so people pressing buttons never wait behind a long sweep; the rest follow in the next transaction.
BATCH = 250


class Batch(list[Note]):
    """A sweep's notes; `more` says it stopped at BATCH and should run again at once."""

    more: bool = False


def _batch(notes: list[Note], more: bool) -> Batch:
    batch = Batch(notes)
    batch.more = more
    return batch


# How far back each run looks again beyond the previous run's mark (clock skew between two bot processes).
OVERLAP = dt.timedelta(days=1)

# Notice kinds (the Notice.kind column); buttons carry the id of the addressee's own notice row.
NUDGE_DUE, NUDGE, ESCALATION, ESCALATION_TOLD = "nudge_due", "nudge", "escalation", "escalation_told"
REQUEST_REMINDER, REQUEST_EXPIRED = "request_reminder", "request_expired"
CHECKIN_DUE, CHECKIN = "checkin_due", "checkin"
CYCLE_END, SURVEY, SURVEY_REMINDER = "cycle_end", "survey", "survey_reminder"
RECONFIRM, RECONFIRM_PAUSE = "reconfirm", "reconfirm_pause"


def day_text(moment: dt.datetime | dt.date | None, settings: Settings) -> str:
    if moment is None:
        return _("none logged")
    if isinstance(moment, dt.datetime):
        moment = moment.astimezone(settings.zone).date()
    return moment.strftime("%d %B %Y").lstrip("0")


async def _users(session: AsyncSession, ids: set[int]) -> dict[int, User]:
    if not ids:
        return {}
    return {u.id: u for u in await session.scalars(select(User).where(User.id.in_(sorted(ids))))}


def _sides(pair: Pair, users: dict[int, User]) -> list[tuple[User, User, str]]:
    """(person, the other side, their role) for both sides of a pair."""
    mentor, mentee = users[pair.mentor_id], users[pair.mentee_id]
    return [(mentor, mentee, "mentor"), (mentee, mentor, "mentee")]


async def _open_staff_case(session: AsyncSession, now: dt.datetime, kind: str, pair_id: int, text_: str) -> Report:
    """File a case about a pair for the career team and post it to them with the buttons to act on it."""
    report = Report(kind=kind, pair_id=pair_id, text=text_, created_at=now)
    session.add(report)
    await session.flush()
    rid = str(report.id)
    buttons = [
        [
            Button(_("I'll take it"), "esc.take", rid, style="primary"),
            Button(_("Contact the pair"), "esc.contact", rid),
        ],
        [
            Button(_("Close the pair"), "esc.close", rid, style="danger"),
            Button(_("Re-match the mentee"), "esc.rematch", rid),
        ],
    ]
    queue_message(session, now, Reply(text_, buttons=buttons), to_staff=True)
    return report


async def _unanswered_for(
    session: AsyncSession, kind: str, wait: dt.timedelta, sweep: str, now: dt.datetime
) -> list[Notice]:
    """Notices of `kind` still unanswered `wait` after they were sent, that became so since the sweep's
    last run."""
    since = await _since_last_run(session, sweep, now)
    return list(
        await session.scalars(
            select(Notice)
            .where(
                Notice.kind == kind,
                Notice.answered_at.is_(None),
                Notice.created_at <= now - wait,
                Notice.created_at > since - wait,
            )
            .order_by(Notice.id)
        )
    )


async def _since_last_run(session: AsyncSession, name: str, now: dt.datetime) -> dt.datetime:
    """The start of this run's window: the last run's mark (less an overlap), at most CATCH_UP ago.

    What fell due before it was handled by that run; claimed keys make the overlap harmless."""
    mark = await session.get(SweepMark, name)
    start = now - CATCH_UP
    if mark is not None:
        start = max(start, min(mark.until, now) - OVERLAP)
    await session.execute(
        insert_for(session)(SweepMark)
        .values(name=name, until=now)
        .on_conflict_do_update(index_elements=["name"], set_={"until": now})
    )
    return start


# --- no contact: nudges and graded escalation ----------------------------------------------------------

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
    return pair.last_contact_at or pair.started_at or pair.created_at


def nudge_key(pair_id: int, since: dt.datetime, step: int, user_id: int | None = None) -> str:
    tail = f":{user_id}" if user_id is not None else ""
    return f"nudge:{pair_id}:{since:%Y%m%d%H%M}:{step}{tail}"


def escalation_key(pair_id: int, since: dt.datetime) -> str:
    return f"esc:{pair_id}:{since:%Y%m%d%H%M}"


async def sweep_nudges(session: AsyncSession, now: dt.datetime, programme: Programme, settings: Settings) -> list[Note]:
    """Step k (1..N) is a nudge to both sides, step N+1 tells staff; each due one interval after the
    previous contact or step, so after downtime the steps still come one interval apart."""
    pairs = [p for p in await _overdue_pairs(session, now) if p.cycle_ends_at is None or p.cycle_ends_at > now]
    limit = programme.nudges_before_escalation
    keys = {p.id: [nudge_key(p.id, _since(p), k) for k in range(1, limit + 1)] for p in pairs}
    esc_keys = {p.id: escalation_key(p.id, _since(p)) for p in pairs}
    taken = await _taken_at(session, [*(k for ks in keys.values() for k in ks), *esc_keys.values()])
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
    due, more = due[:BATCH], len(due) > BATCH
    users = await _users(session, {uid for p, _s in due for uid in (p.mentor_id, p.mentee_id)})
    nudging = [(pair, step) for pair, step in due if step <= limit]
    notes = await _nudge_all(session, now, nudging, users, settings)
    for pair, step in due:
        if step > limit:
            notes += await _escalate(session, now, pair, users, programme, settings)
    return _batch(notes, more)


async def _taken_at(session: AsyncSession, keys: Sequence[str]) -> dict[str, dt.datetime]:
    found: dict[str, dt.datetime] = {}
    for start in range(0, len(keys), 500):
        chunk = list(keys[start : start + 500])
        rows = await session.execute(select(Notice.key, Notice.created_at).where(Notice.key.in_(chunk)))
        found.update({key: created for key, created in rows})
    return found


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
    sides: list[tuple[Claim, User, User, Pair]] = []
    for pair, step in due:
        if steps[pair.id].key not in won:
            continue
        for person, other, role in _sides(pair, users):
            if not person.reminders_paused:
                key = nudge_key(pair.id, _since(pair), step, person.id)
                data = {**steps[pair.id].data, "role": role}
                sides.append((Claim(key, NUDGE, user_id=person.id, pair_id=pair.id, data=data), person, other, pair))
    ids = await claim_many(session, now, [claim for claim, *_rest in sides])
    return [
        Note(person.id, *nudge_message(ids[claim.key], person, other, pair, settings, now))
        for claim, person, other, pair in sides
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
    await _open_staff_case(session, now, "escalation", pair.id, "\n".join(lines))
    notes = []
    for person, other, _role in _sides(pair, users):
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


# --- unanswered requests -----------------------------------------------------------------------------


async def sweep_requests(
    session: AsyncSession, now: dt.datetime, programme: Programme, settings: Settings
) -> list[Note]:
    """Reminder to the mentor after `request_reminder_days`; expiry after `request_expiry_days`."""
    expiry = now - dt.timedelta(days=programme.request_expiry_days)
    remind = now - dt.timedelta(days=programme.request_reminder_days)
    pending = MentorshipRequest.status == "pending"
    to_remind = list(
        await session.scalars(
            select(MentorshipRequest)
            .where(pending, MentorshipRequest.created_at <= remind, MentorshipRequest.created_at > expiry)
            .order_by(MentorshipRequest.id)
        )
    )
    to_expire = list(
        await session.scalars(
            select(MentorshipRequest)
            .where(pending, MentorshipRequest.created_at <= expiry)
            .order_by(MentorshipRequest.id)
        )
    )
    taken = await taken_keys(session, [f"req_remind:{r.id}" for r in to_remind])
    to_remind = [r for r in to_remind if f"req_remind:{r.id}" not in taken]
    more = len(to_remind) > BATCH or len(to_expire) > BATCH
    to_remind, to_expire = to_remind[:BATCH], to_expire[:BATCH]
    users = await _users(session, {uid for r in to_remind + to_expire for uid in (r.mentor_id, r.mentee_id)})
    notes: list[Note] = []
    for request in to_remind:
        key = f"req_remind:{request.id}"
        mentor, mentee = users[request.mentor_id], users[request.mentee_id]
        if key in taken or mentor.reminders_paused:
            continue
        if await claim(session, key, REQUEST_REMINDER, now, user_id=mentor.id, request_id=request.id) is None:
            continue
        left = request.created_at + dt.timedelta(days=programme.request_expiry_days) - now
        days_left = -(-left // dt.timedelta(days=1))  # rounded up: 6 days and 23 hours is "7 days"
        notes.append(
            Note(
                mentor.id,
                fmt(
                    _(
                        "{first}, {mentee} asked you to be their mentor on {day} and is still waiting for your answer. "
                        "A kind 'no' is fine too: it frees them to approach someone else. The request closes by "
                        "itself in {days} days."
                    ),
                    first=mentor.first_name,
                    mentee=mentee.name,
                    day=day_text(request.created_at, settings),
                    days=max(days_left, 1),
                ),
                [
                    [
                        Button(_("Accept"), "req.acc", str(request.id), style="primary"),
                        Button(_("Say no kindly"), "req.dec", str(request.id)),
                        Button(_("See the request"), "req.list"),
                    ]
                ],
            )
        )
    for request in to_expire:
        notes += await _expire(session, now, request, users, programme)
    return _batch(notes, more)


async def _expire(
    session: AsyncSession, now: dt.datetime, request: MentorshipRequest, users: dict[int, User], programme: Programme
) -> list[Note]:
    # The conditional update decides: an accept or a second sweeper that got there first wins.
    result = await session.execute(
        update(MentorshipRequest)
        .where(MentorshipRequest.id == request.id, MentorshipRequest.status == "pending")
        .values(status="expired", answered_at=now, reason="expired")
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return []
    if await claim(session, f"req_expired:{request.id}", REQUEST_EXPIRED, now, request_id=request.id) is None:
        return []
    mentor, mentee = users[request.mentor_id], users[request.mentee_id]
    text_ = fmt(
        _(
            "{first}, {mentor} couldn't answer your request in time, so it has closed. Mentors are busy people: "
            "it says nothing about you. Why not approach another mentor?"
        ),
        first=mentee.first_name,
        mentor=mentor.first_name,
    )
    # The ranked list is one tap away rather than computed here: ranking reads every available mentor,
    # which would make the sweep's cost grow with the programme instead of with what is due.
    text_ += "\n\n" + _("Tap below to see the mentors who fit you best and have a free place now.")
    notes = [Note(mentee.id, text_, [[Button(_("Show me mentors who fit"), "browse.open", style="primary")]])]
    notes.append(
        Note(
            mentor.id,
            fmt(
                _("The request from {mentee} has closed after {days} days, so there's nothing to answer any more."),
                mentee=mentee.name,
                days=programme.request_expiry_days,
            ),
        )
    )
    return notes


# --- mid-cycle check-in ------------------------------------------------------------------------------


async def sweep_checkins(
    session: AsyncSession, now: dt.datetime, programme: Programme, settings: Settings
) -> list[Note]:
    """'How is it going?' to both sides `checkin_months` after the start, while the cycle runs."""
    since = await _since_last_run(session, "checkins", now)
    latest_start = add_months(now, -programme.checkin_months)
    earliest_start = max(
        add_months(since, -programme.checkin_months) - OVERLAP, add_months(now, -programme.cycle_months)
    )
    pairs = list(
        await session.scalars(
            select(Pair)
            .where(Pair.status == "active", Pair.started_at <= latest_start, Pair.started_at > earliest_start)
            .order_by(Pair.id)
        )
    )
    taken = await taken_keys(session, [f"checkin:{p.id}" for p in pairs])
    pairs = [p for p in pairs if f"checkin:{p.id}" not in taken and p.started_at is not None]
    pairs = [p for p in pairs if add_months(p.started_at, programme.checkin_months) <= now]  # type: ignore[arg-type]
    users = await _users(session, {uid for p in pairs for uid in (p.mentor_id, p.mentee_id)})
    notes: list[Note] = []
    won = await claim_many(session, now, [Claim(f"checkin:{p.id}", CHECKIN_DUE, pair_id=p.id) for p in pairs])
    sides = [
        (
            Claim(f"checkin:{pair.id}:{person.id}", CHECKIN, user_id=person.id, pair_id=pair.id, data={"role": role}),
            person,
            other,
        )
        for pair in pairs
        if f"checkin:{pair.id}" in won
        for person, other, role in _sides(pair, users)
        if not person.reminders_paused
    ]
    ids = await claim_many(session, now, [claim for claim, _person, _other in sides])
    notes += [
        Note(person.id, *checkin_message(ids[claim.key], person, other, programme))
        for claim, person, other in sides
        if claim.key in ids
    ]
    return notes


def checkin_message(notice_id: int, person: User, other: User, programme: Programme) -> tuple[str, list[list[Button]]]:
    if programme.checkin_months * 2 == programme.cycle_months:
        where = _("You and {other} are halfway through your mentorship.")
    else:  # a programme may check in at another point of its cycle
        where = ngettext(
            "You and {other} are {months} month into your mentorship.",
            "You and {other} are {months} months into your mentorship.",
            programme.checkin_months,
        )
    text_ = fmt(
        _("Hi {first}, {office} here.") + " " + where + " " + _("How is it going?"),
        first=person.first_name,
        office=programme.office,
        other=other.first_name,
        months=programme.checkin_months,
    )
    payload = str(notice_id)
    return text_, [
        [
            Button(_("It's going well"), "chk.fine", payload, style="primary"),
            Button(_("Could be better"), "chk.meh", payload),
            Button(_("I'd like help"), "chk.help", payload),
        ]
    ]


# --- end of the cycle: survey, continue or close, thank-you ------------------------------------------


async def sweep_cycle_end(
    session: AsyncSession, now: dt.datetime, programme: Programme, settings: Settings
) -> list[Note]:
    since = await _since_last_run(session, "cycle_end", now)
    pairs = list(
        await session.scalars(
            select(Pair)
            .where(Pair.status == "active", Pair.cycle_ends_at <= now, Pair.cycle_ends_at > since)
            .order_by(Pair.id)
        )
    )
    keys = {p.id: f"cycle:{p.id}:{p.cycle_ends_at:%Y%m%d}" for p in pairs}
    taken = await taken_keys(session, keys.values())
    pairs = [p for p in pairs if keys[p.id] not in taken]
    users = await _users(session, {uid for p in pairs for uid in (p.mentor_id, p.mentee_id)})
    notes: list[Note] = []
    for pair in pairs:
        if await claim(session, keys[pair.id], CYCLE_END, now, pair_id=pair.id) is None:
            continue
        for person, other, role in _sides(pair, users):
            key = f"survey:{pair.id}:{pair.cycle_ends_at:%Y%m%d}:{person.id}"
            notice_id = await claim(session, key, SURVEY, now, user_id=person.id, pair_id=pair.id, data={"role": role})
            if notice_id is not None:
                notes.append(Note(person.id, *cycle_end_message(notice_id, pair, person, other, role, programme)))
    return notes


def cycle_end_message(
    notice_id: int, pair: Pair, person: User, other: User, role: str, programme: Programme
) -> tuple[str, list[list[Button]]]:
    lines = [
        fmt(
            _("{first}, your {months} months with {other} are complete. Thank you for the time you gave!"),
            first=person.first_name,
            months=programme.cycle_months,
            other=other.first_name,
        ),
        _(
            "Two small things: a two-minute survey helps us make the programme better, and you can choose to carry on "
            "informally or close the mentorship."
        ),
    ]
    payload = str(notice_id)
    buttons = [
        [Button(_("Take the survey"), "surv.start", payload, style="primary")],
        [Button(_("Carry on informally"), "surv.cont", payload), Button(_("Close it"), "surv.close", payload)],
    ]
    if role == "mentee":
        lines.append(fmt(_("And if you'd like to, send {other} a short thank-you note."), other=other.first_name))
        buttons.append([Button(_("Thank {other}").format(other=other.first_name), "end.thanks", str(pair.id))])
    return "\n\n".join(lines), buttons


async def sweep_survey_reminders(
    session: AsyncSession, now: dt.datetime, programme: Programme, settings: Settings
) -> list[Note]:
    wait = dt.timedelta(days=programme.survey_reminder_days)
    surveys = await _unanswered_for(session, SURVEY, wait, "survey_reminders", now)
    keys = {n.id: f"survey_remind:{n.id}" for n in surveys}
    taken = await taken_keys(session, keys.values())
    surveys = [n for n in surveys if keys[n.id] not in taken and n.user_id is not None]
    users = await _users(session, {n.user_id for n in surveys if n.user_id is not None})
    midway = await _surveys_in_progress(session, set(users))
    notes = []
    for survey in surveys:
        person = users[survey.user_id]  # type: ignore[index]
        if person.reminders_paused or midway.get(person.id) == survey.id:
            continue  # someone half-way through the survey has its next question in front of them
        if (
            await claim(session, keys[survey.id], SURVEY_REMINDER, now, user_id=person.id, pair_id=survey.pair_id)
            is None
        ):
            continue
        notes.append(
            Note(
                person.id,
                fmt(
                    _(
                        "A gentle reminder, {first}: the end-of-mentorship survey is still open. Two minutes, and "
                        "your answers shape next year's programme."
                    ),
                    first=person.first_name,
                ),
                [[Button(_("Take the survey"), "surv.start", str(survey.id), style="primary")]],
            )
        )
    return notes


async def _surveys_in_progress(session: AsyncSession, user_ids: set[int]) -> dict[int, int]:
    """Person -> the survey notice whose form they are filling in right now."""
    if not user_ids:
        return {}
    rows = await session.scalars(select(FormProgress).where(FormProgress.user_id.in_(sorted(user_ids))))
    return {row.user_id: row.context["notice"] for row in rows if isinstance(row.context.get("notice"), int)}


# --- yearly profile reconfirmation -------------------------------------------------------------------


def reconfirmation_start(now: dt.datetime, programme: Programme) -> dt.datetime | None:
    """The start of this year's reconfirmation month (the latest one not after `now`)."""
    month = programme.reconfirmation_month
    if month is None:
        return None
    year = now.year if now.month >= month else now.year - 1
    return dt.datetime(year, month, 1, tzinfo=dt.UTC)


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
            .limit(BATCH + 1)
        )
    )
    more, profiles = len(profiles) > BATCH, profiles[:BATCH]
    users = await _users(session, {p.user_id for p in profiles})
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
    return _batch(notes, more)


async def sweep_reconfirmation_pause(
    session: AsyncSession, now: dt.datetime, programme: Programme, settings: Settings
) -> list[Note]:
    """Mentors who left the yearly question unanswered for the grace period are paused and told how to resume."""
    grace = dt.timedelta(days=programme.reconfirmation_grace_days)
    asks = await _unanswered_for(session, RECONFIRM, grace, "reconfirmation_pause", now)
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


# --- agreements nobody confirmed -----------------------------------------------------------------------

AGREEMENT_REMINDER, AGREEMENT_STALLED = "agreement_reminder", "agreement_stalled"


async def sweep_agreements(
    session: AsyncSession, now: dt.datetime, programme: Programme, settings: Settings
) -> list[Note]:
    """A match whose agreement is still unconfirmed holds the mentor's place and starts nothing: the side
    who hasn't confirmed is reminded after `request_reminder_days`, staff hear of it after
    `request_expiry_days` (the programme's numbers for a step left unanswered)."""
    remind = now - dt.timedelta(days=programme.request_reminder_days)
    stalled = now - dt.timedelta(days=programme.request_expiry_days)
    pairs = list(
        await session.scalars(
            select(Pair)
            .where(Pair.status == "agreeing", Pair.created_at <= remind, Pair.created_at > stalled - CATCH_UP)
            .order_by(Pair.id)
        )
    )
    keys = {p.id: f"agree_stalled:{p.id}" for p in pairs}
    taken = await taken_keys(session, [*keys.values(), *(f"agree_remind:{p.id}" for p in pairs)])
    pairs = [p for p in pairs if keys[p.id] not in taken]
    users = await _users(session, {uid for p in pairs for uid in (p.mentor_id, p.mentee_id)})
    notes: list[Note] = []
    for pair in pairs:
        if pair.created_at <= stalled:
            await _agreement_stalled(session, now, pair, users, settings)
        elif f"agree_remind:{pair.id}" not in taken:
            notes += await _agreement_reminders(session, now, pair, users)
    return notes


async def _agreement_reminders(
    session: AsyncSession, now: dt.datetime, pair: Pair, users: dict[int, User]
) -> list[Note]:
    if await claim(session, f"agree_remind:{pair.id}", AGREEMENT_REMINDER, now, pair_id=pair.id) is None:
        return []
    notes = []
    for person, other, role in _sides(pair, users):
        confirmed = pair.mentor_confirmed_at if role == "mentor" else pair.mentee_confirmed_at
        if confirmed is not None or person.reminders_paused:
            continue
        text_ = fmt(
            _(
                "{first}, your mentorship with {other} begins once you both confirm how you'll work together, "
                "and that hasn't happened yet. It takes two minutes:"
            ),
            first=person.first_name,
            other=other.first_name,
        )
        button = Button(_("Open the agreement"), "agr.start", str(pair.id), style="primary")
        notes.append(Note(person.id, text_, [[button]]))
    return notes


async def _agreement_stalled(
    session: AsyncSession, now: dt.datetime, pair: Pair, users: dict[int, User], settings: Settings
) -> None:
    if await claim(session, f"agree_stalled:{pair.id}", AGREEMENT_STALLED, now, pair_id=pair.id) is None:
        return
    mentor, mentee = users[pair.mentor_id], users[pair.mentee_id]
    waiting = [
        person.first_name
        for person, confirmed in ((mentor, pair.mentor_confirmed_at), (mentee, pair.mentee_confirmed_at))
        if confirmed is None
    ]
    text_ = fmt(
        _(
            "<b>Agreement not confirmed</b>: {mentor} (mentor) and {mentee} (student), matched on {day}, "
            "haven't started their mentorship. Still to confirm: {waiting}. The mentor's place stays taken "
            "until it starts or closes."
        ),
        mentor=mentor.name,
        mentee=mentee.name,
        day=day_text(pair.created_at, settings),
        waiting=", ".join(waiting),
    )
    await _open_staff_case(session, now, "agreement", pair.id, text_)


# --- running them all --------------------------------------------------------------------------------

SWEEPS: tuple[Sweep, ...] = (
    sweep_requests,
    sweep_nudges,
    sweep_checkins,
    sweep_cycle_end,
    sweep_survey_reminders,
    sweep_reconfirmation,
    sweep_reconfirmation_pause,
    sweep_agreements,
)
RETRYABLE = {"40001", "40P01"}  # PostgreSQL serialisation failure, deadlock: run that sweep again


@dataclass
class SweepResult:
    notes: dict[str, int] = field(default_factory=dict)  # sweep name -> pieces for people
    seconds: dict[str, float] = field(default_factory=dict)  # sweep name -> how long it took
    failed: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.notes.values())


async def run_sweeps(
    sessions: async_sessionmaker[AsyncSession],
    now: dt.datetime,
    programme: Programme,
    settings: Settings,
    sweeps: Sequence[Sweep] = SWEEPS,
) -> SweepResult:
    """Run every sweep, each in its own transaction (a failing one leaves the others' work in place)."""
    from bot.conversations.survey import ensure_survey_forms

    ensure_survey_forms(programme)
    result = SweepResult()
    for sweep in sweeps:
        name = sweep.__name__.removeprefix("sweep_")
        started = time.perf_counter()
        try:
            result.notes[name] = await _run_one(sessions, sweep, now, programme, settings)
        except Exception:
            log.exception("sweep %s failed; it runs again next time", name)
            result.failed.append(name)
        result.seconds[name] = time.perf_counter() - started
    return result


async def _run_one(
    sessions: async_sessionmaker[AsyncSession], sweep: Sweep, now: dt.datetime, programme: Programme, settings: Settings
) -> int:
    """Run one sweep to the end: a transaction per batch, again after a concurrent sweeper's conflict."""
    total, failures = 0, 0
    while True:
        try:
            async with sessions() as session, session.begin():
                notes = await sweep(session, now, programme, settings)
                await post_notes(session, now, programme, settings, notes)
        except DBAPIError as exc:
            code: Any = getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)
            failures += 1
            if code not in RETRYABLE or failures >= 3:
                raise
            log.info("sweep %s met a concurrent sweep (%s); running it again", sweep.__name__, code)
            continue
        total += len(notes)
        if not getattr(notes, "more", False):
            return total


async def sweep_core(core: Any) -> SweepResult:
    """One sweep for a running core (the scheduler, `/clock`, `mentorbot sweep`), then wake delivery."""
    result = await run_sweeps(core.sessions, core.clock.now(), core.programme, core.settings)
    core.delivery.kick()
    return result
