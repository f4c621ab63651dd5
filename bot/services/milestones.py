"""Milestones: the programme's named steps, each in a window of the calendar (interview 1 in January–March),
with the mentee's form before the step's meeting (the road-book) and the mentor's form after it (the
evaluation, given to the mentee).

Each started mentorship has one `MilestoneProgress` row per milestone, with its window's dates from one
pure function (`windows`, the rule in `bot.programme.Milestone`). The pair's meetings decide the rest, read
from the meetings themselves (`sync_pair`), so nothing here needs to be told when a meeting changes:

    pending --(a meeting of the pair in the window)--> meeting linked --("it happened")--> met
    met --(the mentor sends the evaluation, or the step has none)--> done
    pending --(the window closed without it)--> missed (staff are told once)

The sweep tells both sides when a window opens and when it is about to close with nothing planned, the
mentee when the road-book is due (and overdue, the mentor then hears it has not arrived), the mentor when
the evaluation is due (and once more a few days later), and staff about each missed window.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.core.context import queue_message
from bot.core.datacopy import row as plain_row
from bot.core.daytime import daytime_start_on, local_day, next_daytime, zone_for
from bot.core.errors import Refusal
from bot.core.markup import fmt
from bot.core.notices import Claim, Note, claim, claim_many, insert_for, taken_at, users_by_id
from bot.core.outcomes import Outcome
from bot.core.payloads import id_in, quoted
from bot.core.policy import YES, Decision, no
from bot.core.registry import pair_export, sweep
from bot.i18n import N_, _
from bot.programme import FormDefinition, Milestone, Programme, milestone_windows
from bot.services import cases
from bot.services.meetings import CONFIRMED, DONE, PROPOSED
from bot.services.pairs import other_side
from storage.lists import one_of
from storage.models import Meeting, MilestoneProgress, Pair, User

PENDING, MET, FINISHED, MISSED = "pending", "met", "done", "missed"
OVERDUE_AFTER = dt.timedelta(days=2)  # a road-book still not sent this long after it was due is overdue
EVALUATION_REMINDER_AFTER = dt.timedelta(days=3)  # the one reminder of an evaluation not sent yet
# After a window closes, a meeting planned in it may still be answered "it happened" for this long before
# the step counts as missed (the meetings sweep asks the morning after).
ANSWER_GRACE = dt.timedelta(days=7)
# A missed step is looked at again this long after its window closed: a late "it happened" still counts.
STILL_READ = dt.timedelta(days=60)
MISSED_CASE = "milestone"
cases.KINDS.setdefault(MISSED_CASE, N_("Milestone missed"))  # how staff lists name this capability's cases

# Notice kinds, each claimed once per step (and per person or meeting).
OPENED, PLAN_BY, ROADBOOK_DUE, ROADBOOK_LATE, EVALUATION_DUE, EVALUATION_AGAIN, WINDOW_MISSED = (
    "ms_open",
    "ms_plan",
    "ms_rb",
    "ms_rb_late",
    "ms_ev",
    "ms_ev_again",
    "ms_missed",
)


# --- the windows --------------------------------------------------------------------------------------


def programme_zone(settings: Settings) -> ZoneInfo:
    """The windows are days on the programme's calendar (the TIMEZONE setting)."""
    return zone_for(None, settings)


def definition(programme: Programme, progress: MilestoneProgress) -> Milestone | None:
    return next((m for m in programme.milestones if m.key == progress.milestone), None)


async def ensure_rows(
    session: AsyncSession, pair: Pair, programme: Programme, settings: Settings, now: dt.datetime
) -> None:
    """The pair's rows, one per milestone, created once (two callers at once insert them once)."""
    if not programme.milestones or pair.status != "active" or pair.started_at is None:
        return
    start = local_day(pair.started_at, programme_zone(settings))
    values = [
        {
            "pair_id": pair.id,
            "milestone": milestone.key,
            "opens_on": opens,
            "closes_on": closes,
            "status": PENDING,
            "form_answers": {},
            "evaluation": {},
            "created_at": now,
            "updated_at": now,
        }
        for milestone, (opens, closes) in zip(
            programme.milestones, milestone_windows(programme.milestones, start), strict=True
        )
    ]
    await session.execute(
        insert_for(session)(MilestoneProgress)
        .values(values)
        .on_conflict_do_nothing(index_elements=["pair_id", "milestone"])
    )


