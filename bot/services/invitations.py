"""Bringing in a cohort: the career team sends a CSV of students or alumni, every row is checked before
anything is written, and on confirmation each person gets an invitation with a link of their own.

The file's columns: name, email and/or handle, role (or a default given with the file), programme of study,
year (of study for a student, of graduation for an alumnus). A file with one bad row is refused whole, with
every bad row named; a confirmed file becomes all its invitations in one transaction, or none.

With an SMTP server in the settings each invitation with an e-mail address is mailed once the invitations
are saved, in the background, a few tries each; `sent_at` records the ones that went, and the staff member
who confirmed hears how many went and which did not. Without one (and for people with only a handle) the
staff member gets the texts and links to send themselves, and those count as sent.

Whoever opens a link (`/start inv_<token>`) is linked to its invitation, once: their role is set and their
profile form starts from what the file said.
"""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import io
import logging
import re
import secrets
from collections.abc import Callable, Coroutine
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import event, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.core.context import queue_message
from bot.core.events import IncomingFile
from bot.core.markup import esc
from bot.core.outcomes import Outcome
from bot.core.payloads import storable
from bot.core.registry import export
from bot.i18n import _
from bot.programme import Programme
from bot.services import audit, mail
from storage.models import Identity, Invitation, User

if TYPE_CHECKING:
    from bot.core.app import Core

log = logging.getLogger(__name__)

ROLES = ("student", "alumnus")
LINK_PREFIX = "inv_"  # /start inv_<token>
MAX_ROWS = 2000
MAX_NAME = 120
MAX_PROGRAMME = 120
MAX_EMAIL = 200
MAX_HANDLE = 120
LOWEST_GRADUATION_YEAR = 1950
HIGHEST_YEAR_OF_STUDY = 8  # as the student profile form asks it

# What a role cell (or the words sent with the file) may say.
ROLE_WORDS = {
    "student": "student",
    "students": "student",
    "mentee": "student",
    "mentees": "student",
    "alumnus": "alumnus",
    "alumna": "alumnus",
    "alumni": "alumnus",
    "alumnae": "alumnus",
    "alum": "alumnus",
    "alums": "alumnus",
    "graduate": "alumnus",
    "graduates": "alumnus",
    "mentor": "alumnus",
    "mentors": "alumnus",
}
# A column's heading, as people write it -> the column.
COLUMNS = {
    "name": "name",
    "full_name": "name",
    "email": "email",
    "e_mail": "email",
    "email_address": "email",
    "mail": "email",
    "handle": "handle",
    "username": "handle",
    "telegram": "handle",
    "slack": "handle",
    "role": "role",
    "programme_of_study": "programme_of_study",
    "program_of_study": "programme_of_study",
    "programme": "programme_of_study",
    "program": "programme_of_study",
    "degree": "programme_of_study",
    "course": "programme_of_study",
    "year": "year",
    "year_of_study": "year",
    "graduation_year": "year",
    "class_of": "year",
}
EXAMPLE = (
    "name,email,handle,role,programme of study,year\n"
    "Aigerim Sadykova,aigerim@example.edu,,student,BA Economics,2\n"
    "Olzhas Nurpeisov,,@olzhas_n,alumnus,BSc Computer Science,2016\n"
)
_EMAIL = re.compile(r"^[^@\s<>,;\"]+@[^@\s<>,;\"]+\.[^@\s<>,;\".]+$")
_HANDLE = re.compile(r"^[A-Za-z0-9_.\-]{2,80}$")
_TOKEN = re.compile(r"^[A-Za-z0-9_\-]{16,40}$")


# --- what the checks find ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    """One person of the file, as checked (line: the file's line number, the heading being line 1)."""

    line: int
    name: str
    email: str
    handle: str
    role: str
    programme_of_study: str
    year: int | None

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Row:
        return cls(
            line=int(data["line"]),
            name=str(data["name"]),
            email=str(data["email"]),
            handle=str(data["handle"]),
            role=str(data["role"]),
            programme_of_study=str(data["programme_of_study"]),
            year=int(data["year"]) if data.get("year") is not None else None,
        )


