"""Staff cases: anything the career team should look at, filed once, taken by one of them, resolved.

A case is a `Report` row. People file one with /report, or, where the programme offers it, ask the office
for something with /office (an individual interview: a "request", listed apart from problems); the bot
files one when a pair goes quiet after its
reminders, an agreement stalls, a one-tap answer says there is a problem, or two answers disagree. Every
case reaches the staff chat as one message with the whole picture and the buttons to act (rendered by
bot.handlers.cases); taking and resolving work the same for every kind.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.context import queue_message, render
from bot.core.datacopy import row
from bot.core.errors import Refusal
from bot.core.markup import fmt
from bot.core.outcomes import Outcome
from bot.core.payloads import id_in
from bot.core.policy import YES, Decision, no
from bot.core.registry import registry
from bot.i18n import N_, _
from bot.programme import Programme
from bot.services import audit
from storage.models import Pair, Report, User

MAX_TEXT = 3000
OFFICE_REQUEST = "request"  # a student asking the office for something (the programme's `office_request`)
KINDS: dict[str, str] = {
    "report": N_("Report"),
    OFFICE_REQUEST: N_("Request"),
    "problem": N_("Problem reported"),
    "escalation": N_("No contact"),
    "checkin": N_("Check-in answer"),
    "contradiction": N_("Answers disagree"),
    "agreement": N_("Agreement not confirmed"),
}
STATUS: dict[str, str] = {"open": N_("open"), "taken": N_("being handled"), "resolved": N_("resolved")}
# Cases in someone's own words: read, taken and resolved, never the bot's account of a pair.
WRITTEN = frozenset({"report", OFFICE_REQUEST})
# Cases the bot files about a pair that has stopped moving: staff may close or re-match it from the start.
ABOUT_A_STALLED_PAIR = frozenset({"escalation", "agreement"})


@dataclass(frozen=True)
class CaseCard(Outcome):
    """A case as staff read it in their chat: `reporter` and `pair` (with its two sides) when it has them,
    `handled_by` once someone took or resolved it."""

    report: Report
    reporter: User | None = None
    pair: Pair | None = None
    mentor: User | None = None
    mentee: User | None = None
    handled_by: User | None = None


@dataclass(frozen=True)
class CaseTaken(Outcome):
    """Told to the person who filed a case: someone from the career team is looking into it."""

    staff: User


@dataclass(frozen=True)
class AlreadyTaken(Outcome):
    """A second member of staff pressed Take: `by` has it already."""

    report: Report
    by: User | None


async def file_case(
    session: AsyncSession,
    now: dt.datetime,
    *,
    kind: str,
    text: str | Outcome,
    pair_id: int | None = None,
    reporter_id: int | None = None,
) -> Report:
    """Record a case and post it to the staff chat (after commit, through the outbox). `text` is the
    person's own words, or for a case the bot files, the outcome whose rendering is its account."""
    text = (text if isinstance(text, str) else render(session, text).text).strip()
    if kind in WRITTEN and not text:
        raise Refusal(_("Please write a few words about what's wrong, e.g. 'My mentor hasn't replied for a month.'"))
    if len(text) > MAX_TEXT:
        raise Refusal(fmt(_("That's a bit long: please keep it under {n} characters."), n=MAX_TEXT))
    report = Report(kind=kind, reporter_id=reporter_id, pair_id=pair_id, text=text, status="open", created_at=now)
    session.add(report)
    await session.flush()
    queue_message(session, now, await card(session, report), to_staff=True)
    return report


async def card(session: AsyncSession, report: Report, *, handled_by: User | None = None) -> CaseCard:
    reporter = await session.get(User, report.reporter_id) if report.reporter_id else None
    pair = await session.get(Pair, report.pair_id) if report.pair_id else None
    mentor = await session.get(User, pair.mentor_id) if pair else None
    mentee = await session.get(User, pair.mentee_id) if pair else None
    return CaseCard(report, reporter, pair, mentor, mentee, handled_by)


async def case_for_staff(session: AsyncSession, staff: User, case_id: str) -> Report:
    """The case a staff button names; staff only (the handler's role check, again from the database)."""
    if not staff.is_staff:
        raise Refusal(_("That command is for the career team only."))
    not_found = _("I couldn't find that report. Nothing was changed.")
    report = await session.get(Report, id_in(case_id, not_found))
    if report is None:
        raise Refusal(not_found)
    return report