async def _ensure_missing(session: AsyncSession, programme: Programme, settings: Settings, now: dt.datetime) -> None:
    """Rows for every started mentorship that lacks some (it started since, or the programme grew)."""
    keys = [m.key for m in programme.milestones]
    held = (
        select(func.count(MilestoneProgress.id))
        .where(MilestoneProgress.pair_id == Pair.id, MilestoneProgress.milestone.in_(keys))
        .correlate(Pair)
        .scalar_subquery()
    )
    lacking = await session.scalars(
        select(Pair).where(Pair.status == "active", Pair.started_at.is_not(None), held < len(keys)).order_by(Pair.id)
    )
    for pair in list(lacking):
        await ensure_rows(session, pair, programme, settings, now)


# --- which meeting belongs to which step --------------------------------------------------------------


def _counts(meeting: Meeting, now: dt.datetime) -> bool:
    """A meeting that holds its step: it happened, is confirmed, or is proposed for a time still to come."""
    return meeting.status in (DONE, CONFIRMED) or (meeting.status == PROPOSED and meeting.starts_at > now)


def link_meetings(
    rows: Sequence[MilestoneProgress],
    meetings: Sequence[Meeting],
    programme: Programme,
    zone: ZoneInfo,
    now: dt.datetime,
) -> None:
    """Give each step of one pair its meeting: the earliest still-open step whose window holds the meeting's
    day. A meeting that happened makes the step met (done at once when it has no evaluation); a meeting
    moved out of the window or cancelled no longer holds it. Steps met or done keep their meeting."""
    ordered = sorted(meetings, key=lambda m: (m.starts_at, m.id))
    taken = {r.meeting_id for r in rows if r.status in (MET, FINISHED) and r.meeting_id is not None}
    for progress in sorted(rows, key=lambda r: (r.opens_on, r.id)):
        milestone = definition(programme, progress)
        if milestone is None:
            continue
        if progress.status == MET and milestone.after_form is None:
            progress.status, progress.updated_at = FINISHED, now
        if progress.status not in (PENDING, MISSED):
            continue
        fits = [
            m
            for m in ordered
            if m.id not in taken
            and _counts(m, now)
            and progress.opens_on <= local_day(m.starts_at, zone) <= progress.closes_on
        ]
        happened = [m for m in fits if m.status == DONE]
        chosen: Meeting | None
        if happened:
            chosen = happened[0]
            progress.status = MET if milestone.after_form is not None else FINISHED
            progress.met_at = chosen.updated_at
        elif progress.status == PENDING:
            chosen = next((m for m in fits if m.id == progress.meeting_id), fits[0] if fits else None)
        else:
            continue
        if chosen is not None:
            taken.add(chosen.id)
        new_id = chosen.id if chosen is not None else None
        if progress.meeting_id != new_id or happened:
            progress.meeting_id, progress.updated_at = new_id, now


async def _meetings_of(session: AsyncSession, pair_ids: Sequence[int]) -> dict[int, list[Meeting]]:
    found: dict[int, list[Meeting]] = {pid: [] for pid in pair_ids}
    if not pair_ids:
        return found
    rows = await session.scalars(
        select(Meeting)
        .where(Meeting.pair_id.in_(sorted(set(pair_ids))), Meeting.status.in_((PROPOSED, CONFIRMED, DONE)))
        .order_by(Meeting.starts_at, Meeting.id)
    )
    for meeting in rows:
        found[meeting.pair_id].append(meeting)
    return found


async def sync_pair(
    session: AsyncSession, pair: Pair, programme: Programme, settings: Settings, now: dt.datetime
) -> list[MilestoneProgress]:
    """The pair's rows made and brought up to date with its meetings; in the programme's order."""
    await ensure_rows(session, pair, programme, settings, now)
    rows = list(await session.scalars(select(MilestoneProgress).where(MilestoneProgress.pair_id == pair.id)))
    if pair.status == "active":
        meetings = (await _meetings_of(session, [pair.id]))[pair.id]
        link_meetings(rows, meetings, programme, programme_zone(settings), now)
    order = {m.key: i for i, m in enumerate(programme.milestones)}
    return sorted((r for r in rows if r.milestone in order), key=lambda r: order[r.milestone])


