"""Mentorship relationships (pairs): the match, the agreement both sides confirm, and who may see a pair.

What each side is told is an outcome (`Matched`, `AgreementReminder`), worded by bot.handlers.agreement.

Lock order, kept by every transaction that matches people, so two of them never wait on each other in a
circle (PostgreSQL would abort one as a deadlock): the mentor's profile row (claim_slot), then the mentee's
user row, then request rows. SQLite serialises writers (BEGIN IMMEDIATE), so there the order is moot.
"""

from __future__ import annotations

import datetime as dt
import json
import zlib
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from bot.config import Settings
from bot.core.datacopy import plain, row
from bot.core.daytime import add_months
from bot.core.errors import Refusal
from bot.core.forms import forms_about_a_pair
from bot.core.markup import fmt
from bot.core.notices import (
    CATCH_UP,
    Note,
    claim,
    taken_keys,
    users_by_id,
)
from bot.core.outcomes import Outcome
from bot.core.payloads import id_in, is_id
from bot.core.policy import YES, Decision, no
from bot.core.registry import registry, sweep
from bot.i18n import _
from bot.programme import Programme, milestone_windows
from bot.services import cases
from bot.services.capacity import claim_slot
from storage.models import FormProgress, Goal, MenteeProfile, MentorProfile, Pair, User
from storage.reads import keep, once

# Forms whose answers belong to one mentorship (their context or answers name it as 'pair', or, for a
# note on a goal, the goal).

# How often a pair agrees to meet, as the agreement form offers it, in days between contacts.
FREQUENCIES: dict[str, int] = {"weekly": 7, "2weeks": 14, "monthly": 30, "6weeks": 42}


def frequencies_for(programme: Programme) -> dict[str, int]:
    """The meeting rhythms a programme allows: none slower than its own contact rule
    (the university asks for contact at least once a month, so 'every 6 weeks' is not offered there)."""
    allowed = {key: days for key, days in FREQUENCIES.items() if days <= programme.contact_interval_days}
    return allowed or {"monthly": programme.contact_interval_days}


async def may_see_contact(session: AsyncSession, viewer: User, subject: User) -> Decision:
    """Contact details are shown to the person themselves, to staff, and to the other side of a match both
    agreed to (a mentorship being agreed or running); to nobody else."""
    if viewer.id == subject.id or viewer.is_staff:
        return YES
    if any(subject.id in (pair.mentor_id, pair.mentee_id) for pair in await open_pairs_of(session, viewer)):
        return YES
    return no(_("Contact details are shared once you are matched with each other."))


async def create_pair(
    session: AsyncSession,
    *,
    mentor: User,
    mentee: User,
    now: dt.datetime,
    matched_by: str = "request",
    request_id: int | None = None,
    programme: Programme,
) -> Pair:
    """Match a mentor and a mentee (status 'agreeing' until both confirm the agreement).

    Claims a place in the mentor's capacity first (the row lock that serialises racing accepts);
    a full mentor, or an open relationship between the two already, is refused and nothing changes.
    """
    if mentor.id == mentee.id or mentor.role != "alumnus" or mentee.role != "student":
        raise Refusal(_("A match is between an alumni mentor and a student."))
    if not await claim_slot(session, mentor.id):
        raise Refusal(
            fmt(
                _("{name} has no free place for another mentee right now, so nothing was changed."),
                name=mentor.first_name,
            )
        )
    await lock_user(session, mentee.id)
    existing = await session.scalar(
        select(Pair.id).where(Pair.mentor_id == mentor.id, Pair.mentee_id == mentee.id, Pair.status != "ended")
    )
    if existing is not None:
        raise Refusal(
            fmt(_("{mentor} and {mentee} are already matched."), mentor=mentor.first_name, mentee=mentee.first_name)
        )
    pair = Pair(
        mentor_id=mentor.id,
        mentee_id=mentee.id,
        request_id=request_id,
        status="agreeing",
        matched_by=matched_by,
        contact_interval_days=programme.contact_interval_days,
        created_at=now,
    )
    session.add(pair)
    try:
        await session.flush()
    except IntegrityError:  # the partial unique index: a racing transaction matched the same two people
        raise Refusal(
            fmt(_("{mentor} and {mentee} are already matched."), mentor=mentor.first_name, mentee=mentee.first_name)
        ) from None
    return pair