@dataclass(frozen=True)
class Problem:
    """What is wrong with a row: `code` names it, `detail` is what its words need (a line, a value)."""

    code: str  # no_name | long_name | no_address | bad_email | bad_handle | no_role | bad_role | bad_year |
    # long_programme | duplicate | invited | member
    detail: str = ""


@dataclass(frozen=True)
class BadRow:
    line: int
    name: str
    problems: tuple[Problem, ...]


@dataclass(frozen=True)
class FileRefused(Outcome):
    """The file as a whole cannot be read: `reason` is too_big | not_text | empty | no_name_column |
    no_address_column | too_many; `detail` what its words need."""

    reason: str
    detail: str = ""


@dataclass(frozen=True)
class ImportChecked(Outcome):
    """Every row of the file checked: the rows, and the bad ones (none: it may be confirmed)."""

    rows: tuple[Row, ...]
    bad: tuple[BadRow, ...] = ()

    @property
    def students(self) -> int:
        return sum(1 for row in self.rows if row.role == "student")

    @property
    def alumni(self) -> int:
        return sum(1 for row in self.rows if row.role == "alumnus")


@dataclass(frozen=True)
class Links:
    """Where an invitation's link opens the bot: Telegram's deep link, the Slack app, and the words to send."""

    telegram: str | None
    slack: str | None
    command: str


@dataclass(frozen=True)
class ToSend:
    """An invitation the staff member sends themselves: to whom, its link and its text."""

    name: str
    email: str
    handle: str
    link: str
    text: str


@dataclass(frozen=True)
class CohortInvited(Outcome):
    """The invitations were saved: how many of each role, how many go by e-mail in the background, and the
    ones the staff member sends themselves (no SMTP server, or no e-mail address)."""

    students: int
    alumni: int
    mailing: int
    by_hand: tuple[ToSend, ...] = ()
    invitation_ids: tuple[int, ...] = field(default=(), repr=False)


@dataclass(frozen=True)
class InvitationsMailed(Outcome):
    """Told to the staff member once the e-mails of their import were tried: how many went, which did not."""

    sent: int
    failed: tuple[tuple[str, str], ...]  # (name, e-mail address) of each that could not be sent


@dataclass(frozen=True)
class InvitationOpened(Outcome):
    """Someone opened an invitation's link: `status` is accepted (now or before, by them) | used (by someone
    else) | unknown | other_role (they are in the programme in the other role already)."""

    status: str
    invitation: Invitation | None = None
    new_member: bool = False  # accepted, and nothing of theirs yet: their profile form starts from the file


@dataclass(frozen=True)
class InvitationCounts(Outcome):
    """All the invitations so far: made, sent, accepted, still waiting; and how many e-mails did not go."""

    total: int
    sent: int
    accepted: int
    unsent: int

    @property
    def pending(self) -> int:
        return self.total - self.accepted


# --- reading the file ----------------------------------------------------------------------------------


def default_role(words: str) -> str | None:
    """The role the words sent with the file name ("/import alumni", "students"), if any."""
    for word in re.split(r"[\s,;]+", words.lower()):
        if word.lstrip("/") in ROLE_WORDS:
            return ROLE_WORDS[word.lstrip("/")]
    return None


def _heading(cell: str) -> str:
    return re.sub(r"[\s\-]+", "_", cell.strip().lower().lstrip("\ufeff"))


def _decode(content: bytes) -> str | None:
    for encoding in ("utf-8-sig", "utf-16"):
        try:
            text = content.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\x00" not in text:
            return text
    return None