# --- the outcomes -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class WindowOpened(Outcome):
    """The step's window is open: `person` and `other` plan its meeting (`role`: mentor or mentee)."""

    progress: MilestoneProgress
    milestone: Milestone
    person: User
    other: User
    role: str


@dataclass(frozen=True)
class PlanReminder(Outcome):
    """The window closes in `milestone.plan_by_days` days or fewer and no meeting is planned for it."""

    progress: MilestoneProgress
    milestone: Milestone
    person: User
    other: User


@dataclass(frozen=True)
class RoadbookDue(Outcome):
    """Told to the mentee (`person`): the road-book is due for the meeting with `other`, the mentor."""

    progress: MilestoneProgress
    milestone: Milestone
    meeting: Meeting
    person: User
    other: User


@dataclass(frozen=True)
class RoadbookOverdue(Outcome):
    """Told to the mentee (`person`): the road-book is late; the meeting with `other` is still to come."""

    progress: MilestoneProgress
    milestone: Milestone
    meeting: Meeting
    person: User
    other: User


@dataclass(frozen=True)
class RoadbookMissing(Outcome):
    """Told to the mentor (`person`): the road-book of `other`, the mentee, has not arrived yet."""

    progress: MilestoneProgress
    milestone: Milestone
    meeting: Meeting
    person: User
    other: User


@dataclass(frozen=True)
class RoadbookSent(Outcome):
    """The mentee's answer once the road-book is sent to `other` (`updated`: it replaced an earlier one)."""

    progress: MilestoneProgress
    milestone: Milestone
    meeting: Meeting | None
    person: User
    other: User
    updated: bool


@dataclass(frozen=True)
class RoadbookReceived(Outcome):
    """The mentor (`person`) gets the road-book of `other`, the mentee (`updated`: a new version of it)."""

    progress: MilestoneProgress
    milestone: Milestone
    form: FormDefinition
    meeting: Meeting | None
    person: User
    other: User
    updated: bool


@dataclass(frozen=True)
class EvaluationDue(Outcome):
    """Told to the mentor (`person`): the step's meeting happened; the evaluation of `other` is due
    (`again`: the one reminder)."""

    progress: MilestoneProgress
    milestone: Milestone
    person: User
    other: User
    again: bool


@dataclass(frozen=True)
class EvaluationSaved(Outcome):
    """The mentor's answer once the evaluation is sent to `other`, the mentee."""

    progress: MilestoneProgress
    milestone: Milestone
    person: User
    other: User


@dataclass(frozen=True)
class EvaluationGiven(Outcome):
    """The mentee (`person`) gets the evaluation `other`, the mentor, filled in."""

    progress: MilestoneProgress
    milestone: Milestone
    form: FormDefinition
    person: User
    other: User


@dataclass(frozen=True)
class MissedWindow(Outcome):
    """For staff (a case): the pair's window for the step closed without the step being met."""

    progress: MilestoneProgress
    milestone: Milestone
    pair: Pair
    mentor: User
    mentee: User
    meeting: Meeting | None


# --- finding a step, and who may fill in its forms ----------------------------------------------------


async def progress_for(session: AsyncSession, user: User, progress_id: str | int) -> tuple[MilestoneProgress, Pair]:
    """The step, only if the person is one side of its mentorship (or on the career team)."""
    not_yours = _("I couldn't find that step among yours. /milestones shows your mentorship's steps.")
    progress = await session.get(MilestoneProgress, id_in(progress_id, not_yours))
    pair = await session.get(Pair, progress.pair_id) if progress is not None else None
    if progress is None or pair is None or (user.id not in (pair.mentor_id, pair.mentee_id) and not user.is_staff):
        raise Refusal(not_yours)
    return progress, pair