async def lock_user(session: AsyncSession, user_id: int) -> None:
    """Hold the person's row until commit (PostgreSQL); SQLite's writer lock already covers it."""
    await session.execute(select(User.id).where(User.id == user_id).with_for_update())


async def open_pairs_of(session: AsyncSession, user: User) -> list[Pair]:
    """The person's relationships that have not ended (agreeing or active), oldest first."""
    return await open_pairs_by_id(session, user.id)


def open_pair_of(user_id: ColumnElement[int] | InstrumentedAttribute[int] | int) -> ColumnElement[bool]:
    """A relationship of this person (an id, or a column holding one) that has not ended: the condition
    `open_pairs_by_id` reads by, for a larger read to join on (`keep_open_pairs`)."""
    return and_(or_(Pair.mentor_id == user_id, Pair.mentee_id == user_id), Pair.status != "ended")


OPEN_PAIRS_ORDER = (Pair.created_at, Pair.id)  # oldest first


async def open_pairs_by_id(session: AsyncSession, user_id: int) -> list[Pair]:
    """`open_pairs_of` by the person's id. Read once per transaction until it writes (storage.reads): a
    page asks this of several policies."""

    async def read() -> list[Pair]:
        return list(await session.scalars(select(Pair).where(open_pair_of(user_id)).order_by(*OPEN_PAIRS_ORDER)))

    return list(await once(session, _open_pairs_key(user_id), read))


def keep_open_pairs(session: AsyncSession, user_id: int, pairs: list[Pair]) -> None:
    """This transaction has just read the person's open relationships (`open_pair_of`, in `OPEN_PAIRS_ORDER`)
    as part of a larger read: `open_pairs_by_id` gives them (storage.reads.keep)."""
    keep(session, _open_pairs_key(user_id), pairs)


def _open_pairs_key(user_id: int) -> tuple[str, int]:
    return ("open_pairs", user_id)


async def pair_for(session: AsyncSession, user: User, pair_id: int | str) -> Pair:
    """The pair with this id, only if the person is one side of it (a payload id proves nothing)."""
    not_yours = _("I couldn't find that mentorship among yours. /help lists what you can do.")
    pair = await session.get(Pair, id_in(pair_id, not_yours))
    if pair is None or user.id not in (pair.mentor_id, pair.mentee_id):
        raise Refusal(not_yours)
    return pair


async def close_forms_about(
    session: AsyncSession, pair: Pair, user_ids: tuple[int, ...], forms: tuple[str, ...] | None = None
) -> None:
    """Close half-filled forms about this mentorship that can no longer complete (it ended, or the
    agreement was confirmed another way), so the person's next words aren't taken as answers to them.
    By default every form that declares itself about a pair (`Form(about_pair=True)`)."""
    forms = forms_about_a_pair() if forms is None else forms
    rows = await session.scalars(
        select(FormProgress).where(FormProgress.user_id.in_(user_ids), FormProgress.form.in_(forms))
    )
    for progress in rows:
        about = (progress.context or {}).get("pair") or (progress.answers or {}).get("pair")
        goal_id = (progress.context or {}).get("goal")
        if is_id(goal_id):
            goal = await session.get(Goal, id_in(goal_id))
            about = goal.pair_id if goal is not None else None
        if str(about) == str(pair.id):
            await session.delete(progress)


def other_side(pair: Pair, user: User) -> int:
    return pair.mentee_id if user.id == pair.mentor_id else pair.mentor_id