async def take(session: AsyncSession, case_id: str, staff: User, now: dt.datetime) -> CaseCard | AlreadyTaken:
    """The one 'Take': the first member of staff to press it has the case (a conditional update, so two at
    once can't both), and the person who filed it hears that someone is looking into it."""
    report = await case_for_staff(session, staff, case_id)
    if report.status == "resolved":
        raise Refusal(_("That report is already resolved. Nothing was changed."))
    if report.status == "taken" and report.taken_by == staff.id:
        return await card(session, report, handled_by=staff)
    result = await session.execute(
        update(Report)
        .where(Report.id == report.id, Report.status == "open")
        .values(status="taken", taken_by=staff.id)
        .execution_options(synchronize_session="fetch")
    )
    if not result.rowcount:  # type: ignore[attr-defined]
        taker = await session.get(User, report.taken_by) if report.taken_by else None
        return AlreadyTaken(report, taker)
    if report.reporter_id is not None and report.reporter_id != staff.id:
        queue_message(session, now, CaseTaken(staff), user_id=report.reporter_id)
    await audit.record(
        session,
        staff,
        "take",
        now,
        subject=await _about(session, report),
        pair_id=report.pair_id,
        detail=str(report.id),
    )
    return await card(session, report, handled_by=staff)


async def resolve(session: AsyncSession, case_id: str, staff: User, now: dt.datetime) -> CaseCard:
    report = await case_for_staff(session, staff, case_id)
    if report.status == "resolved":
        raise Refusal(_("That report is already resolved. Nothing was changed."))
    report.status = "resolved"
    report.resolved_at = now
    if report.taken_by is None:
        report.taken_by = staff.id
    await audit.record(
        session,
        staff,
        "resolve",
        now,
        subject=await _about(session, report),
        pair_id=report.pair_id,
        detail=str(report.id),
    )
    return await card(session, report, handled_by=staff)


async def _about(session: AsyncSession, report: Report) -> int | None:
    """Whom a case is about, for the audit log: the person who reported it, or the student of its pair."""
    if report.reporter_id is not None:
        return report.reporter_id
    pair = await session.get(Pair, report.pair_id) if report.pair_id is not None else None
    return pair.mentee_id if pair is not None else None


async def resolve_with(session: AsyncSession, report: Report, staff: User, now: dt.datetime) -> None:
    """Resolved by what staff just did about it (closing or re-matching the pair)."""
    report.status, report.resolved_at = "resolved", now
    report.taken_by = report.taken_by or staff.id


async def open_cases(session: AsyncSession) -> list[Report]:
    return list(await session.scalars(select(Report).where(Report.status != "resolved").order_by(Report.id)))


# --- requests to the office ----------------------------------------------------------------------------


def may_ask_office(user: User, programme: Programme) -> Decision:
    """May this person ask the office for what the programme offers (`office_request`: an individual
    interview ...)? Only in a programme that offers it, and to the roles it names."""
    offer = programme.office_request
    if offer is None:
        return no(
            fmt(
                _("This programme has no requests of that kind. To reach {office} about anything, use /report."),
                office=programme.office,
            )
        )
    if user.role not in offer.roles:
        return no(
            fmt(
                _("Asking for {label} isn't open to you in this programme. /report reaches {office}."),
                label=offer.label,
                office=programme.office,
            )
        )
    return YES


async def ask_office(session: AsyncSession, now: dt.datetime, user: User, text: str, programme: Programme) -> Report:
    """File the person's request to the office (their words as written); staff get it with take and resolve."""
    may_ask_office(user, programme).or_refuse()
    if not text.strip():
        raise Refusal(_("Please write a few words, so the office knows what you'd like to talk about."))
    return await file_case(session, now, kind=OFFICE_REQUEST, text=text, reporter_id=user.id)


async def open_office_requests(session: AsyncSession) -> list[Report]:
    """Requests to the office not yet resolved, oldest first: staff see them apart from problem reports."""
    return list(
        await session.scalars(
            select(Report).where(Report.status != "resolved", Report.kind == OFFICE_REQUEST).order_by(Report.id)
        )
    )


# --- this capability's part of a person's copy of their data ----------------------------------


@registry.export("reports_you_sent", covers=(Report,))
async def _reports(session: AsyncSession, user: User, now: dt.datetime) -> list[dict[str, Any]]:
    return [row(r) for r in await session.scalars(select(Report).where(Report.reporter_id == user.id))]