def step_over(progress: MilestoneProgress, meeting: Meeting | None, today: dt.date, now: dt.datetime) -> bool:
    """Whether the step is behind the pair: met, done or missed, its window closed, or its meeting held."""
    if progress.status != PENDING or today > progress.closes_on:
        return True
    return meeting is not None and meeting.starts_at <= now


def may_send_roadbook(
    progress: MilestoneProgress,
    pair: Pair,
    user: User,
    milestone: Milestone,
    meeting: Meeting | None,
    today: dt.date,
    now: dt.datetime,
) -> Decision:
    """The mentee of an open mentorship sends the step's road-book while the step is still ahead of them
    (again before the meeting, to replace it)."""
    if milestone.before_form is None:
        return no(fmt(_("{step} has no road-book to fill in."), step=milestone.title))
    if pair.status != "active":
        return no(_("That mentorship has ended, so there is nothing to send for it."))
    if user.id != pair.mentee_id:
        return no(_("The road-book is your student's to fill in; I'll send it to you as soon as it arrives."))
    if step_over(progress, meeting, today, now):
        return no(
            fmt(
                _("{step} is behind you now, so its road-book can't change any more. /milestones shows what's next."),
                step=milestone.title,
            )
        )
    return YES


def may_evaluate(progress: MilestoneProgress, pair: Pair, user: User, milestone: Milestone) -> Decision:
    """The mentor fills in the step's evaluation once its meeting happened, once."""
    if milestone.after_form is None:
        return no(fmt(_("{step} has no evaluation to fill in."), step=milestone.title))
    if pair.status != "active":
        return no(_("That mentorship has ended, so there is nothing to send for it."))
    if user.id != pair.mentor_id:
        return no(_("The evaluation is your mentor's to fill in; I'll send it to you as soon as it arrives."))
    if progress.evaluated_at is not None:
        return no(fmt(_("You've already sent the evaluation for {step}. Thank you!"), step=milestone.title))
    if progress.status != MET:
        return no(
            fmt(
                _(
                    "The evaluation for {step} opens once your meeting for it has happened: answer "
                    "'Yes, we met' when I ask after the meeting."
                ),
                step=milestone.title,
            )
        )
    return YES


@dataclass(frozen=True)
class FormStep:
    """A step whose form the person may fill in now, with what its form and its words need."""

    progress: MilestoneProgress
    pair: Pair
    milestone: Milestone
    form: FormDefinition
    other: User


async def _other(session: AsyncSession, pair: Pair, user: User) -> User:
    other = await session.get(User, other_side(pair, user))
    if other is None:
        raise Refusal(_("I couldn't find that person; they may have left the programme."))
    return other


async def _meeting(session: AsyncSession, progress: MilestoneProgress) -> Meeting | None:
    return await session.get(Meeting, progress.meeting_id) if progress.meeting_id is not None else None


async def roadbook_step(
    session: AsyncSession,
    user: User,
    progress_id: str | int,
    programme: Programme,
    settings: Settings,
    now: dt.datetime,
) -> FormStep:
    """The step whose road-book the person asks to fill in, if they may (checked again at every press)."""
    return await _form_step(session, user, progress_id, programme, settings, now, before=True)


async def evaluation_step(
    session: AsyncSession,
    user: User,
    progress_id: str | int,
    programme: Programme,
    settings: Settings,
    now: dt.datetime,
) -> FormStep:
    """The step whose evaluation the mentor asks to fill in, if they may (checked again at every press)."""
    return await _form_step(session, user, progress_id, programme, settings, now, before=False)


async def _form_step(
    session: AsyncSession,
    user: User,
    progress_id: str | int,
    programme: Programme,
    settings: Settings,
    now: dt.datetime,
    *,
    before: bool,
) -> FormStep:
    """A step's form before the meeting (the road-book) or after it (the evaluation), for this person."""
    progress, pair = await progress_for(session, user, progress_id)
    await sync_pair(session, pair, programme, settings, now)
    milestone = definition(programme, progress)
    if milestone is None:
        raise Refusal(_("That step is no longer part of the programme. /milestones shows the steps."))
    if before:
        today = local_day(now, programme_zone(settings))
        may_send_roadbook(progress, pair, user, milestone, await _meeting(session, progress), today, now).or_refuse()
        form_key = milestone.before_form
    else:
        may_evaluate(progress, pair, user, milestone).or_refuse()
        form_key = milestone.after_form
    assert form_key is not None
    return FormStep(progress, pair, milestone, programme.form(form_key), await _other(session, pair, user))


