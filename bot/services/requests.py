"""Interested requests: a mentee asks a mentor; the mentor accepts or declines; the mentee may withdraw.

Rules (PROGRAMME.md, issue 3):
- at most `programme.max_pending_requests` pending requests per mentee, and never two to one mentor
  (the database's partial unique index holds that even against a race);
- only approved, active mentors with a free place can be asked (bot.services.capacity says who has one);
- a student who already has a mentor (matched or agreeing) sends no new requests: the programme is one
  mentor at a time, and accepting a request withdraws the others for the same reason. To change mentor they
  end the current mentorship first; staff can still match a second mentor on purpose with /match;
- accepting creates the pair through the capacity claim in the same transaction; the mentee's other
  requests are withdrawn with a note to those mentors; a mentor who is now full answers their other
  pending requests ("full") and those students are shown other matches straight away.

Whether a student may ask a mentor is one policy, `may_request`; every caller asks it. Every state change
is one conditional UPDATE on status = 'pending' (`_set_status`), so a withdraw racing an accept, two presses
of Accept, or a sweep expiring a request someone is answering change the request once. Messages to others
are outcomes (what happened, rendered by bot.handlers.requests) queued in the outbox in the same
transaction, so a refused action tells nobody anything.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Literal

from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.core import notices
from bot.core.context import queue_message
from bot.core.datacopy import row
from bot.core.errors import Refusal
from bot.core.markup import fmt
from bot.core.notices import (
    Claim,
    Note,
    batch,
    claim_many,
    taken_keys,
    users_by_id,
)
from bot.core.outcomes import Outcome
from bot.core.payloads import id_in
from bot.core.policy import Decision
from bot.core.registry import registry, sweep
from bot.i18n import _, date_text
from bot.programme import Programme
from bot.services import audit, pairs, profiles
from bot.services.capacity import has_free_place
from bot.services.matching import (
    Match,
    asked_lately,
    best_mentors_for,
    note_answer,
    staff_may_match,
    students_may_ask,
)
from storage.lists import one_of
from storage.models import MenteeProfile, MentorProfile, MentorshipRequest, Pair, User

MIN_MESSAGE = 15  # characters: a sentence, so the mentor has something to answer
MAX_MESSAGE = 1000
SUGGESTIONS = 3  # other mentors shown to a student whose request was declined


@dataclass(frozen=True)
class Settled:
    """What a new match closed on its way: the mentee's other requests (withdrawn, those mentors told) and,
    when the mentor is now full, the requests still waiting for them (declined, those students shown others)."""

    withdrawn: list[MentorshipRequest] = field(default_factory=list)
    declined_full: list[MentorshipRequest] = field(default_factory=list)


@dataclass(frozen=True)
class AcceptOutcome:
    """A request accepted: the pair it made, and what that closed (see Settled)."""

    request: MentorshipRequest
    pair: Pair
    withdrawn: list[MentorshipRequest] = field(default_factory=list)  # the mentee's other requests
    declined_full: list[MentorshipRequest] = field(default_factory=list)  # others waiting for this mentor


@dataclass(frozen=True)
class RequestWithdrawn(Outcome):
    """Told to the mentor: a request to them closed without their answer. `why` is the reason recorded on the
    request: the student took it back ("by mentee"), found a mentor ("matched") or left the programme ("left")."""

    request: MentorshipRequest
    mentee: User
    why: Literal["by mentee", "matched", "left"]


@dataclass(frozen=True)
class RequestDeclined(Outcome):
    """Told to the student: a mentor can't take them. `why` is "declined" (the mentor's answer, their words in
    `request.reason`), "full" (their last place just went) or "left" (they left the programme);
    `suggestions` are the next best mentors with a free place."""

    request: MentorshipRequest
    mentor: User
    why: Literal["declined", "full", "left"]
    suggestions: list[Match] = field(default_factory=list)


# --- looking things up -----------------------------------------------------------------------------


async def request_for_mentor(session: AsyncSession, mentor: User, request_id: int | str) -> MentorshipRequest:
    """A request addressed to this mentor, or a refusal (a forged or someone else's id)."""
    not_yours = _("That request isn't addressed to you, so nothing was changed. /requests shows yours.")
    request = await session.get(MentorshipRequest, id_in(request_id, not_yours), populate_existing=True)
    if request is None:
        # Gone: its student left the programme, and their requests went with their data (or the id is made up).
        raise Refusal(
            _(
                "That request is no longer there: the student may have left the programme. Nothing was changed; "
                "/requests shows the ones waiting for you."
            )
        )
    if request.mentor_id != mentor.id:
        raise Refusal(not_yours)
    return request


async def request_of_mentee(session: AsyncSession, mentee: User, request_id: int | str) -> MentorshipRequest:
    not_yours = _("That isn't one of your requests, so nothing was changed. /requests shows yours.")
    request = await session.get(MentorshipRequest, id_in(request_id, not_yours), populate_existing=True)
    if request is None or request.mentee_id != mentee.id:
        raise Refusal(not_yours)
    return request


async def pending_of_mentee(session: AsyncSession, mentee_id: int) -> list[MentorshipRequest]:
    rows = await session.scalars(
        select(MentorshipRequest).where(MentorshipRequest.mentee_id == mentee_id, MentorshipRequest.status == "pending")
    )
    # Sorted here: an ORDER BY makes SQLite walk every pending request of the programme through the
    # (status, created_at) index (4 ms at 10,000 mentors) where the student's own few are one index look-up.
    return sorted(rows, key=lambda request: (request.created_at, request.id))


async def pending_for_mentor(session: AsyncSession, mentor_id: int) -> list[MentorshipRequest]:
    rows = await session.scalars(
        select(MentorshipRequest)
        .where(MentorshipRequest.mentor_id == mentor_id, MentorshipRequest.status == "pending")
        .order_by(MentorshipRequest.created_at, MentorshipRequest.id)
    )
    return list(rows)


def _not_pending(request: MentorshipRequest) -> Refusal:
    texts = {
        "accepted": _("That request was already accepted, so nothing was changed."),
        "declined": _("That request was already answered, so nothing was changed."),
        "withdrawn": _("That request was withdrawn, so nothing was changed."),
        "expired": _("That request expired, so nothing was changed."),
    }
    return Refusal(texts.get(request.status, _("That request is no longer open, so nothing was changed.")))


# --- sending ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RequestDecision(Decision):
    """The answer of `may_request`. `rule` names the rule that said no, so a screen that says so before
    anything is typed (the mentor's card while browsing) can word it for its place: "profile",
    "not_eligible", "staff_match", "has_mentor", "unavailable", "paused", "full", "said_no", "already_sent" or
    "limit". `mentor` is the mentor asked about once found, `sent` the request already waiting for them,
    `pending` how many of the student's requests wait."""

    rule: str = ""
    mentor: User | None = None
    sent: MentorshipRequest | None = None
    pending: int = 0


async def may_request(
    session: AsyncSession, mentee: User, mentor_id: int, programme: Programme, now: dt.datetime | None = None
) -> RequestDecision:
    """May this student send this mentor a request now? The one place for every rule of asking: a student
    profile, no mentor yet, an approved and active mentor with a free place who hasn't said no to them
    lately, no request to them already, and fewer waiting than `programme.max_pending_requests`."""
    if mentee.role != "student" or await profiles.mentee_profile_of(session, mentee.id) is None:
        return RequestDecision(False, _("Let's set up your student profile first: send /start."), rule="profile")
    eligible = await profiles.may_take_part_as_mentee(session, mentee, programme)
    if not eligible:
        return RequestDecision(False, eligible.reason, rule="not_eligible")
    asking = students_may_ask(programme)
    if not asking:
        return RequestDecision(False, asking.reason, rule="staff_match")
    open_pairs = await pairs.open_pairs_of(session, mentee)
    if open_pairs:
        mentor_user = await session.get(User, open_pairs[0].mentor_id)
        reason = fmt(
            _(
                "You already have a mentor, {name}, so you can't send new requests. If it isn't working "
                "out, you can end the mentorship kindly with /end, or /report to talk to {office}."
            ),
            name=mentor_user.name if mentor_user else "",
            office=programme.office,
        )
        return RequestDecision(False, reason, rule="has_mentor")
    mentor = await session.get(User, mentor_id) if mentor_id > 0 else None
    profile = await profiles.current_mentor_profile(session, mentor_id) if mentor else None
    if mentor is None or profile is None or profile.status != "approved" or mentor.role != "alumnus":
        return RequestDecision(
            False, _("That mentor isn't available. /mentors shows who you can ask now."), rule="unavailable"
        )
    if not profile.active:
        reason = fmt(_("{name} has paused mentoring for now. /mentors shows who you can ask."), name=mentor.first_name)
        return RequestDecision(False, reason, rule="paused", mentor=mentor)
    room = has_free_place(profile, mentor)
    if not room:
        return RequestDecision(False, room.reason, rule="full", mentor=mentor)
    asked = await asked_lately(session, mentee.id, now or dt.datetime.now(dt.UTC), programme)
    said_no = asked.said_no.get(mentor_id)
    if said_no is not None:
        reason = fmt(
            _(
                "{name} can't take you on at the moment (they said so on {day}), so it's best to ask "
                "someone else. /mentors shows who has a free place."
            ),
            name=mentor.first_name,
            day=date_text(said_no, "d MMMM"),
        )
        return RequestDecision(False, reason, rule="said_no", mentor=mentor)
    pending = asked.waiting  # mentor id to request id
    sent = await session.get(MentorshipRequest, pending[mentor_id]) if mentor_id in pending else None
    if sent is not None:
        reason = fmt(
            _("You've already sent {name} a request; they'll answer soon. /requests shows it."),
            name=mentor.first_name,
        )
        return RequestDecision(False, reason, rule="already_sent", mentor=mentor, sent=sent, pending=len(pending))
    if len(pending) >= programme.max_pending_requests:
        reason = fmt(
            _(
                "You have {n} requests waiting already, the most at a time. Wait for an answer, or withdraw "
                "one in /requests to ask someone else."
            ),
            n=len(pending),
        )
        return RequestDecision(False, reason, rule="limit", mentor=mentor, pending=len(pending))
    return RequestDecision(True, mentor=mentor, pending=len(pending))


async def check_can_request(
    session: AsyncSession, mentee: User, mentor_id: int, programme: Programme, now: dt.datetime | None = None
) -> User:
    """`may_request`, refused with its reason when the answer is no; returns the mentor."""
    decision = await may_request(session, mentee, mentor_id, programme, now)
    decision.or_refuse()
    assert decision.mentor is not None  # a yes is always about a mentor found
    return decision.mentor


async def send_request(
    session: AsyncSession, mentee: User, mentor_id: int, message: str, now: dt.datetime, programme: Programme
) -> MentorshipRequest:
    """Record the request and tell the mentor (with Accept/Decline). The mentee's contact stays hidden."""
    # One student's sends queue behind each other (their user row), so two at once can't both pass the
    # pending-limit and duplicate checks; the unique index stays as the last guard.
    await pairs.lock_user(session, mentee.id)
    mentor = await check_can_request(session, mentee, mentor_id, programme, now)
    text = message.strip()
    if len(text) < MIN_MESSAGE:
        raise Refusal(
            _("Please write a sentence or two: why this mentor, and what you hope for. For example: ")
            + _("'I'd love your advice on my CV for software internships.'")
        )
    if len(text) > MAX_MESSAGE:
        raise Refusal(fmt(_("That's a bit long: please keep it under {n} characters."), n=MAX_MESSAGE))
    request = MentorshipRequest(mentee_id=mentee.id, mentor_id=mentor.id, message=text, created_at=now)
    session.add(request)
    try:
        await session.flush()
    except IntegrityError:  # the partial unique index: the same request sent twice at once
        raise Refusal(
            fmt(_("You've already sent {name} a request; they'll answer soon."), name=mentor.first_name)
        ) from None
    queue_message(session, now, await request_outcome(session, request), user_id=mentor.id)
    return request


@dataclass(frozen=True)
class RequestSent(Outcome):
    """A request for the mentor to answer: who is asking (their profile), their words, and whether the mentor
    may see the student's contact details (`contact`, the contact policy's answer: not before they agree)."""

    request: MentorshipRequest
    mentee: User
    profile: MenteeProfile | None
    contact: Decision


async def request_outcome(session: AsyncSession, request: MentorshipRequest) -> RequestSent:
    mentee = await session.get(User, request.mentee_id)
    mentor = await session.get(User, request.mentor_id)
    assert mentee is not None and mentor is not None  # a request goes with both its people
    contact = await pairs.may_see_contact(session, mentor, mentee)
    return RequestSent(request, mentee, await session.get(MenteeProfile, request.mentee_id), contact)


# --- withdrawing -----------------------------------------------------------------------------------


async def _set_status(
    session: AsyncSession, request: MentorshipRequest, status: str, now: dt.datetime, reason: str = ""
) -> bool:
    """Move a pending request on (`_set_statuses` for one). False when something else moved it first."""
    return request.id in await _set_statuses(session, [request], status, now, reason)


async def _set_statuses(
    session: AsyncSession, requests: list[MentorshipRequest], status: str, now: dt.datetime, reason: str = ""
) -> set[int]:
    """Move pending requests on: every change of a request's state (answer, withdrawal, expiry) is this one
    conditional update, for one request or a sweep's batch. Returns the ids it moved; the others something
    else moved first. The requests are read again either way."""
    if not requests:
        return set()
    ids = [request.id for request in requests]
    moved = set(
        await session.scalars(
            update(MentorshipRequest)
            .where(one_of(MentorshipRequest.id, ids), MentorshipRequest.status == "pending")
            .values(status=status, answered_at=now, reason=reason)
            .returning(MentorshipRequest.id)
            .execution_options(synchronize_session=False)
        )
    )
    if status in ("accepted", "declined"):
        for request in requests:
            if request.id in moved:
                await note_answer(session, request.mentor_id)
    await session.execute(
        select(MentorshipRequest).where(one_of(MentorshipRequest.id, ids)).execution_options(populate_existing=True)
    )
    return moved


async def withdraw_request(session: AsyncSession, mentee: User, request_id: int | str, now: dt.datetime) -> User:
    """The mentee takes a pending request back; the mentor is told nobody is waiting. Returns the mentor."""
    request = await request_of_mentee(session, mentee, request_id)
    if request.status != "pending" or not await _set_status(session, request, "withdrawn", now, "by mentee"):
        raise _not_pending(request)
    mentor = await session.get(User, request.mentor_id)
    assert mentor is not None
    queue_message(session, now, RequestWithdrawn(request, mentee, "by mentee"), user_id=mentor.id)
    return mentor


# --- answering -------------------------------------------------------------------------------------


async def accept_request(
    session: AsyncSession, mentor: User, request_id: int | str, now: dt.datetime, programme: Programme
) -> AcceptOutcome:
    """Accept: the pair is created (capacity claimed) and everyone affected is told."""
    request = await request_for_mentor(session, mentor, request_id)
    if request.status != "pending":
        raise _not_pending(request)
    mentee = await session.get(User, request.mentee_id)
    if mentee is None:
        raise Refusal(_("That student has left the programme, so nothing was changed."))
    profile = await session.get(MentorProfile, mentor.id)
    if profile is None or profile.status != "approved":
        raise Refusal(
            fmt(
                _("Your mentor profile isn't approved at the moment, so {office} will be in touch."),
                office=programme.office,
            )
        )
    if not has_free_place(profile, mentor):
        # Said to the mentor about themself (the capacity claim below stays the guard against races).
        raise Refusal(
            fmt(
                _(
                    "All your places are taken ({n} of {n}), so nothing was changed. To take {name} on, "
                    "raise your limit in /profile first; otherwise Decline lets them know kindly."
                ),
                n=profile.capacity,
                name=mentee.first_name,
            )
        )
    # Lock order (see bot.services.pairs): the mentor's place first, then the mentee, then requests.
    pair = await pairs.create_pair(
        session, mentor=mentor, mentee=mentee, now=now, matched_by="request", request_id=request.id, programme=programme
    )
    others = [p for p in await pairs.open_pairs_of(session, mentee) if p.id != pair.id]
    if others:
        raise Refusal(
            fmt(
                _("{name} has just been matched with another mentor, so this request is closed."),
                name=mentee.first_name,
            )
        )
    if not await _set_status(session, request, "accepted", now):
        raise _not_pending(request)
    settled = await settle_after_match(session, pair, now, programme)
    return AcceptOutcome(request, pair, settled.withdrawn, settled.declined_full)


async def match_by_staff(
    session: AsyncSession, student: User, mentor: User, now: dt.datetime, programme: Programme, *, by: User
) -> Pair:
    """The career team (`by`) pairs a student with a mentor themselves: only where the programme lets staff
    match, and only a student in a year it takes; the student's waiting requests are settled as after any
    match, and the audit log says who matched them."""
    staff_may_match(programme).or_refuse()
    if not await profiles.may_take_part_as_mentee(session, student, programme):
        raise Refusal(not_eligible_for_staff(student, await session.get(MenteeProfile, student.id), programme))
    pair = await pairs.create_pair(
        session, mentor=mentor, mentee=student, now=now, matched_by="staff", programme=programme
    )
    await settle_after_match(session, pair, now, programme)
    await audit.record(session, by, "match", now, subject=student, other=mentor, pair_id=pair.id)
    return pair


def not_eligible_for_staff(student: User, profile: MenteeProfile | None, programme: Programme) -> str:
    """Why staff can't match this student, in one plain sentence."""
    if profile is None:
        return fmt(_("{name} has no student profile yet, so they can't be matched."), name=student.name)
    return fmt(
        _("{name} is in year {year}, and this programme is for students in {years}, so they can't be matched."),
        name=student.name,
        year=profile.year_of_study,
        years=profiles.years_text(programme.mentee_eligibility.years_of_study),
    )


async def settle_after_match(session: AsyncSession, pair: Pair, now: dt.datetime, programme: Programme) -> Settled:
    """After any match: withdraw the mentee's other requests (telling those mentors), and if the mentor is
    now full, answer the requests still waiting for them (showing those students other mentors)."""
    mentee = await session.get(User, pair.mentee_id)
    mentor = await session.get(User, pair.mentor_id)
    assert mentee is not None and mentor is not None
    withdrawn: list[MentorshipRequest] = []
    for other in await pending_of_mentee(session, mentee.id):
        if await _set_status(session, other, "withdrawn", now, "matched"):
            withdrawn.append(other)
            queue_message(session, now, RequestWithdrawn(other, mentee, "matched"), user_id=other.mentor_id)
    declined: list[MentorshipRequest] = []
    profile = await session.get(MentorProfile, mentor.id, populate_existing=True)
    if profile is not None and not has_free_place(profile, mentor):
        for waiting in await pending_for_mentor(session, mentor.id):
            if await _set_status(session, waiting, "declined", now, "full"):
                declined.append(waiting)
                await _tell_declined(session, waiting, mentor, now, programme, "full")
    return Settled(withdrawn, declined)


async def decline_request(
    session: AsyncSession, mentor: User, request_id: int | str, reason: str, now: dt.datetime, programme: Programme
) -> MentorshipRequest:
    """Decline (with an optional reason the student reads); the student sees other mentors at once."""
    request = await request_for_mentor(session, mentor, request_id)
    reason = (reason or "").strip()
    if len(reason) > 500:
        raise Refusal(fmt(_("That's a bit long: please keep it under {n} characters."), n=500))
    if request.status != "pending" or not await _set_status(session, request, "declined", now, reason):
        raise _not_pending(request)
    await _tell_declined(session, request, mentor, now, programme, "declined")
    return request


async def close_requests_of_leaver(session: AsyncSession, leaver: User, now: dt.datetime, programme: Programme) -> None:
    """Someone leaves the programme (/forget): nobody is left waiting for them, or on their behalf."""
    for own in await pending_of_mentee(session, leaver.id):
        if await _set_status(session, own, "withdrawn", now, "left"):
            queue_message(session, now, RequestWithdrawn(own, leaver, "left"), user_id=own.mentor_id)
    for waiting in await pending_for_mentor(session, leaver.id):
        if await _set_status(session, waiting, "declined", now, "left"):
            await _tell_declined(session, waiting, leaver, now, programme, "left")


async def _tell_declined(
    session: AsyncSession,
    request: MentorshipRequest,
    mentor: User,
    now: dt.datetime,
    programme: Programme,
    why: Literal["declined", "full", "left"],
) -> None:
    """The student hears of it with the next best mentors with a free place (not the ones already asked)."""
    mentee = await session.get(User, request.mentee_id)
    if mentee is None:
        return
    asked = {r.mentor_id for r in await pending_of_mentee(session, mentee.id)}
    matches = await best_mentors_for(
        session, mentee, programme, exclude_ids={mentor.id, *asked}, limit=SUGGESTIONS, now=now
    )
    queue_message(session, now, RequestDeclined(request, mentor, why, matches), user_id=mentee.id)


async def count_pending(session: AsyncSession, mentee_id: int) -> int:
    return int(
        await session.scalar(
            select(func.count())
            .select_from(MentorshipRequest)
            .where(MentorshipRequest.mentee_id == mentee_id, MentorshipRequest.status == "pending")
        )
        or 0
    )


# --- scheduled: reminding the mentor, then closing an unanswered request ---------------------------------

REQUEST_REMINDER, REQUEST_EXPIRED = "request_reminder", "request_expired"


@dataclass(frozen=True)
class RequestReminder(Outcome):
    """The mentor has not answered a request for `request_reminder_days`; it closes in `days_left`."""

    request: MentorshipRequest
    mentor: User
    mentee: User
    days_left: int


@dataclass(frozen=True)
class RequestExpired(Outcome):
    """A request closed unanswered after `request_expiry_days`; `side` says who is told ("mentee", "mentor")."""

    request: MentorshipRequest
    mentor: User
    mentee: User
    side: str


@sweep("requests", order=10)
async def sweep_requests(
    session: AsyncSession, now: dt.datetime, programme: Programme, settings: Settings
) -> list[Note]:
    """Reminder to the mentor after `request_reminder_days`; expiry after `request_expiry_days`."""
    expiry = now - dt.timedelta(days=programme.request_expiry_days)
    remind = now - dt.timedelta(days=programme.request_reminder_days)
    due, more = await notices.this_batch(session, lambda: _due_requests(session, remind, expiry))
    found = list(
        await session.scalars(
            select(MentorshipRequest)
            .where(one_of(MentorshipRequest.id, due), MentorshipRequest.status == "pending")
            .order_by(MentorshipRequest.id)
        )
    )
    to_expire = [r for r in found if r.created_at <= expiry]
    to_remind = [r for r in found if expiry < r.created_at <= remind]
    users = await users_by_id(session, {uid for r in to_remind + to_expire for uid in (r.mentor_id, r.mentee_id)})
    notes: list[Note] = []
    reminding = [r for r in to_remind if not users[r.mentor_id].reminders_paused]
    won = await claim_many(
        session,
        now,
        [Claim(f"req_remind:{r.id}", REQUEST_REMINDER, user_id=r.mentor_id, request_id=r.id) for r in reminding],
    )
    for request in reminding:
        if f"req_remind:{request.id}" not in won:
            continue  # another sweeper reminded them just now
        mentor, mentee = users[request.mentor_id], users[request.mentee_id]
        left = request.created_at + dt.timedelta(days=programme.request_expiry_days) - now
        days_left = -(-left // dt.timedelta(days=1))  # rounded up: 6 days and 23 hours is "7 days"
        notes.append(Note(mentor.id, outcome=RequestReminder(request, mentor, mentee, max(days_left, 1))))
    notes += await _expire_all(session, now, to_expire, users)
    return batch(notes, more)


async def _due_requests(session: AsyncSession, remind: dt.datetime, expiry: dt.datetime) -> list[int]:
    """The ids of the pending requests past their reminder and not reminded yet, and of those past their expiry,
    in order (the two are apart: a request sent before `expiry` is expired, not reminded)."""
    pending = MentorshipRequest.status == "pending"
    to_remind = list(
        await session.scalars(
            select(MentorshipRequest.id).where(
                pending, MentorshipRequest.created_at <= remind, MentorshipRequest.created_at > expiry
            )
        )
    )
    taken = await taken_keys(session, [f"req_remind:{request_id}" for request_id in to_remind])
    to_expire = await session.scalars(
        select(MentorshipRequest.id).where(pending, MentorshipRequest.created_at <= expiry)
    )
    # Sorted here, not by the query: ORDER BY id lets SQLite read every request in id order instead of the
    # few due ones through (status, created_at).
    return sorted([*(request_id for request_id in to_remind if f"req_remind:{request_id}" not in taken), *to_expire])


async def _expire(
    session: AsyncSession, now: dt.datetime, request: MentorshipRequest, users: dict[int, User], programme: Programme
) -> list[Note]:
    """One request's expiry, as the sweep's batch has it."""
    return await _expire_all(session, now, [request], users)


async def _expire_all(
    session: AsyncSession, now: dt.datetime, requests: list[MentorshipRequest], users: dict[int, User]
) -> list[Note]:
    """Expire these requests and tell both sides, in three statements for the batch. The conditional update
    decides: an accept or a second sweeper that got there first wins."""
    moved = await _set_statuses(session, requests, "expired", now, "expired")
    expired = [request for request in requests if request.id in moved]
    won = await claim_many(
        session, now, [Claim(f"req_expired:{r.id}", REQUEST_EXPIRED, request_id=r.id) for r in expired]
    )
    notes: list[Note] = []
    for request in expired:
        if f"req_expired:{request.id}" not in won:
            continue
        mentor, mentee = users[request.mentor_id], users[request.mentee_id]
        notes.append(Note(mentee.id, outcome=RequestExpired(request, mentor, mentee, "mentee")))
        notes.append(Note(mentor.id, outcome=RequestExpired(request, mentor, mentee, "mentor")))
    return notes


# --- this capability's part of a person's copy of their data ----------------------------------


@registry.export("requests", covers=(MentorshipRequest,))
async def _requests(session: AsyncSession, user: User, now: dt.datetime) -> list[dict[str, Any]]:
    requests = await session.scalars(
        select(MentorshipRequest).where(
            or_(MentorshipRequest.mentee_id == user.id, MentorshipRequest.mentor_id == user.id)
        )
    )
    return [row(r) for r in requests]