def read_rows(file: IncomingFile) -> list[dict[str, str]] | FileRefused:
    """The file's rows as cells by column (with their line numbers), or why the file cannot be read."""
    if file.too_big:
        return FileRefused("too_big")
    text = _decode(file.content)
    if text is None:
        return FileRefused("not_text", file.name)
    if not text.strip():
        return FileRefused("empty")
    try:
        dialect: Any = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    try:
        heading = next(reader)
    except (StopIteration, csv.Error):
        return FileRefused("empty")
    columns = [COLUMNS.get(_heading(cell), "") for cell in heading]
    if "name" not in columns:
        return FileRefused("no_name_column", ", ".join(cell.strip() for cell in heading if cell.strip())[:200])
    if "email" not in columns and "handle" not in columns:
        return FileRefused("no_address_column")
    rows: list[dict[str, str]] = []
    try:
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue  # blank lines between people
            if len(rows) >= MAX_ROWS:
                return FileRefused("too_many", str(MAX_ROWS))
            row = {"line": str(reader.line_num)}
            for column, cell in zip(columns, cells, strict=False):
                if column and not row.get(column):
                    row[column] = storable(cell).strip()
            rows.append(row)
    except csv.Error:
        return FileRefused("not_text", file.name)
    if not rows:
        return FileRefused("empty")
    return rows


async def check(session: AsyncSession, file: IncomingFile, words: str, now: dt.datetime) -> ImportChecked | FileRefused:
    """Read and check the whole file against itself and the database; nothing is written."""
    read = read_rows(file)
    if isinstance(read, FileRefused):
        return read
    return await check_rows(session, read, default_role(words), now)


async def check_rows(
    session: AsyncSession, cells: list[dict[str, str]], role: str | None, now: dt.datetime
) -> ImportChecked:
    rows: list[Row] = []
    bad: list[BadRow] = []
    seen: dict[str, int] = {}  # an address (e-mail or handle, lower case) -> the first line that has it
    for cell in cells:
        row, problems = _row(cell, role, now)
        for address in _addresses(row):
            if address in seen:
                problems.append(Problem("duplicate", str(seen[address])))
            else:
                seen[address] = row.line
        if problems:
            bad.append(BadRow(row.line, row.name, tuple(problems)))
        rows.append(row)
    invited, members = await _known(session, rows)
    for row in rows:
        found = [Problem("invited")] if set(_addresses(row)) & invited else []
        found += [Problem("member")] if set(_addresses(row)) & members else []
        if found:
            earlier = next((b for b in bad if b.line == row.line), None)
            if earlier is not None:
                bad[bad.index(earlier)] = BadRow(row.line, row.name, (*earlier.problems, *found))
            else:
                bad.append(BadRow(row.line, row.name, tuple(found)))
    bad.sort(key=lambda b: b.line)
    return ImportChecked(tuple(rows), tuple(bad))


def _row(cell: dict[str, str], default: str | None, now: dt.datetime) -> tuple[Row, list[Problem]]:
    problems: list[Problem] = []
    name = " ".join(cell.get("name", "").split())
    if not name:
        problems.append(Problem("no_name"))
    elif len(name) > MAX_NAME:
        problems.append(Problem("long_name", str(MAX_NAME)))
    email = cell.get("email", "").strip()
    handle = cell.get("handle", "").strip().removeprefix("@")
    if not email and not handle:
        problems.append(Problem("no_address"))
    if email and (len(email) > MAX_EMAIL or not _EMAIL.match(email)):
        problems.append(Problem("bad_email", email[:60]))
    if handle and (len(handle) > MAX_HANDLE or not _HANDLE.match(handle)):
        problems.append(Problem("bad_handle", handle[:60]))
    written = cell.get("role", "").strip().lower()
    role = ROLE_WORDS.get(written) if written else default
    if role is None:
        problems.append(Problem("bad_role", written[:40]) if written else Problem("no_role"))
    programme = " ".join(cell.get("programme_of_study", "").split())
    if len(programme) > MAX_PROGRAMME:
        problems.append(Problem("long_programme", str(MAX_PROGRAMME)))
    year: int | None = None
    written_year = cell.get("year", "").strip()
    if written_year:
        low, high = _year_range(role, now)
        try:
            year = int(written_year)
        except ValueError:
            problems.append(Problem("bad_year", f"{written_year[:20]}|{low}|{high}"))
        else:
            if not low <= year <= high:
                problems.append(Problem("bad_year", f"{written_year}|{low}|{high}"))
                year = None
    row = Row(int(cell["line"]), name[:MAX_NAME], email[:MAX_EMAIL], handle[:MAX_HANDLE], role or "", programme, year)
    return row, problems