def _kept(form: FormDefinition, answers: dict[str, Any]) -> dict[str, Any]:
    """The answers to the form's own questions, nothing else a submission carried."""
    return {q.key: answers.get(q.key) for q in form.questions}


async def send_roadbook(
    session: AsyncSession,
    user: User,
    progress_id: str | int,
    answers: dict[str, Any],
    programme: Programme,
    settings: Settings,
    now: dt.datetime,
) -> RoadbookSent:
    """The road-book is kept and sent to the mentor; sent again before the meeting, it replaces the first."""
    step = await roadbook_step(session, user, progress_id, programme, settings, now)
    progress = step.progress
    updated = progress.form_sent_at is not None
    progress.form_answers = _kept(step.form, answers)
    progress.form_sent_at = progress.updated_at = now
    meeting = await _meeting(session, progress)
    received = RoadbookReceived(progress, step.milestone, step.form, meeting, step.other, user, updated)
    queue_message(session, now, received, user_id=step.other.id)
    return RoadbookSent(progress, step.milestone, meeting, user, step.other, updated)


async def give_evaluation(
    session: AsyncSession,
    user: User,
    progress_id: str | int,
    answers: dict[str, Any],
    programme: Programme,
    settings: Settings,
    now: dt.datetime,
) -> EvaluationSaved:
    """The evaluation is kept and given to the mentee; the step is done."""
    step = await evaluation_step(session, user, progress_id, programme, settings, now)
    progress = step.progress
    progress.evaluation = _kept(step.form, answers)
    progress.evaluated_at = progress.updated_at = now
    progress.status = FINISHED
    queue_message(
        session, now, EvaluationGiven(progress, step.milestone, step.form, step.other, user), user_id=step.other.id
    )
    return EvaluationSaved(progress, step.milestone, user, step.other)


# --- what the pair and staff read ---------------------------------------------------------------------

UPCOMING, OPEN, PLANNED, ROADBOOK_SENT, EVALUATION_WAITING, EVALUATED, DONE_STEP, MISSED_STEP = (
    "upcoming",
    "open",
    "planned",
    "roadbook_sent",
    "evaluation_due",
    "evaluated",
    "done",
    "missed",
)

BEHIND = frozenset({EVALUATED, DONE_STEP, MISSED_STEP})  # steps the pair has left behind


def state_of(progress: MilestoneProgress, meeting: Meeting | None, today: dt.date) -> str:
    """Where the step stands, in one word the handler turns into plain words."""
    if progress.status == MISSED:
        return MISSED_STEP
    if progress.status == MET:
        return EVALUATION_WAITING
    if progress.status == FINISHED:
        return EVALUATED if progress.evaluated_at is not None else DONE_STEP
    if meeting is not None:
        return ROADBOOK_SENT if progress.form_sent_at is not None else PLANNED
    if progress.form_sent_at is not None:
        return ROADBOOK_SENT
    return UPCOMING if today < progress.opens_on else OPEN


@dataclass(frozen=True)
class Step:
    progress: MilestoneProgress
    milestone: Milestone
    meeting: Meeting | None
    state: str
    may_send_roadbook: bool  # for the person who asked: the mentee, now
    may_evaluate: bool  # for the person who asked: the mentor, now


@dataclass(frozen=True)
class PairSteps:
    pair: Pair
    mentor: User
    mentee: User
    steps: list[Step]


async def steps_of(
    session: AsyncSession, pair: Pair, viewer: User, programme: Programme, settings: Settings, now: dt.datetime
) -> list[Step]:
    rows = await sync_pair(session, pair, programme, settings, now)
    today = local_day(now, programme_zone(settings))
    steps = []
    for progress in rows:
        milestone = definition(programme, progress)
        assert milestone is not None  # sync_pair keeps the programme's own
        meeting = await _meeting(session, progress)
        steps.append(
            Step(
                progress,
                milestone,
                meeting,
                state_of(progress, meeting, today),
                bool(may_send_roadbook(progress, pair, viewer, milestone, meeting, today, now)),
                bool(may_evaluate(progress, pair, viewer, milestone)),
            )
        )
    return steps


