"""Cohort matching: the career team asks for a mentor for every student without one, reviews the list, and
confirms it; each confirmed line becomes a match exactly as one made by hand with /match.

How the list is made
--------------------
The students are those with a mentee profile and no open mentorship; the mentors are those browsing offers
(approved, active, a free place: `matching.available_mentors`). Each pair is worth the fit score browsing
shows (`matching.score_mentor`), and some pairs are not allowed at all: a mentor who said no to the student
within the re-ask window (`matching.mentors_who_said_no`), or one they have an open mentorship with.

The best list is the one with the largest total score in which no mentor gets more students than free
places. That is an assignment problem: each mentor becomes one column per free place (a mentor with two
free places is two columns with the same scores), each student a row, and
`scipy.optimize.linear_sum_assignment(maximize=True)` finds the rows-to-columns assignment with the largest
sum. Pairs that are not allowed, and pairs with no common ground (a score of zero or less), weigh zero, so
an optimal assignment never needs them; any such pair it picks is left out afterwards, and its student is
reported as having no mentor with common ground rather than being forced on someone. Going student by
student and giving each their best remaining mentor (greedy) can be much worse: the first student takes
the mentor the second one needed, although another mentor suited the first nearly as well.

Students left unassigned although some mentor with a free place had common ground with them are those the
free places ran out for.

Review and confirmation
-----------------------
The list is kept on the server, one per staff member (a `Notice` row keyed `suggest:<staff id>`, holding
the student and mentor ids of each line): the ids in buttons only say which line, and a token changed at
every edit tells a stale copy of the list from the current one. Staff may drop a line or swap two lines'
mentors; nothing is written about anyone until they confirm. At confirmation every line is checked again
against the database (the student still has no mentor, the mentor is still approved, active, with a free
place, and has not said no to the student since), and each line that still holds is matched through the
same path as /match, `requests.match_by_staff` (whose `pairs.create_pair` claims a place atomically, keeping
every capacity whatever races, and which settles the student's other requests and writes the audit line).
Each line runs in its own savepoint, so a line refused at the last moment is skipped, with its reason, and
the others still go through.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from scipy.optimize import linear_sum_assignment
from sqlalchemy import delete, inspect, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.errors import Refusal
from bot.core.markup import fmt
from bot.core.notices import claim
from bot.core.outcomes import Outcome
from bot.i18n import _
from bot.programme import Programme
from bot.services import requests
from bot.services.capacity import free_places, has_free_place
from bot.services.matching import (
    Wants,
    available_mentors,
    current_mentor_ids,
    fit_score,
    mentors_who_said_no,
    score_mentor,
    staff_may_match,
)
from storage.models import MenteeProfile, MentorProfile, Notice, Pair, User

SUGGESTION = "suggestion"  # the kind of the Notice row that keeps one staff member's list under review


# --- the assignment ------------------------------------------------------------------------------------


def assign(scores: Sequence[Sequence[int | None]], places: Sequence[int]) -> list[tuple[int, int]]:
    """The (student, mentor) index pairs with the largest total score, mentor j taking at most places[j]
    students; `scores[i][j]` is None where the pair is not allowed. Only pairs with a positive score are
    returned, each student at most once."""
    columns = [mentor for mentor, count in enumerate(places) for _place in range(max(count, 0))]
    if not scores or not columns:
        return []
    weights = np.zeros((len(scores), len(columns)), dtype=float)
    for row, student_scores in enumerate(scores):
        for column, mentor in enumerate(columns):
            score = student_scores[mentor]
            if score is not None and score > 0:
                weights[row, column] = score
    rows, cols = linear_sum_assignment(weights, maximize=True)
    chosen = [(int(row), columns[int(col)]) for row, col in zip(rows, cols, strict=True) if weights[row, col] > 0]
    return sorted(chosen)


# --- what staff read -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Line:
    """One suggested match: `number` counts from 1 as the list shows it; `reason` is browsing's one line."""

    number: int
    student: User
    mentor: User
    score: int
    reason: str


