"""The mid-cycle check-in: "how is it going?" to both sides, and staff hear the answers that ask for help.

The schedule asks once, `checkin_months` into the cycle; staff may ask again from a case ("Contact the pair").
The answers are the same one tap either way.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.core import notices
from bot.core.context import queue_message
from bot.core.daytime import add_months, next_daytime, zone_for
from bot.core.notices import (
    OVERLAP,
    Claim,
    Note,
    batch,
    claim,
    claim_many,
    mark_run,
    taken_keys,
    users_by_id,
    window_start,
)
from bot.core.outcomes import Outcome
from bot.core.registry import sweep
from bot.programme import Programme
from bot.services import cases
from bot.services.nudges import answer, notice_for, open_pair_of, pair_sides
from bot.services.pairs import sides
from storage.lists import one_of
from storage.models import Pair, Report, User

CHECKIN_DUE, CHECKIN = "checkin_due", "checkin"
STAFF_CHECKIN = "staffchk:"  # key prefix of a check-in staff sent by hand ("Contact the pair")


@dataclass(frozen=True)
class CheckinQuestion(Outcome):
    """The scheduled 'how is it going?' to `person` about `other`, answered with notice `notice_id`'s buttons."""

    notice_id: int
    person: User
    other: User


@dataclass(frozen=True)
class StaffCheckin(Outcome):
    """`staff` asks `person` how it is going with `other` (from a case), with the same one-tap answers."""

    notice_id: int
    person: User
    other: User
    staff: User


@dataclass(frozen=True)
class CheckinAnswered(Outcome):
    """`person` answered a check-in with `said` (fine, meh, help); `already` when they had answered it before."""

    person: User
    said: str
    already: bool


@dataclass(frozen=True)
class CheckinAccount(Outcome):
    """Staff's account of a check-in answer: a case when it asks for help, news when staff asked themselves."""

    person: User
    said: str  # fine | meh | help
    pair: Pair
    mentor: User
    mentee: User


@sweep("checkins", order=30)
async def sweep_checkins(
    session: AsyncSession, now: dt.datetime, programme: Programme, settings: Settings
) -> list[Note]:
    """'How is it going?' to both sides `checkin_months` after the start, while the cycle runs.

    A run's first batch finds every pair that reached the check-in in its window and asks BATCH of them; the
    batches after it read only the pairs it left over. The run is marked by the batch that asks the last."""
    due, more = await notices.this_batch(session, lambda: _reached_checkin(session, now, programme))
    pairs = list(
        await session.scalars(select(Pair).where(one_of(Pair.id, due), Pair.status == "active").order_by(Pair.id))
    )
    if not more:
        await mark_run(session, "checkins", now)
    users = await users_by_id(session, {uid for p in pairs for uid in (p.mentor_id, p.mentee_id)})
    notes: list[Note] = []
    won = await claim_many(session, now, [Claim(f"checkin:{p.id}", CHECKIN_DUE, pair_id=p.id) for p in pairs])
    asked = [
        (
            Claim(f"checkin:{pair.id}:{person.id}", CHECKIN, user_id=person.id, pair_id=pair.id, data={"role": role}),
            person,
            other,
        )
        for pair in pairs
        if f"checkin:{pair.id}" in won
        for person, other, role in sides(pair, users)
        if not person.reminders_paused
    ]
    ids = await claim_many(session, now, [claim for claim, _person, _other in asked])
    notes += [
        Note(person.id, outcome=CheckinQuestion(ids[claim.key], person, other))
        for claim, person, other in asked
        if claim.key in ids
    ]
    return batch(notes, more)


async def _reached_checkin(session: AsyncSession, now: dt.datetime, programme: Programme) -> list[int]:
    """The ids of the running pairs that reached their check-in since the last run's window, not asked yet, in
    order. Only ids and start dates: the window holds a few days of starts, and a batch reads its own pairs."""
    since = await window_start(session, "checkins", now)
    latest_start = add_months(now, -programme.checkin_months)
    earliest_start = max(
        add_months(since, -programme.checkin_months) - OVERLAP, add_months(now, -programme.cycle_months)
    )
    started = list(
        await session.execute(
            select(Pair.id, Pair.started_at)
            .where(Pair.status == "active", Pair.started_at <= latest_start, Pair.started_at > earliest_start)
            .order_by(Pair.id)
        )
    )
    taken = await taken_keys(session, [f"checkin:{pair_id}" for pair_id, _start in started])
    months = programme.checkin_months
    return [
        pair_id
        for pair_id, start in started
        if f"checkin:{pair_id}" not in taken and start is not None and add_months(start, months) <= now
    ]


async def ask_for_staff(
    session: AsyncSession,
    report: Report,
    pair: Pair,
    staff: User,
    now: dt.datetime,
    programme: Programme,
    settings: Settings,
) -> int:
    """'Contact the pair' on a case: both sides get `staff`'s 'how is it going?' with the one-tap answers, in
    their daytime, once per case. Returns how many were asked now (0: both were asked before)."""
    asked = 0
    for person_id, other_id in ((pair.mentor_id, pair.mentee_id), (pair.mentee_id, pair.mentor_id)):
        person, other = await session.get(User, person_id), await session.get(User, other_id)
        assert person is not None and other is not None
        key = f"{STAFF_CHECKIN}{report.id}:{person.id}"
        notice_id = await claim(session, key, CHECKIN, now, user_id=person.id, pair_id=pair.id)
        if notice_id is None:
            continue
        when = next_daytime(now, zone_for(person, settings), programme)
        queue_message(session, now, StaffCheckin(notice_id, person, other, staff), user_id=person.id, not_before=when)
        asked += 1
    return asked


# --- the answers ------------------------------------------------------------------------------------------


async def answer_checkin(
    session: AsyncSession, user: User, payload: str, said: str, now: dt.datetime, settings: Settings
) -> CheckinAnswered:
    """The first answer counts. Anything but 'going well' files a case; good news reaches staff only when
    they asked themselves (they wait for every answer)."""
    notice = await notice_for(session, user, payload, CHECKIN)
    pair = await open_pair_of(session, notice)
    if notice.answer is not None:
        return CheckinAnswered(user, said, already=True)
    answer(notice, said, now)
    mentor, mentee = await pair_sides(session, pair)
    account = CheckinAccount(user, said, pair, mentor, mentee)
    if said == "fine":
        if notice.key.startswith(STAFF_CHECKIN):
            queue_message(session, now, account, to_staff=True)  # staff asked and wait for every answer
        return CheckinAnswered(user, said, already=False)
    await cases.file_case(session, now, kind="checkin", pair_id=pair.id, reporter_id=user.id, text=account)
    return CheckinAnswered(user, said, already=False)