@dataclass(frozen=True)
class Matched(Outcome):
    """One side of a new match hears of it: who the other is (`other`, with their profile) and their contact
    details as far as the contact policy allows (`contact`: it does once both sides agreed to the match);
    the agreement is the next step. `pair.matched_by` says whether the career team made the match."""

    pair: Pair
    viewer: User
    other: User
    other_profile: MentorProfile | MenteeProfile | None
    contact: Decision


async def matched(session: AsyncSession, pair: Pair, viewer: User) -> Matched:
    """What `viewer`, one side of this pair, reads about the match."""
    other = await session.get(User, other_side(pair, viewer))
    assert other is not None  # a pair goes with both its people
    profile: MentorProfile | MenteeProfile | None
    if viewer.id == pair.mentee_id:
        profile = await session.get(MentorProfile, other.id)
    else:
        profile = await session.get(MenteeProfile, other.id)
    return Matched(pair, viewer, other, profile, await may_see_contact(session, viewer, other))


# --- the agreement ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class AgreementOutcome:
    pair: Pair
    became_active: bool
    waiting_for: int | None  # the user id whose confirmation is still missing


def terms_tag(pair: Pair) -> str:
    """A short fingerprint of the agreed terms, carried by Confirm buttons: a button shown for an
    earlier version of the agreement cannot confirm a changed one. The answers to the programme's own
    agreement questions are part of the terms (a programme without them fingerprints as it always did)."""
    terms = f"{pair.goals}\x1f{pair.contact_method}\x1f{pair.contact_interval_days}"
    if pair.agreement_answers:
        terms += "\x1f" + json.dumps(pair.agreement_answers, sort_keys=True, ensure_ascii=False)
    return format(zlib.crc32(terms.encode()), "08x")


RATING_VALUES = ("1", "2", "3", "4", "5")  # how the agreement form stores a rating


def agreement_form_name(programme: Programme) -> str:
    """The agreement form a programme uses: the common one, or one that also asks the programme's own
    agreement questions (named after them, so it stays the same across restarts)."""
    if not programme.agreement_questions:
        return "agree"
    questions = json.dumps([q.model_dump() for q in programme.agreement_questions], sort_keys=True)
    return f"agr{zlib.crc32(questions.encode()) & 0xFFFFFF:06x}"


def agreement_answers_for(programme: Programme, answers: dict[str, Any]) -> dict[str, Any]:
    """The answers to the programme's agreement questions worth keeping: its questions only, each answer of
    the kind asked. Refuses an answer missing where one is required, or a choice the question doesn't offer."""
    kept: dict[str, Any] = {}
    for question in programme.agreement_questions:
        value = answers.get(question.key)
        if isinstance(value, str):
            value = value.strip()
        if value is None or value == "":
            if question.required:
                raise Refusal(_("Please answer every question of the agreement."))
            continue
        if question.kind == "yes_no":
            fits = isinstance(value, bool)
        elif question.kind == "rating":
            fits = value in RATING_VALUES
        elif question.kind == "choice":
            fits = value in question.choices
        else:
            fits = isinstance(value, str)
        if not fits:
            raise Refusal(_("Please choose one of the options offered."))
        kept[question.key] = value
    return kept


def has_terms(pair: Pair) -> bool:
    return bool(pair.goals and pair.contact_method)


def _confirmed(pair: Pair, user_id: int) -> dt.datetime | None:
    return pair.mentor_confirmed_at if user_id == pair.mentor_id else pair.mentee_confirmed_at


def _set_confirmed(pair: Pair, user_id: int, when: dt.datetime | None) -> None:
    if user_id == pair.mentor_id:
        pair.mentor_confirmed_at = when
    else:
        pair.mentee_confirmed_at = when


def require_agreeing(pair: Pair) -> None:
    if pair.status == "active":
        raise Refusal(_("Your agreement is already confirmed by you both. /help lists what you can do next."))
    if pair.status != "agreeing":
        raise Refusal(_("This mentorship has ended, so its agreement can't change any more."))