@dataclass(frozen=True)
class Proposal(Outcome):
    """The list under review. `left`: students the free places ran out for; `no_fit`: students with no
    common ground with any mentor who has a free place; `dropped`: students staff took off the list."""

    lines: tuple[Line, ...]
    left: tuple[User, ...]
    no_fit: tuple[User, ...]
    dropped: tuple[User, ...]
    token: str  # changes at every edit: a button from an older copy of the list is stale

    @property
    def total(self) -> int:
        return sum(line.score for line in self.lines)

    @property
    def unmatched(self) -> int:
        return len(self.left) + len(self.no_fit) + len(self.dropped)


@dataclass(frozen=True)
class Skipped:
    line: Line
    reason: str  # markup


@dataclass(frozen=True)
class Confirmed(Outcome):
    """What confirming did: the pairs made (both sides still to be told) and the lines skipped, with why."""

    made: tuple[tuple[Line, Pair], ...]
    skipped: tuple[Skipped, ...]


# --- making, keeping and editing the list ----------------------------------------------------------------


def _require_staff(staff: User, programme: Programme) -> None:
    if not staff.is_staff:
        raise Refusal(_("That command is for the career team only."))
    staff_may_match(programme).or_refuse()


async def unmatched_students(session: AsyncSession) -> list[tuple[User, MenteeProfile]]:
    """Students with a mentee profile and no open mentorship, the longest waiting first."""
    matched = select(Pair.mentee_id).where(Pair.status != "ended")
    rows = await session.execute(
        select(User, MenteeProfile)
        .join(MenteeProfile, MenteeProfile.user_id == User.id)
        .where(User.role == "student", User.id.not_in(matched))
        .order_by(User.created_at, User.id)
    )
    return [(user, profile) for user, profile in rows.all()]


async def _not_for(session: AsyncSession, student_id: int, now: dt.datetime, programme: Programme) -> set[int]:
    """Mentors this student is never suggested: those with an open mentorship with them, those who said no."""
    return await current_mentor_ids(session, student_id) | set(
        await mentors_who_said_no(session, student_id, now, programme)
    )


async def suggest(session: AsyncSession, staff: User, now: dt.datetime, programme: Programme) -> Proposal:
    """Work out the best list for every student without a mentor, and keep it as this staff member's list
    under review (replacing an earlier one)."""
    _require_staff(staff, programme)
    students = await unmatched_students(session)
    if not students:  # nothing to review: no list is kept
        await session.execute(delete(Notice).where(Notice.key == _key(staff)))
        return Proposal((), (), (), (), "")
    mentors = sorted(await available_mentors(session), key=lambda found: found[0].id)
    scores: list[list[int | None]] = []
    for student, wanted in students:
        excluded = await _not_for(session, student.id, now, programme)
        wants = Wants.of(wanted) if wanted is not None else None  # worked out once for every mentor
        scores.append([None if mentor.id in excluded else fit_score(profile, wants) for mentor, profile in mentors])
    chosen = assign(scores, [free_places(profile) for _mentor, profile in mentors])
    assigned = {row for row, _column in chosen}
    left: list[int] = []
    no_fit: list[int] = []
    for row, (student, _wanted) in enumerate(students):
        if row in assigned:
            continue
        had_common_ground = any(score is not None and score > 0 for score in scores[row])
        (left if had_common_ground else no_fit).append(student.id)
    data = {
        "lines": [[students[row][0].id, mentors[column][0].id] for row, column in chosen],
        "left": left,
        "no_fit": no_fit,
        "dropped": [],
    }
    return await _keep(session, staff, data, now, programme)


async def current(session: AsyncSession, staff: User, programme: Programme) -> Proposal:
    """This staff member's list under review, as it reads now."""
    _require_staff(staff, programme)
    notice = await _notice(session, staff)
    return await _proposal(session, notice.data, programme)


async def drop(
    session: AsyncSession, staff: User, number: int, now: dt.datetime, programme: Programme
) -> tuple[Proposal, User]:
    """Take line `number` off the list; its student is listed as dropped. Returns the list and the student."""
    _require_staff(staff, programme)
    shown = await _proposal(session, (await _notice(session, staff)).data, programme)
    lines = list(shown.lines)
    dropped = lines.pop(_line_index(number, lines))
    data = _stored(shown, lines=lines, dropped=(*shown.dropped, dropped.student))
    return await _keep(session, staff, data, now, programme), dropped.student


