"""Telling the career team about a problem: a report row, and one message in the staff chat with the
whole picture (who, which mentorship, since when) and buttons to take and resolve it."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.context import queue_message
from bot.core.errors import Refusal
from bot.core.markup import esc, fmt
from bot.core.replies import Button, Reply
from bot.i18n import N_, _
from storage.models import Pair, Report, User

MAX_TEXT = 3000
KINDS: dict[str, str] = {
    "report": N_("Report"),
    "problem": N_("Problem reported"),
    "escalation": N_("No contact"),
    "checkin": N_("Check-in answer"),
    "contradiction": N_("Answers disagree"),
    "agreement": N_("Agreement not confirmed"),
}
STATUS: dict[str, str] = {"open": N_("open"), "taken": N_("being handled"), "resolved": N_("resolved")}


async def file_report(
    session: AsyncSession, *, kind: str, reporter_id: int | None, pair_id: int | None, text: str, now: dt.datetime
) -> Report:
    """Record a report and post it to the staff chat (after commit, through the outbox)."""
    text = text.strip()
    if kind == "report" and not text:
        raise Refusal(_("Please write a few words about what's wrong, e.g. 'My mentor hasn't replied for a month.'"))
    if len(text) > MAX_TEXT:
        raise Refusal(fmt(_("That's a bit long: please keep it under {n} characters."), n=MAX_TEXT))
    report = Report(kind=kind, reporter_id=reporter_id, pair_id=pair_id, text=text, status="open", created_at=now)
    session.add(report)
    await session.flush()
    queue_message(session, now, await staff_card(session, report), to_staff=True)
    return report


def _role(user: User) -> str:
    if user.is_staff and user.role is None:
        return _("career team")
    return {"student": _("student"), "alumnus": _("mentor")}.get(user.role or "", _("no profile yet"))


async def staff_card(session: AsyncSession, report: Report, *, handled_by: User | None = None) -> Reply:
    """The report as staff read it: who, about which mentorship, the words, and what to do."""
    kind = _(KINDS.get(report.kind, report.kind))
    status = _(STATUS.get(report.status, report.status))
    lines = [fmt(_("<b>{kind} #{id}</b> · {status}"), kind=kind, id=report.id, status=status)]
    reporter = await session.get(User, report.reporter_id) if report.reporter_id else None
    if reporter is not None:
        lines.append(
            fmt(
                _("From: {name} ({role}), {contact}"),
                name=reporter.name or f"#{reporter.id}",
                role=_role(reporter),
                contact=reporter.contact_details or _("no contact details"),
            )
        )
    elif report.kind == "report":
        lines.append(_("From: someone who has since left the programme"))
    pair = await session.get(Pair, report.pair_id) if report.pair_id else None
    if pair is not None:
        lines.append(await pair_summary(session, pair))
    elif report.kind == "report":
        lines.append(_("About: not about a particular mentorship"))
    if report.text:
        lines += ["", f"<i>{esc(report.text)}</i>"]
    if handled_by is not None:
        lines += ["", fmt(_("{status} by {name}."), status=_(STATUS[report.status]).capitalize(), name=handled_by.name)]
    buttons: list[Button] = []
    if report.status == "open":
        buttons.append(Button(_("Take it"), "rep.take", str(report.id), style="primary"))
    if report.status != "resolved":
        buttons.append(Button(_("Resolved"), "rep.resolve", str(report.id)))
    return Reply("\n".join(lines), buttons=[buttons] if buttons else [])


async def pair_summary(session: AsyncSession, pair: Pair) -> str:
    mentor = await session.get(User, pair.mentor_id)
    mentee = await session.get(User, pair.mentee_id)
    last = pair.last_contact_at.strftime("%d %b %Y") if pair.last_contact_at else _("none logged")
    text = fmt(
        _("About: {mentor} (mentor) and {mentee} (student), matched on {since}; last contact: {last}"),
        mentor=mentor.name if mentor else "?",
        mentee=mentee.name if mentee else "?",
        since=pair.created_at.strftime("%d %b %Y"),
        last=last,
    )
    if pair.status == "ended" and pair.ended_at is not None:
        text += fmt(_("; ended on {day}"), day=pair.ended_at.strftime("%d %b %Y"))
    return text


async def take(session: AsyncSession, report_id: str, staff: User, now: dt.datetime) -> Report:
    report = await _report(session, report_id)
    if report.status == "resolved":
        raise Refusal(_("That report is already resolved. Nothing was changed."))
    if report.status == "taken" and report.taken_by not in (None, staff.id):
        taker = await session.get(User, report.taken_by)
        raise Refusal(fmt(_("{name} is already handling that report."), name=taker.name if taker else "?"))
    report.status = "taken"
    report.taken_by = staff.id
    if report.reporter_id is not None and report.reporter_id != staff.id:
        queue_message(
            session,
            now,
            Reply(fmt(_("{name} from the career team is looking into what you told us."), name=staff.first_name)),
            user_id=report.reporter_id,
        )
    return report


async def resolve(session: AsyncSession, report_id: str, staff: User, now: dt.datetime) -> Report:
    report = await _report(session, report_id)
    if report.status == "resolved":
        raise Refusal(_("That report is already resolved. Nothing was changed."))
    report.status = "resolved"
    report.resolved_at = now
    if report.taken_by is None:
        report.taken_by = staff.id
    return report


async def _report(session: AsyncSession, report_id: str) -> Report:
    report = await session.get(Report, int(report_id)) if report_id.isdigit() else None
    if report is None:
        raise Refusal(_("I couldn't find that report. Nothing was changed."))
    return report


async def open_reports(session: AsyncSession) -> list[Report]:
    return list(await session.scalars(select(Report).where(Report.status != "resolved").order_by(Report.id)))


# --- cases the scheduler files ---------------------------------------------------------------------------


async def open_case(session: AsyncSession, now: dt.datetime, kind: str, pair_id: int, text_: str) -> Report:
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