async def _pair_steps(
    session: AsyncSession, pair: Pair, viewer: User, programme: Programme, settings: Settings, now: dt.datetime
) -> PairSteps | None:
    users = await users_by_id(session, {pair.mentor_id, pair.mentee_id})
    if pair.mentor_id not in users or pair.mentee_id not in users:
        return None
    steps = await steps_of(session, pair, viewer, programme, settings, now)
    return PairSteps(pair, users[pair.mentor_id], users[pair.mentee_id], steps)


async def mine(
    session: AsyncSession, user: User, programme: Programme, settings: Settings, now: dt.datetime
) -> list[PairSteps]:
    """The person's started mentorships with their steps."""
    pairs = await session.scalars(
        select(Pair)
        .where(
            or_(Pair.mentor_id == user.id, Pair.mentee_id == user.id),
            Pair.status == "active",
            Pair.started_at.is_not(None),
        )
        .order_by(Pair.started_at, Pair.id)
    )
    found = []
    for pair in list(pairs):
        shown = await _pair_steps(session, pair, user, programme, settings, now)
        if shown is not None:
            found.append(shown)
    return found


STAFF_LIST_LIMIT = 40


async def all_pairs(
    session: AsyncSession, staff: User, programme: Programme, settings: Settings, now: dt.datetime
) -> tuple[list[PairSteps], int]:
    """Staff: the started mentorships (the oldest first, up to the limit) with their steps, and how many in all."""
    if not staff.is_staff:
        raise Refusal(_("That command is for the career team only."))
    started = select(Pair).where(Pair.status == "active", Pair.started_at.is_not(None))
    total = int(await session.scalar(select(func.count()).select_from(started.subquery())) or 0)
    pairs = list(await session.scalars(started.order_by(Pair.started_at, Pair.id).limit(STAFF_LIST_LIMIT)))
    found = []
    for pair in pairs:
        shown = await _pair_steps(session, pair, staff, programme, settings, now)
        if shown is not None:
            found.append(shown)
    return found, total


async def one_pair(
    session: AsyncSession, staff: User, pair_id: str, programme: Programme, settings: Settings, now: dt.datetime
) -> PairSteps:
    """Staff: one mentorship's steps in full."""
    if not staff.is_staff:
        raise Refusal(_("That command is for the career team only."))
    not_found = fmt(
        _("I couldn't find the mentorship '{number}'. /milestones lists them with their numbers, e.g. /milestones 12."),
        number=quoted(pair_id, 20),
    )
    pair = await session.get(Pair, id_in(pair_id, not_found))
    shown = await _pair_steps(session, pair, staff, programme, settings, now) if pair is not None else None
    if shown is None:
        raise Refusal(not_found)
    return shown


@dataclass(frozen=True)
class Answers:
    """A form's answers to read back: the step, the form, who wrote it and when, the answers."""

    progress: MilestoneProgress
    milestone: Milestone
    form: FormDefinition
    author: User
    written_at: dt.datetime
    answers: dict[str, Any]
    meeting: Meeting | None


async def read_form(session: AsyncSession, user: User, progress_id: str, which: str, programme: Programme) -> Answers:
    """The road-book (`which` 'before') for the pair's two sides and staff, the evaluation ('after') likewise."""
    progress, pair = await progress_for(session, user, progress_id)
    milestone = definition(programme, progress)
    key = None if milestone is None else milestone.before_form if which == "before" else milestone.after_form
    sent = progress.form_sent_at if which == "before" else progress.evaluated_at
    if milestone is None or key is None or sent is None:
        raise Refusal(_("There is nothing to read for that step yet. /milestones shows what each step is waiting for."))
    author = await session.get(User, pair.mentee_id if which == "before" else pair.mentor_id)
    if author is None:
        raise Refusal(_("I couldn't find that person; they may have left the programme."))
    answers = progress.form_answers if which == "before" else progress.evaluation
    return Answers(
        progress, milestone, programme.form(key), author, sent, dict(answers or {}), await _meeting(session, progress)
    )