async def propose_terms(
    session: AsyncSession,
    pair: Pair,
    user: User,
    *,
    goals: str,
    contact_method: str,
    interval_days: int,
    now: dt.datetime,
    programme: Programme,
    answers: dict[str, Any] | None = None,
) -> AgreementOutcome:
    """One side fills in the agreement: it counts as their confirmation. If the terms changed (the answers
    to the programme's own agreement questions included), the other side's earlier confirmation no longer
    applies and they are asked again."""
    require_agreeing(pair)
    if user.id not in (pair.mentor_id, pair.mentee_id):
        raise Refusal(_("I couldn't find that mentorship among yours. /help lists what you can do."))
    if interval_days not in frequencies_for(programme).values():
        raise Refusal(_("Please choose one of the meeting rhythms offered."))
    kept = agreement_answers_for(programme, answers or {})
    before = terms_tag(pair) if has_terms(pair) else None
    pair.goals = goals.strip()
    pair.contact_method = contact_method
    pair.contact_interval_days = interval_days
    pair.agreement_answers = kept
    if before != terms_tag(pair):
        _set_confirmed(pair, other_side(pair, user), None)
    _set_confirmed(pair, user.id, now)
    outcome = _maybe_activate(pair, now, programme)
    if outcome.became_active:
        await close_forms_about(session, pair, (pair.mentor_id, pair.mentee_id), (agreement_form_name(programme),))
    return outcome


async def confirm_terms(
    session: AsyncSession, pair: Pair, user: User, *, tag: str, now: dt.datetime, programme: Programme
) -> AgreementOutcome:
    """The other side confirms the terms they were shown (identified by `tag`)."""
    require_agreeing(pair)
    if user.id not in (pair.mentor_id, pair.mentee_id):
        raise Refusal(_("I couldn't find that mentorship among yours. /help lists what you can do."))
    if not has_terms(pair):
        raise Refusal(_("There is no agreement to confirm yet. Fill it in first."))
    if tag != terms_tag(pair):
        raise Refusal(_("The agreement has changed since that message. Here is the latest version to confirm."))
    _set_confirmed(pair, user.id, now)
    # Agreeing by the button settles it for them: an agreement form they left half-filled no longer applies.
    form = agreement_form_name(programme)
    await close_forms_about(session, pair, (user.id,), (form,))
    outcome = _maybe_activate(pair, now, programme)
    if outcome.became_active:
        await close_forms_about(session, pair, (pair.mentor_id, pair.mentee_id), (form,))
    return outcome


def _maybe_activate(pair: Pair, now: dt.datetime, programme: Programme) -> AgreementOutcome:
    missing = [uid for uid in (pair.mentor_id, pair.mentee_id) if _confirmed(pair, uid) is None]
    if missing:
        return AgreementOutcome(pair, False, missing[0])
    pair.status = "active"
    pair.started_at = now
    pair.cycle_ends_at = cycle_end(now, programme)
    return AgreementOutcome(pair, True, None)


def cycle_end(start: dt.datetime, programme: Programme) -> dt.datetime:
    """When a mentorship that starts now completes its cycle: `cycle_months` later, and where the programme
    has milestones, not before the last one's window has closed (a pair matched in December, before the
    January-to-December interviews, runs until that December is over)."""
    end = add_months(start, programme.cycle_months)
    if programme.milestones:
        _opens, closes = milestone_windows(programme.milestones, start.date())[-1]
        last_day = dt.datetime.combine(closes + dt.timedelta(days=1), start.timetz())
        end = max(end, last_day)
    return end


# --- scheduled: agreements nobody confirmed --------------------------------------------------------------


def sides(pair: Pair, users: dict[int, User]) -> list[tuple[User, User, str]]:
    """(person, the other side, their role) for both sides of a pair."""
    mentor, mentee = users[pair.mentor_id], users[pair.mentee_id]
    return [(mentor, mentee, "mentor"), (mentee, mentor, "mentee")]