async def swap(
    session: AsyncSession, staff: User, first: int, second: int, now: dt.datetime, programme: Programme
) -> Proposal:
    """Give the students of two lines each other's mentor, if both new pairs are allowed."""
    _require_staff(staff, programme)
    shown = await _proposal(session, (await _notice(session, staff)).data, programme)
    lines = list(shown.lines)
    one, other = lines[_line_index(first, lines)], lines[_line_index(second, lines)]
    if one is other:
        raise Refusal(_("Swapping needs two different lines, for example /suggest swap 2 5."))
    if one.mentor.id == other.mentor.id:
        raise Refusal(fmt(_("Lines {a} and {b} have the same mentor, so a swap changes nothing."), a=first, b=second))
    for student, mentor in ((one.student, other.mentor), (other.student, one.mentor)):
        if mentor.id not in await _not_for(session, student.id, now, programme):
            continue
        if mentor.id in await current_mentor_ids(session, student.id):
            words = _("{student} already has {mentor} as their mentor. The list is unchanged.")
        else:
            words = _("{mentor} said no to {student} recently, so I won't pair them. The list is unchanged.")
        raise Refusal(fmt(words, mentor=mentor.name, student=student.name))
    lines[first - 1] = replace(one, mentor=other.mentor)
    lines[second - 1] = replace(other, mentor=one.mentor)
    return await _keep(session, staff, _stored(shown, lines=lines), now, programme)


async def cancel(session: AsyncSession, staff: User, programme: Programme) -> None:
    """Forget this staff member's list; nobody was told anything."""
    _require_staff(staff, programme)
    await session.execute(delete(Notice).where(Notice.key == _key(staff)))


def _line_index(number: int, lines: Sequence[Line]) -> int:
    if not lines:
        raise Refusal(_("The list has no lines left. /suggest makes a new one."))
    if not 1 <= number <= len(lines):
        raise Refusal(
            fmt(
                _("There is no line {n}: the list has lines 1 to {count}. For example: /suggest drop 1."),
                n=number,
                count=len(lines),
            )
        )
    return number - 1


def _stored(
    proposal: Proposal, *, lines: Sequence[Line] | None = None, dropped: Sequence[User] | None = None
) -> dict[str, Any]:
    """The ids a list is kept as (the people who have left the programme since are gone from it)."""
    return {
        "lines": [[line.student.id, line.mentor.id] for line in (proposal.lines if lines is None else lines)],
        "left": [user.id for user in proposal.left],
        "no_fit": [user.id for user in proposal.no_fit],
        "dropped": [user.id for user in (proposal.dropped if dropped is None else dropped)],
    }


def _key(staff: User) -> str:
    return f"suggest:{staff.id}"


async def _notice(session: AsyncSession, staff: User) -> Notice:
    notice = await session.scalar(select(Notice).where(Notice.key == _key(staff)).with_for_update())
    if notice is None:
        raise Refusal(_("There is no list waiting for you. /suggest makes one."))
    return notice


async def _keep(
    session: AsyncSession, staff: User, data: dict[str, Any], now: dt.datetime, programme: Programme
) -> Proposal:
    """Store the list with a new token (so older copies of it read as stale) and return how it reads."""
    data = {**data, "token": secrets.token_hex(4)}
    if await claim(session, _key(staff), SUGGESTION, now, user_id=staff.id, data=data) is None:
        await session.execute(update(Notice).where(Notice.key == _key(staff)).values(data=data, created_at=now))
    return await _proposal(session, data, programme)