def _year_range(role: str | None, now: dt.datetime) -> tuple[int, int]:
    if role == "alumnus":
        return LOWEST_GRADUATION_YEAR, now.year
    return 1, HIGHEST_YEAR_OF_STUDY


def _addresses(row: Row) -> list[str]:
    found = []
    if row.email:
        found.append("mail:" + row.email.lower())
    if row.handle:
        found.append("handle:" + row.handle.lower())
    return found


async def _known(session: AsyncSession, rows: list[Row]) -> tuple[set[str], set[str]]:
    """The addresses of these rows already invited, and those of people already in the programme (an e-mail
    address given as their contact details, a handle one of their chat accounts has)."""
    emails = sorted({row.email.lower() for row in rows if row.email})
    handles = sorted({row.handle.lower() for row in rows if row.handle})
    invited: set[str] = set()
    members: set[str] = set()
    for chunk in _chunks(emails):
        for (email,) in await session.execute(
            select(func.lower(Invitation.email)).where(func.lower(Invitation.email).in_(chunk))
        ):
            invited.add("mail:" + email)
        for (email,) in await session.execute(
            select(func.lower(User.contact_details)).where(func.lower(User.contact_details).in_(chunk))
        ):
            members.add("mail:" + email)
    for chunk in _chunks(handles):
        for (handle,) in await session.execute(
            select(func.lower(Invitation.handle)).where(func.lower(Invitation.handle).in_(chunk))
        ):
            invited.add("handle:" + handle)
        for (handle,) in await session.execute(
            select(func.lower(Identity.username)).where(func.lower(Identity.username).in_(chunk))
        ):
            members.add("handle:" + handle)
    return invited, members


def _chunks(values: list[str], size: int = 500) -> list[list[str]]:
    return [values[i : i + size] for i in range(0, len(values), size)]


def rows_to_keep(checked: ImportChecked) -> list[dict[str, Any]]:
    """The checked rows as plain data, kept while the staff member decides (in their form's progress)."""
    return [asdict(row) for row in checked.rows]


# --- confirming: all the invitations, or none --------------------------------------------------------


async def confirm(
    session: AsyncSession,
    staff: User,
    kept: list[dict[str, Any]],
    now: dt.datetime,
    settings: Settings,
    programme: Programme,
) -> CohortInvited | ImportChecked:
    """Create one invitation per row, in the caller's transaction; the rows are checked again first (someone
    may have been invited or joined since the preview), and one bad row means none is created."""
    try:
        rows = [Row.from_dict(data) for data in kept]
    except (KeyError, TypeError, ValueError):
        return ImportChecked((), (BadRow(0, "", (Problem("no_name"),)),))
    cells = [
        {
            "line": str(row.line),
            "name": row.name,
            "email": row.email,
            "handle": row.handle,
            "role": row.role,
            "programme_of_study": row.programme_of_study,
            "year": "" if row.year is None else str(row.year),
        }
        for row in rows
    ]
    checked = await check_rows(session, cells, None, now)
    if checked.bad or not checked.rows:
        return checked
    invitations = [
        Invitation(
            token=secrets.token_urlsafe(24),
            role=row.role,
            name=row.name,
            email=row.email,
            handle=row.handle,
            programme_of_study=row.programme_of_study,
            year=row.year,
            created_by=staff.id,
            created_at=now,
        )
        for row in checked.rows
    ]
    session.add_all(invitations)
    await session.flush()
    mailing = [i for i in invitations if i.email] if settings.mail_enabled else []
    by_hand = [i for i in invitations if i not in mailing]
    for invitation in by_hand:
        invitation.sent_at = now  # the staff member has its text to send, in the answer to this
    detail = _("{students} students, {alumni} alumni").format(students=checked.students, alumni=checked.alumni)
    await audit.record(session, staff, "invite", now, detail=detail)
    return CohortInvited(
        students=checked.students,
        alumni=checked.alumni,
        mailing=len(mailing),
        by_hand=tuple(_to_send(i, settings, programme) for i in by_hand),
        invitation_ids=tuple(i.id for i in mailing),
    )