# --- the sweep ----------------------------------------------------------------------------------------


def _key(kind: str, progress: MilestoneProgress, *parts: object) -> str:
    return ":".join([kind, str(progress.id), *(str(p) for p in parts)])


@sweep("milestones", order=95)
async def sweep_milestones(
    session: AsyncSession, now: dt.datetime, programme: Programme, settings: Settings
) -> list[Note]:
    """Rows for newly started mentorships; each step's meeting brought up to date; then, each once: the
    window opened (both), nothing planned `plan_by_days` before it closes (both), the road-book due
    `before_days` before the meeting and overdue two days later (the mentee, then the mentor too), the
    evaluation due after the meeting and once more a few days later (the mentor), a missed window (staff)."""
    if not programme.milestones:
        return []
    await _ensure_missing(session, programme, settings, now)
    zone = programme_zone(settings)
    today = local_day(now, zone)
    rows = list(
        await session.scalars(
            select(MilestoneProgress)
            .join(Pair, Pair.id == MilestoneProgress.pair_id)
            .where(
                Pair.status == "active",
                or_(
                    MilestoneProgress.status.in_((PENDING, MET)),
                    (MilestoneProgress.status == MISSED) & (MilestoneProgress.closes_on >= today - STILL_READ),
                ),
            )
            .order_by(MilestoneProgress.pair_id, MilestoneProgress.opens_on)
        )
    )
    by_pair: dict[int, list[MilestoneProgress]] = {}
    for progress in rows:
        by_pair.setdefault(progress.pair_id, []).append(progress)
    meetings = await _meetings_of(session, list(by_pair))
    meeting_by_id = {m.id: m for ms in meetings.values() for m in ms}
    for pair_id, pair_rows in by_pair.items():
        link_meetings(pair_rows, meetings[pair_id], programme, zone, now)
    pairs = {p.id: p for p in await session.scalars(select(Pair).where(one_of(Pair.id, by_pair)))}
    users = await users_by_id(session, {uid for p in pairs.values() for uid in (p.mentor_id, p.mentee_id)})

    # Which notices went out before, and when (reminders count from them).
    candidates = [
        _key(kind, r, uid)
        for r in rows
        for kind in (OPENED, PLAN_BY, EVALUATION_DUE, EVALUATION_AGAIN)
        for uid in (pairs[r.pair_id].mentor_id, pairs[r.pair_id].mentee_id)
    ]
    candidates += [
        _key(kind, r, r.meeting_id, *tail)
        for r in rows
        if r.meeting_id is not None
        for kind, tail in ((ROADBOOK_DUE, ()), (ROADBOOK_LATE, ()), (ROADBOOK_LATE, ("m",)))
    ]
    sent_at = await taken_at(session, candidates)

    wanted: list[tuple[Claim, Note]] = []
    missed: list[tuple[MilestoneProgress, Milestone, Pair]] = []
    for progress in rows:
        pair, milestone = pairs[progress.pair_id], definition(programme, progress)
        if milestone is None or pair.mentor_id not in users or pair.mentee_id not in users:
            continue
        mentor, mentee = users[pair.mentor_id], users[pair.mentee_id]
        meeting = meeting_by_id.get(progress.meeting_id) if progress.meeting_id is not None else None

        def add(
            kind: str, person: User, outcome: Outcome, *parts: object, progress: MilestoneProgress = progress
        ) -> None:
            key = _key(kind, progress, *parts)
            if key not in sent_at:
                wanted.append(
                    (Claim(key, kind, user_id=person.id, pair_id=progress.pair_id), Note(person.id, outcome=outcome))
                )

        if progress.status == PENDING and progress.opens_on <= today <= progress.closes_on:
            for person, other, role in ((mentor, mentee, "mentor"), (mentee, mentor, "mentee")):
                add(OPENED, person, WindowOpened(progress, milestone, person, other, role), person.id)
            told = sent_at.get(_key(OPENED, progress, mentee.id))
            plan_from = progress.closes_on - dt.timedelta(days=milestone.plan_by_days)
            if meeting is None and today >= plan_from and told is not None and local_day(told, zone) < plan_from:
                for person, other in ((mentor, mentee), (mentee, mentor)):
                    if not person.reminders_paused:
                        add(PLAN_BY, person, PlanReminder(progress, milestone, person, other), person.id)
        if (
            progress.status == PENDING
            and milestone.before_form is not None
            and meeting is not None
            and meeting.starts_at > now
            and progress.form_sent_at is None
        ):
            mentee_zone = zone_for(mentee, settings)
            due = daytime_start_on(
                local_day(meeting.starts_at, mentee_zone) - dt.timedelta(days=milestone.before_days),
                mentee_zone,
                programme,
            )
            if now >= due:
                add(ROADBOOK_DUE, mentee, RoadbookDue(progress, milestone, meeting, mentee, mentor), meeting.id)
            told = sent_at.get(_key(ROADBOOK_DUE, progress, meeting.id))
            if told is not None and now >= daytime_start_on(
                local_day(told + OVERDUE_AFTER, mentee_zone), mentee_zone, programme
            ):
                if not mentee.reminders_paused:
                    late = RoadbookOverdue(progress, milestone, meeting, mentee, mentor)
                    add(ROADBOOK_LATE, mentee, late, meeting.id)
                if not mentor.reminders_paused:
                    add(
                        ROADBOOK_LATE,
                        mentor,
                        RoadbookMissing(progress, milestone, meeting, mentor, mentee),
                        meeting.id,
                        "m",
                    )
        if progress.status == MET and milestone.after_form is not None and progress.evaluated_at is None:
            add(EVALUATION_DUE, mentor, EvaluationDue(progress, milestone, mentor, mentee, again=False), mentor.id)
            told = sent_at.get(_key(EVALUATION_DUE, progress, mentor.id))
            mentor_zone = zone_for(mentor, settings)
            if (
                told is not None
                and not mentor.reminders_paused
                and now
                >= daytime_start_on(local_day(told + EVALUATION_REMINDER_AFTER, mentor_zone), mentor_zone, programme)
            ):
                add(EVALUATION_AGAIN, mentor, EvaluationDue(progress, milestone, mentor, mentee, again=True), mentor.id)
        if progress.status == PENDING and today > progress.closes_on:
            waiting = meeting is not None and today <= progress.closes_on + ANSWER_GRACE
            if not waiting:
                progress.status, progress.updated_at = MISSED, now
                missed.append((progress, milestone, pair))

    won = await claim_many(session, now, [c for c, _n in wanted])
    notes = []
    for claim_, note in wanted:
        if claim_.key not in won:
            continue
        if claim_.kind in (ROADBOOK_DUE, ROADBOOK_LATE):
            # Each its own message in the person's daytime, not folded into the day's news: it counts the
            # days to a meeting, so it cannot wait for tomorrow when other news came today.
            person = users[note.user_id]
            when = next_daytime(now, zone_for(person, settings), programme)
            queue_message(session, now, note.outcome, user_id=person.id, not_before=when)
        else:
            notes.append(note)
    for progress, milestone, pair in missed:
        if await claim(session, _key(WINDOW_MISSED, progress), WINDOW_MISSED, now, pair_id=pair.id) is None:
            continue
        meeting = meeting_by_id.get(progress.meeting_id) if progress.meeting_id is not None else None
        account = MissedWindow(progress, milestone, pair, users[pair.mentor_id], users[pair.mentee_id], meeting)
        await cases.file_case(session, now, kind=MISSED_CASE, pair_id=pair.id, text=account)
    return notes


# --- this capability's part of a person's copy of their data ----------------------------------------------


@pair_export("milestones", covers=(MilestoneProgress,))
async def _milestones(session: AsyncSession, pair: Pair, user: User) -> list[dict[str, Any]]:
    rows = await session.scalars(
        select(MilestoneProgress).where(MilestoneProgress.pair_id == pair.id).order_by(MilestoneProgress.opens_on)
    )
    return [plain_row(r) for r in rows]