async def _proposal(session: AsyncSession, data: dict[str, Any], programme: Programme) -> Proposal:
    """The stored ids as staff read them, scored as browsing scores them now. People who have left the
    programme since are left out."""
    ids = {int(i) for key in ("left", "no_fit", "dropped") for i in data.get(key, [])}
    ids |= {int(i) for line in data.get("lines", []) for i in line}
    users = {user.id: user for user in await session.scalars(select(User).where(User.id.in_(ids)))} if ids else {}
    lines: list[Line] = []
    for student_id, mentor_id in data.get("lines", []):
        student, mentor = users.get(int(student_id)), users.get(int(mentor_id))
        profile = await session.get(MentorProfile, int(mentor_id))
        if student is None or mentor is None or profile is None:
            continue
        score, reason = score_mentor(profile, await session.get(MenteeProfile, student.id), programme)
        lines.append(Line(len(lines) + 1, student, mentor, score, reason))

    def people(key: str) -> tuple[User, ...]:
        return tuple(users[int(i)] for i in data.get(key, []) if int(i) in users)

    return Proposal(tuple(lines), people("left"), people("no_fit"), people("dropped"), str(data.get("token", "")))


# --- confirming ------------------------------------------------------------------------------------------


async def confirm(session: AsyncSession, staff: User, now: dt.datetime, programme: Programme) -> Confirmed:
    """Match every line of the list that still holds, as /match does, and forget the list. The caller tells
    both sides of each pair made (`pairs.matched`)."""
    _require_staff(staff, programme)
    notice = await _notice(session, staff)
    proposal = await _proposal(session, notice.data, programme)
    made: list[tuple[Line, Pair]] = []
    skipped: list[Skipped] = []
    for line in proposal.lines:
        reason = await _why_not(session, line, now, programme)
        if reason is None:
            try:
                async with session.begin_nested():
                    pair = await _match(session, line, now, programme, staff)
            except Refusal as refusal:
                reason = refusal.text
            else:
                made.append((line, pair))
                continue
        skipped.append(Skipped(line, reason))
    await session.delete(notice)
    # A line refused inside its savepoint may have expired what that savepoint touched: load it again here,
    # where loading can wait on the database, so that reading the outcome never has to.
    for line, pair in made:
        await _loaded(session, pair, line.student, line.mentor)
    for skip in skipped:
        await _loaded(session, skip.line.student, skip.line.mentor)
    return Confirmed(tuple(made), tuple(skipped))


async def _why_not(session: AsyncSession, line: Line, now: dt.datetime, programme: Programme) -> str | None:
    """Why this line no longer holds (markup), or None while it does."""
    student, mentor = line.student, line.mentor
    if student.role != "student" or await session.get(MenteeProfile, student.id) is None:
        return fmt(_("{student} is no longer a student in the programme."), student=student.name)
    if await _has_a_mentor(session, student.id):
        return fmt(_("{student} has a mentor already."), student=student.name)
    profile = await session.get(MentorProfile, mentor.id, populate_existing=True)
    if mentor.role != "alumnus" or profile is None or profile.status != "approved":
        return fmt(_("{mentor} isn't an approved mentor at the moment."), mentor=mentor.name)
    if not profile.active:
        return fmt(_("{mentor} has paused their profile and isn't taking new mentees."), mentor=mentor.name)
    if not has_free_place(profile, mentor):
        return fmt(_("{mentor} has no free place left."), mentor=mentor.name)
    if mentor.id in await _not_for(session, student.id, now, programme):
        return fmt(_("{mentor} said no to {student} recently."), mentor=mentor.name, student=student.name)
    return None


async def _match(session: AsyncSession, line: Line, now: dt.datetime, programme: Programme, staff: User) -> Pair:
    """The match itself, made by /match's own path; refused (and undone by the caller's savepoint) when the
    mentor's last place went, or the student found a mentor, in a transaction that committed meanwhile."""
    pair = await requests.match_by_staff(session, line.student, line.mentor, now, programme, by=staff)
    if await _has_a_mentor(session, line.student.id, besides=pair.id):
        raise Refusal(fmt(_("{student} has a mentor already."), student=line.student.name))
    return pair


async def _has_a_mentor(session: AsyncSession, student_id: int, *, besides: int | None = None) -> bool:
    query = select(Pair.id).where(Pair.mentee_id == student_id, Pair.status != "ended")
    if besides is not None:
        query = query.where(Pair.id != besides)
    return await session.scalar(query.limit(1)) is not None


async def _loaded(session: AsyncSession, *objects: object) -> None:
    for obj in objects:
        if inspect(obj).expired_attributes:
            await session.refresh(obj)