def _to_send(invitation: Invitation, settings: Settings, programme: Programme) -> ToSend:
    found = links(settings, invitation.token)
    link = found.telegram or found.slack or found.command
    return ToSend(
        invitation.name, invitation.email, invitation.handle, link, letter(invitation, settings, programme).text
    )


# --- the invitation's words and links ------------------------------------------------------------------


def links(settings: Settings, token: str) -> Links:
    username = (settings.telegram_bot_username or "").lstrip("@")
    telegram = f"https://t.me/{username}?start={LINK_PREFIX}{token}" if settings.telegram_enabled and username else None
    slack = settings.slack_app_url if settings.slack_enabled and settings.slack_app_url else None
    return Links(telegram, slack, f"/start {LINK_PREFIX}{token}")


def letter(invitation: Invitation, settings: Settings, programme: Programme) -> mail.Mail:
    """The invitation as an e-mail: a plain-text part and a simple HTML part saying the same."""
    found = links(settings, invitation.token)
    first = invitation.name.split()[0] if invitation.name.split() else ""
    hello = _("Hello {name},").format(name=first) if first else _("Hello,")
    if invitation.role == "alumnus":
        why = _(
            "{office} invites you to the {title} as a mentor: students of the university choose a mentor and "
            "meet them about once a month, and your experience is what they are looking for."
        )
    else:
        why = _(
            "{office} invites you to the {title}: you choose a mentor among the university's alumni and meet "
            "them about once a month."
        )
    why = why.format(office=programme.office_opening, title=programme.title)
    steps: list[tuple[str, str]] = []  # (words, link)
    if found.telegram:
        steps.append((_("On Telegram, open this link and press Start:"), found.telegram))
    if found.slack:
        steps.append(
            (_("On Slack, open the app and send it this message:") + " " + found.command.lstrip("/"), found.slack)
        )
    last = _(
        "Your profile is started already with what we know: your name, programme and year. You can change any "
        "of it. The link is yours alone; please don't pass it on."
    )
    if not steps:
        last = _("Send the bot this message to begin: {command}").format(command=found.command) + "\n\n" + last
    sign = _("Best wishes,\n{office}").format(office=programme.office_opening)
    subject = _("Your invitation to the {title}").format(title=programme.title)
    text_lines = [hello, "", why, ""]
    for words, link in steps:
        text_lines += [words, link, ""]
    text_lines += [last, "", sign]
    html_lines = [f"<p>{esc(hello)}</p>", f"<p>{esc(why)}</p>"]
    for words, link in steps:
        html_lines.append(f'<p>{esc(words)}<br><a href="{esc(link)}">{esc(link)}</a></p>')
    html_lines += [f"<p>{esc(last)}</p>".replace("\n\n", "</p><p>"), f"<p>{esc(sign)}</p>".replace("\n", "<br>")]
    page = "<!DOCTYPE html>\n<html><body>\n" + "\n".join(html_lines) + "\n</body></html>\n"
    return mail.Mail(to=invitation.email, subject=subject, text="\n".join(text_lines) + "\n", html=page)


# --- e-mailing in the background -------------------------------------------------------------------------

_RUNNING: set[asyncio.Task[None]] = set()


def after_commit(session: AsyncSession, work: Callable[[], Coroutine[Any, Any, None]]) -> None:
    """Start `work` in the background once the caller's transaction has committed (never when it rolls back)."""

    def started(_session: Any) -> None:
        task = asyncio.get_running_loop().create_task(work(), name="invitation-mail")
        _RUNNING.add(task)
        task.add_done_callback(_RUNNING.discard)

    event.listen(session.sync_session, "after_commit", started, once=True)


