"""Goals and the action plan: short- and long-term goals of a mentorship, each with a status and notes.

Both sides see and edit them; the mentee writes progress notes, the mentor comments. Every goal is reached
through its mentorship, so a goal id from a button is only honoured for one of the two sides.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.context import queue_message
from bot.core.datacopy import row
from bot.core.errors import Refusal
from bot.core.markup import fmt
from bot.core.outcomes import Outcome
from bot.core.payloads import id_in
from bot.core.registry import registry
from bot.i18n import N_, _
from bot.services.pairs import other_side, pair_for
from storage.models import Goal, GoalNote, Pair, User

TERMS: dict[str, str] = {"short": N_("Short term (the next weeks)"), "long": N_("Long term (this year and beyond)")}
STATUSES: dict[str, str] = {
    "open": N_("Open"),
    "in_progress": N_("In progress"),
    "done": N_("Done"),
    "dropped": N_("Dropped"),
}
MAX_GOAL = 500
MAX_NOTE = 2000


@dataclass(frozen=True)
class GoalAdded(Outcome):
    """Told to the other side: `author` added `goal` to the plan."""

    goal: Goal
    author: User


@dataclass(frozen=True)
class GoalDone(Outcome):
    """Told to the other side: `author` marked `goal` as done."""

    goal: Goal
    author: User


@dataclass(frozen=True)
class GoalNoteAdded(Outcome):
    """Told to the other side: `author` wrote `text` on `goal`, a comment when `by_mentor`, else a progress note."""

    goal: Goal
    author: User
    text: str
    by_mentor: bool


def status_label(status: str) -> str:
    return _(STATUSES.get(status, status))


async def goals_of(session: AsyncSession, pair: Pair) -> list[Goal]:
    """Short-term goals first, then long-term, each in the order they were set."""
    rows = await session.scalars(select(Goal).where(Goal.pair_id == pair.id).order_by(Goal.term.desc(), Goal.id))
    return list(rows)


async def notes_of(session: AsyncSession, goal: Goal) -> list[GoalNote]:
    return list(await session.scalars(select(GoalNote).where(GoalNote.goal_id == goal.id).order_by(GoalNote.id)))


async def goal_for(session: AsyncSession, user: User, goal_id: str | int) -> tuple[Goal, Pair]:
    """The goal, only if the person is one side of its mentorship."""
    not_found = _("I couldn't find that goal. /goals shows yours.")
    goal = await session.get(Goal, id_in(goal_id, not_found))
    if goal is None:
        raise Refusal(not_found)
    try:
        pair = await pair_for(session, user, goal.pair_id)
    except Refusal:
        raise Refusal(_("I couldn't find that goal. /goals shows yours.")) from None
    return goal, pair


def _still_open(pair: Pair) -> None:
    if pair.status == "ended":
        raise Refusal(_("That mentorship has ended, so its goals can't change any more. You can still read them."))


async def add_goal(session: AsyncSession, pair: Pair, author: User, *, term: str, text: str, now: dt.datetime) -> Goal:
    _still_open(pair)
    if term not in TERMS:
        raise Refusal(_("Please choose short term or long term."))
    text = text.strip()
    if not text:
        raise Refusal(_("Please write the goal in a few words, e.g. 'Send my CV to three companies'."))
    if len(text) > MAX_GOAL:
        raise Refusal(fmt(_("That's a bit long: please keep it under {n} characters."), n=MAX_GOAL))
    goal = Goal(
        pair_id=pair.id, author_id=author.id, term=term, text=text, status="open", created_at=now, updated_at=now
    )
    session.add(goal)
    await session.flush()
    queue_message(session, now, GoalAdded(goal, author), user_id=other_side(pair, author))
    return goal


async def set_status(session: AsyncSession, user: User, goal_id: str | int, status: str, now: dt.datetime) -> Goal:
    goal, pair = await goal_for(session, user, goal_id)
    _still_open(pair)
    if status not in STATUSES:
        raise Refusal(_("That button no longer works. /goals shows your goals."))
    goal.status = status
    goal.updated_at = now
    if status == "done":
        queue_message(session, now, GoalDone(goal, user), user_id=other_side(pair, user))
    return goal


async def add_note(session: AsyncSession, user: User, goal_id: str | int, text: str, now: dt.datetime) -> GoalNote:
    """A progress note (mentee) or a comment (mentor) on a goal; the other side is told."""
    goal, pair = await goal_for(session, user, goal_id)
    _still_open(pair)
    text = text.strip()
    if not text:
        raise Refusal(_("Please write a few words, e.g. 'Sent two applications this week'."))
    if len(text) > MAX_NOTE:
        raise Refusal(fmt(_("That's a bit long: please keep it under {n} characters."), n=MAX_NOTE))
    note = GoalNote(goal_id=goal.id, author_id=user.id, text=text, created_at=now)
    session.add(note)
    goal.updated_at = now
    await session.flush()
    by_mentor = user.id == pair.mentor_id
    queue_message(session, now, GoalNoteAdded(goal, user, text, by_mentor), user_id=other_side(pair, user))
    return note


# --- this capability's part of a person's copy of their data ----------------------------------


@registry.pair_export("goals", covers=(Goal, GoalNote))
async def _goals(session: AsyncSession, pair: Pair, user: User) -> list[dict[str, Any]]:
    plan = []
    for goal in await goals_of(session, pair):
        entry = row(goal)
        entry["notes"] = [row(n) for n in await notes_of(session, goal)]
        plan.append(entry)
    return plan