AGREEMENT_REMINDER, AGREEMENT_STALLED = "agreement_reminder", "agreement_stalled"


@dataclass(frozen=True)
class AgreementReminder(Outcome):
    """`person` hasn't confirmed the agreement with `other` `request_reminder_days` after they were matched."""

    pair: Pair
    person: User
    other: User


@sweep("agreements", order=80)
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
    users = await users_by_id(session, {uid for p in pairs for uid in (p.mentor_id, p.mentee_id)})
    notes: list[Note] = []
    for pair in pairs:
        if pair.created_at <= stalled:
            await _agreement_stalled(session, now, pair, users)
        elif f"agree_remind:{pair.id}" not in taken:
            notes += await _agreement_reminders(session, now, pair, users)
    return notes


async def _agreement_reminders(
    session: AsyncSession, now: dt.datetime, pair: Pair, users: dict[int, User]
) -> list[Note]:
    if await claim(session, f"agree_remind:{pair.id}", AGREEMENT_REMINDER, now, pair_id=pair.id) is None:
        return []
    notes = []
    for person, other, role in sides(pair, users):
        confirmed = pair.mentor_confirmed_at if role == "mentor" else pair.mentee_confirmed_at
        if confirmed is not None or person.reminders_paused:
            continue
        notes.append(Note(person.id, outcome=AgreementReminder(pair, person, other)))
    return notes


@dataclass(frozen=True)
class AgreementStalled(Outcome):
    """Staff's account of a match whose agreement nobody finished: `waiting` are the sides still to confirm."""

    pair: Pair
    mentor: User
    mentee: User
    waiting: list[User]


async def _agreement_stalled(session: AsyncSession, now: dt.datetime, pair: Pair, users: dict[int, User]) -> None:
    if await claim(session, f"agree_stalled:{pair.id}", AGREEMENT_STALLED, now, pair_id=pair.id) is None:
        return
    mentor, mentee = users[pair.mentor_id], users[pair.mentee_id]
    waiting = [
        person
        for person, confirmed in ((mentor, pair.mentor_confirmed_at), (mentee, pair.mentee_confirmed_at))
        if confirmed is None
    ]
    await cases.file_case(
        session, now, kind="agreement", pair_id=pair.id, text=AgreementStalled(pair, mentor, mentee, waiting)
    )


# --- this capability's part of a person's copy of their data ----------------------------------


@registry.export("mentorships", covers=(Pair,))
async def _mentorships(session: AsyncSession, user: User, now: dt.datetime) -> list[dict[str, Any]]:
    """Each mentorship with what each capability keeps about it (`@pair_export`: contacts, goals ...)."""
    pairs = await session.scalars(
        select(Pair).where(or_(Pair.mentor_id == user.id, Pair.mentee_id == user.id)).order_by(Pair.id)
    )
    items = []
    for pair in list(pairs):
        other = await session.get(User, pair.mentee_id if user.id == pair.mentor_id else pair.mentor_id)
        item = row(pair)
        item["your_role"] = "mentor" if user.id == pair.mentor_id else "student"
        item["with"] = other.name if other else None
        for part, exporter in sorted(registry.pair_exporters.items()):
            item[part] = await exporter(session, pair, user)
        items.append(item)
    return items


@registry.pair_export("agreement")
async def _agreement(session: AsyncSession, pair: Pair, user: User) -> dict[str, Any]:
    """The terms of the agreement as both sides confirmed them: the goals (the mentorship's "goals" part is
    its action plan), how and how often they meet, and the answers to the programme's own questions."""
    return {
        "goals_and_expectations": pair.goals,
        "contact_method": pair.contact_method,
        "contact_every_days": pair.contact_interval_days,
        "answers": dict(pair.agreement_answers or {}),
        "mentor_confirmed_at": plain(pair.mentor_confirmed_at),
        "mentee_confirmed_at": plain(pair.mentee_confirmed_at),
    }