async def settle() -> None:
    """Wait until every e-mailing started in this process has finished (for an orderly stop, and tests)."""
    while _RUNNING:
        await asyncio.gather(*list(_RUNNING), return_exceptions=True)


def mail_later(session: AsyncSession, core: Core, staff: User, ids: tuple[int, ...], **tries: Any) -> None:
    """E-mail these invitations after the transaction that made them commits."""
    if ids and core.settings.mail_enabled:
        staff_id = staff.id
        after_commit(session, lambda: mail_invitations(core, staff_id, ids, **tries))


async def mail_invitations(core: Core, staff_id: int | None, ids: tuple[int, ...], **tries: Any) -> None:
    """Send each invitation not sent yet, mark the ones that went, and tell the staff member how it went."""
    sent = 0
    failed: list[tuple[str, str]] = []
    for invitation_id in ids:
        async with core.sessions() as session:
            invitation = await session.get(Invitation, invitation_id)
            if invitation is None or invitation.sent_at is not None or not invitation.email:
                continue
            letter_ = letter(invitation, core.settings, core.programme)
            name, email = invitation.name, invitation.email
        try:
            await mail.send(core.settings, letter_, **tries)
        except mail.MailFailed as failure:
            log.warning("invitation %s could not be e-mailed: %s", invitation_id, failure)
            failed.append((name, email))
            continue
        except Exception:
            log.exception("invitation %s could not be e-mailed", invitation_id)
            failed.append((name, email))
            continue
        sent += 1
        try:
            async with core.sessions() as session, session.begin():
                await session.execute(
                    update(Invitation)
                    .where(Invitation.id == invitation_id, Invitation.sent_at.is_(None))
                    .values(sent_at=core.clock.now())
                )
        except Exception:
            log.exception("invitation %s was e-mailed but could not be marked as sent", invitation_id)
    if staff_id is None:
        return
    try:
        async with core.sessions() as session, session.begin():
            queue_message(session, core.clock.now(), InvitationsMailed(sent, tuple(failed)), user_id=staff_id)
    except Exception:
        log.exception("could not tell staff member %s how the invitation e-mails went", staff_id)
        return
    core.delivery.kick()


async def unsent(session: AsyncSession) -> tuple[int, ...]:
    """The invitations with an e-mail address whose e-mail has not gone (a failure, or a stop mid-way)."""
    query = select(Invitation.id).where(
        Invitation.sent_at.is_(None), Invitation.accepted_at.is_(None), Invitation.email != ""
    )
    return tuple(await session.scalars(query.order_by(Invitation.id)))


# --- opening an invitation ---------------------------------------------------------------------------------


def token_in(args: str) -> str | None:
    """The token of `/start inv_<token>`, or None when the words are no invitation link."""
    word = args.strip().split(" ", 1)[0] if args.strip() else ""
    return word[len(LINK_PREFIX) :] if word.startswith(LINK_PREFIX) else None


async def accept(session: AsyncSession, user: User, token: str, now: dt.datetime) -> InvitationOpened:
    """Link the person to the invitation of `token` (once) and give them its role."""
    if not _TOKEN.match(token):
        return InvitationOpened("unknown")
    invitation = await session.scalar(select(Invitation).where(Invitation.token == token).with_for_update())
    if invitation is None:
        return InvitationOpened("unknown")
    if invitation.accepted_by is not None or invitation.accepted_at is not None:
        if invitation.accepted_by == user.id:
            return InvitationOpened("accepted", invitation)
        return InvitationOpened("used", invitation)
    if invitation.role == STAFF_ROLE:
        return await _join_staff(session, user, invitation, now)
    if user.role is not None and user.role != invitation.role:
        return InvitationOpened("other_role", invitation)
    if not await _claim(session, invitation, user, now):
        return InvitationOpened("used", invitation)
    new_member = user.role is None
    user.role = invitation.role
    return InvitationOpened("accepted", invitation, new_member=new_member)


# --- a colleague invited to the career team --------------------------------------------------------------

STAFF_ROLE = "staff"  # an invitation to the career team: a link a member gives a colleague, used once


async def invite_staff(session: AsyncSession, by: User, now: dt.datetime) -> Invitation:
    """A link that makes whoever opens it first a member of the career team (given by a member, in private)."""
    invitation = Invitation(
        token=secrets.token_urlsafe(24),
        role=STAFF_ROLE,
        name="",
        created_by=by.id,
        created_at=now,
        sent_at=now,  # handed over by the member who made it: nothing for the mailer
    )
    session.add(invitation)
    await session.flush()
    await audit.record(session, by, "staff_invite", now)
    return invitation


async def _join_staff(session: AsyncSession, user: User, invitation: Invitation, now: dt.datetime) -> InvitationOpened:
    if not await _claim(session, invitation, user, now):
        return InvitationOpened("used", invitation)
    if not user.is_staff:
        user.is_staff, user.staff_source = True, "chat"
        inviter = await session.get(User, invitation.created_by) if invitation.created_by else None
        await audit.record(session, inviter or user, "staff_add", now, subject=user)
    return InvitationOpened("accepted", invitation)


async def _claim(session: AsyncSession, invitation: Invitation, user: User, now: dt.datetime) -> bool:
    """The invitation becomes this person's, unless someone opened it first (two at once: one wins)."""
    claimed = await session.execute(
        update(Invitation)
        .where(Invitation.id == invitation.id, Invitation.accepted_at.is_(None))
        .values(accepted_by=user.id, accepted_at=now)
    )
    if not claimed.rowcount:  # type: ignore[attr-defined]
        return False
    await session.refresh(invitation)
    return True


def prefilled(invitation: Invitation) -> dict[str, Any]:
    """What the file said, as answers of the person's profile form (they can change each)."""
    answers: dict[str, Any] = {}
    if invitation.name:
        answers["name"] = invitation.name
    if invitation.programme_of_study:
        answers["programme_of_study"] = invitation.programme_of_study
    if invitation.year is not None:
        answers["graduation_year" if invitation.role == "alumnus" else "year_of_study"] = invitation.year
    return answers


# --- the list ----------------------------------------------------------------------------------------------


async def counts(session: AsyncSession) -> InvitationCounts:
    row = (
        await session.execute(
            select(
                func.count(Invitation.id),
                func.count(Invitation.sent_at),
                func.count(Invitation.accepted_at),
            ).where(Invitation.role != STAFF_ROLE)  # colleagues' links are not the cohort's invitations
        )
    ).one()
    waiting = len(await unsent(session))
    return InvitationCounts(total=int(row[0]), sent=int(row[1]), accepted=int(row[2]), unsent=waiting)


# --- a person's copy of their data -----------------------------------------------------------------------


@export("invitations", covers=(Invitation,))
async def _export(session: AsyncSession, user: User, now: dt.datetime) -> dict[str, Any]:
    """The invitation the person came in by (what the career team's list said about them), and, for a member
    of the career team, how many invitations they made (the people invited are not theirs to copy)."""
    mine = list(await session.scalars(select(Invitation).where(Invitation.accepted_by == user.id)))
    made = await session.scalar(select(func.count(Invitation.id)).where(Invitation.created_by == user.id))
    return {
        "invited_as": [
            {
                "name": i.name,
                "email": i.email,
                "handle": i.handle,
                "role": i.role,
                "programme_of_study": i.programme_of_study,
                "year": i.year,
                "invited_at": i.created_at.isoformat(),
                "sent_at": i.sent_at.isoformat() if i.sent_at else None,
                "accepted_at": i.accepted_at.isoformat() if i.accepted_at else None,
            }
            for i in mine
        ],
        "invitations_made": int(made or 0),
    }
