"""Staff broadcasts: one message from the career team to all mentors, all students, everyone, or the students
who have no mentor yet.

A broadcast is kept as one `Notice` row (kind "broadcast"). While staff look at the preview it is a draft,
one per staff member (key `broadcast:<staff id>`), holding the audience and the words. On Confirm the
audience is read again from the database, one outbox message per person is queued in that same transaction
together with the audit line, and the row becomes "sending" with the ids of those messages, so a crash
loses none of them and the outbox sends each exactly once. Who is skipped, and why: people who paused
their reminders, people who left or blocked the bot, people with no chat on a platform this bot runs.

The messages are spread out (`PER_SECOND`), below Telegram's 30 a second overall, so a broadcast never
stands in front of everyone else's notices: each delivery pass takes only what has fallen due, and what
others are told in the meantime goes out in the same passes. Each platform still paces and honours its own
limits (429 and retry_after) underneath.

After every delivery pass `report_progress` counts the broadcast's messages by status and brings staff's
one progress message up to date, at most every `PROGRESS_EVERY`, then once more with the result.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from bot.core.context import queue_answers, queue_message, render
from bot.core.delivery import after_delivery
from bot.core.errors import Refusal
from bot.core.events import Origin
from bot.core.notices import claim
from bot.core.outcomes import Outcome
from bot.core.payloads import id_in
from bot.core.policy import YES, Decision, no
from bot.i18n import N_, _, ngettext
from bot.services import audit
from storage.models import MentorProfile, Notice, Outbox, Pair, User

KIND = "broadcast"
DRAFT, SENDING, DONE = "draft", "sending", "done"
# Who a broadcast can go to, in the words staff read (the audit line says "sent a message to all mentors").
AUDIENCES = {
    "mentors": N_("all mentors"),
    "students": N_("all students"),
    "everyone": N_("everyone"),
    "unmatched": N_("students without a mentor yet"),
}
MAX_TEXT = 3500  # room under Telegram's 4,096 characters for the heading the message comes with
PER_SECOND = 20.0  # how fast a broadcast's messages fall due: two thirds of Telegram's overall limit
PROGRESS_EVERY = dt.timedelta(seconds=5)  # the progress message is edited at most this often
_CHUNK = 500  # ids per IN (...) when counting a broadcast's messages


# --- outcomes ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BroadcastMessage(Outcome):
    """What each person receives: the career team's words."""

    text: str  # as staff wrote it (plain text; escaped where it is shown)


@dataclass(frozen=True)
class Skipped:
    """Who in the audience is not sent the message, and why."""

    paused: int = 0  # paused their reminders
    blocked: int = 0  # left or blocked the bot
    unreachable: int = 0  # no chat on a platform this bot runs

    @property
    def total(self) -> int:
        return self.paused + self.blocked + self.unreachable


@dataclass(frozen=True)
class BroadcastPreview(Outcome):
    """Shown to staff before anything is sent. `draft` is None when nobody could be reached."""

    draft: int | None
    audience: str  # a key of AUDIENCES
    message: BroadcastMessage
    reach: int
    skipped: Skipped


@dataclass(frozen=True)
class BroadcastProgress(Outcome):
    """Staff's progress message: how far delivery is, and at the end how it went."""

    audience: str
    total: int  # messages queued
    sent: int
    blocked: int = 0  # could not be delivered: left or blocked the bot meanwhile
    refused: int = 0  # could not be delivered: the platform kept refusing it
    gone: int = 0  # left the programme (their data deleted) before it reached them
    skipped: Skipped = Skipped()
    finished: bool = False

    @property
    def handled(self) -> int:
        return self.sent + self.blocked + self.refused + self.gone


# --- who may, and who is reached ---------------------------------------------------------------------


def may_broadcast(user: User) -> Decision:
    """Only the career team writes to a whole group of people."""
    return YES if user.is_staff else no(_("That command is for the career team only."))


@dataclass(frozen=True)
class Audience:
    key: str
    reach: list[int]  # user ids, in a stable order
    skipped: Skipped


def audience_words(key: str) -> str:
    return _(AUDIENCES[key])


def _members(key: str):  # type: ignore[no-untyped-def]
    """The people an audience means, whatever can reach them."""
    query = select(User).options(selectinload(User.identities)).order_by(User.id)
    if key == "mentors":
        rejected = select(MentorProfile.user_id).where(MentorProfile.status == "rejected")
        return query.where(User.role == "alumnus", User.id.not_in(rejected))
    if key == "students":
        return query.where(User.role == "student")
    if key == "everyone":
        rejected = select(MentorProfile.user_id).where(MentorProfile.status == "rejected")
        return query.where(User.role.in_(("student", "alumnus")), User.id.not_in(rejected))
    if key == "unmatched":
        matched = select(Pair.mentee_id).where(Pair.status != "ended")
        return query.where(User.role == "student", User.id.not_in(matched))
    raise Refusal(_("I don't know that group of people. Send /broadcast to choose again."))


async def audience(session: AsyncSession, key: str, platforms: Collection[str]) -> Audience:
    """Who in the audience the message would reach now, and who is skipped: left or blocked the bot first,
    then no chat on a running platform (`platforms`), then reminders paused."""
    reach: list[int] = []
    paused = blocked = unreachable = 0
    for user in await session.scalars(_members(key)):
        if user.blocked_bot_at is not None:
            blocked += 1
        elif not any(identity.platform in platforms for identity in user.identities):
            unreachable += 1
        elif user.reminders_paused:
            paused += 1
        else:
            reach.append(user.id)
    return Audience(key, reach, Skipped(paused, blocked, unreachable))


# --- the draft: preview, cancel --------------------------------------------------------------------


def _draft_key(staff: User) -> str:
    return f"{KIND}:{staff.id}"


def _clean(text: str) -> str:
    text = text.strip()
    if not text:
        raise Refusal(_("The message is empty. Send /broadcast and write what you'd like to tell them."))
    if len(text) > MAX_TEXT:
        raise Refusal(_("That message is too long for one chat message. Please shorten it and send /broadcast again."))
    return text


async def prepare(
    session: AsyncSession, staff: User, key: str, text: str, now: dt.datetime, platforms: Collection[str]
) -> BroadcastPreview:
    """Keep this staff member's draft (replacing an earlier one) and say whom it would reach. Nothing is
    sent; a draft nobody could receive is not kept."""
    may_broadcast(staff).or_refuse()
    if key not in AUDIENCES:
        raise Refusal(_("I don't know that group of people. Send /broadcast to choose again."))
    text = _clean(text)
    found = await audience(session, key, platforms)
    await session.execute(delete(Notice).where(Notice.key == _draft_key(staff)))
    draft = None
    if found.reach:
        data = {"audience": key, "text": text}
        draft = await claim(session, _draft_key(staff), KIND, now, user_id=staff.id, data=data)
        if draft is not None:
            await session.execute(update(Notice).where(Notice.id == draft).values(answer=DRAFT))
    return BroadcastPreview(draft, key, BroadcastMessage(text), len(found.reach), found.skipped)


async def _draft(session: AsyncSession, staff: User, payload: str) -> Notice:
    stale = _("That preview is out of date. Send /broadcast to write the message again.")
    notice = await session.get(Notice, id_in(payload, stale))
    if notice is None or notice.kind != KIND or notice.user_id != staff.id:
        raise Refusal(stale)
    if notice.answer != DRAFT:
        raise Refusal(_("That message has been sent already. /broadcast writes a new one."))
    return notice


async def cancel(session: AsyncSession, staff: User, payload: str) -> None:
    """Forget the draft; nobody was told anything."""
    may_broadcast(staff).or_refuse()
    notice = await _draft(session, staff, payload)
    await session.delete(notice)


# --- sending -----------------------------------------------------------------------------------------


async def confirm(
    session: AsyncSession,
    staff: User,
    payload: str,
    now: dt.datetime,
    platforms: Collection[str],
    origin: Origin | None,
) -> BroadcastProgress:
    """Send the draft: the audience read again now, one outbox message per person spread out from now on,
    the audit line, all in this transaction. `origin` is the chat the preview is in: its message becomes
    the progress message (without one, staff are told the result when delivery is over)."""
    may_broadcast(staff).or_refuse()
    notice = await _draft(session, staff, payload)
    key, text = str(notice.data.get("audience")), str(notice.data.get("text") or "")
    if key not in AUDIENCES:
        raise Refusal(_("That preview is out of date. Send /broadcast to write the message again."))
    # One press wins: a second one (a double tap, a second process) finds the row no longer a draft.
    won = await session.execute(
        update(Notice)
        .where(Notice.id == notice.id, Notice.answer == DRAFT)
        .values(answer=SENDING, key=f"{KIND}:{staff.id}:{notice.id}")
        .execution_options(synchronize_session=False)
    )
    if won.rowcount != 1:  # type: ignore[attr-defined]
        raise Refusal(_("That message has been sent already. /broadcast writes a new one."))
    found = await audience(session, key, platforms)
    if not found.reach:
        raise Refusal(_("Nobody in that group can be reached any more, so nothing was sent."))
    reply = render(session, BroadcastMessage(text))
    spacing = dt.timedelta(seconds=1 / PER_SECOND)
    rows = [
        queue_message(session, now, reply, user_id=user_id, not_before=now + index * spacing)
        for index, user_id in enumerate(found.reach)
    ]
    await session.flush()
    total = len(rows)
    detail = ngettext("{audience} ({n} person)", "{audience} ({n} people)", total).format(
        audience=audience_words(key), n=total
    )
    await audit.record(session, staff, "broadcast", now, detail=detail)
    data: dict[str, Any] = {
        "audience": key,
        "ids": [row.id for row in rows],
        "skipped": [found.skipped.paused, found.skipped.blocked, found.skipped.unreachable],
        "shown": 0,
        "shown_at": now.isoformat(),
    }
    if origin is not None:
        data["origin"] = {
            "platform": origin.platform,
            "chat_id": origin.chat_id,
            "kind": origin.kind,
            "thread": origin.thread,
            "message_ref": origin.message_ref,
        }
    await session.execute(
        update(Notice)
        .where(Notice.id == notice.id)
        .values(data=data, created_at=now)
        .execution_options(synchronize_session=False)
    )
    return BroadcastProgress(key, total, 0, skipped=found.skipped)


# --- progress ----------------------------------------------------------------------------------------


def _chunks(ids: list[int]) -> Iterable[list[int]]:
    for start in range(0, len(ids), _CHUNK):
        yield ids[start : start + _CHUNK]


async def progress_of(session: AsyncSession, notice: Notice) -> BroadcastProgress:
    """How far a broadcast's delivery is, from its messages' status in the outbox."""
    data = notice.data
    ids = [int(i) for i in data.get("ids", [])]
    pending = sent = blocked = refused = 0
    for chunk in _chunks(ids):
        counts = await session.execute(
            select(Outbox.status, User.blocked_bot_at.is_not(None), func.count(Outbox.id))
            .join(User, User.id == Outbox.user_id)
            .where(Outbox.id.in_(chunk))
            .group_by(Outbox.status, User.blocked_bot_at.is_not(None))
        )
        for status, was_blocked, count in counts:
            if status == "sent":
                sent += count
            elif status == "failed" and was_blocked:
                blocked += count
            elif status == "failed":
                refused += count
            else:
                pending += count
    gone = len(ids) - pending - sent - blocked - refused  # their messages went with their data
    paused, skipped_blocked, unreachable = [*(data.get("skipped") or []), 0, 0, 0][:3]
    return BroadcastProgress(
        str(data.get("audience")),
        len(ids),
        sent,
        blocked,
        refused,
        gone,
        Skipped(int(paused), int(skipped_blocked), int(unreachable)),
        finished=pending == 0,
    )


@after_delivery
async def report_progress(session: AsyncSession, now: dt.datetime) -> list[Outbox]:
    """After a delivery pass: bring each sending broadcast's progress message up to date (at most every
    PROGRESS_EVERY, and only when something moved), and give the result once everything is through.
    Returns the answers queued, for the delivery worker to send at once."""
    sending = list(
        await session.scalars(
            select(Notice).where(Notice.kind == KIND, Notice.answered_at.is_(None), Notice.answer == SENDING)
        )
    )
    queued: list[Outbox] = []
    for notice in sending:
        progress = await progress_of(session, notice)
        data = dict(notice.data)
        origin = _origin(data.get("origin"))
        if progress.finished:
            done = await session.execute(
                update(Notice)
                .where(Notice.id == notice.id, Notice.answer == SENDING)
                .values(answer=DONE, answered_at=now)
                .execution_options(synchronize_session=False)
            )
            if done.rowcount != 1:  # type: ignore[attr-defined]
                continue  # another worker reported it
            if origin is not None:
                queued += await queue_answers(session, origin, [render(session, progress)], now)
            elif notice.user_id is not None:
                queue_message(session, now, progress, user_id=notice.user_id)
            continue
        shown_at = dt.datetime.fromisoformat(str(data.get("shown_at") or now.isoformat()))
        if origin is None or progress.handled == data.get("shown") or now - shown_at < PROGRESS_EVERY:
            continue
        data.update(shown=progress.handled, shown_at=now.isoformat())
        await session.execute(
            update(Notice).where(Notice.id == notice.id).values(data=data).execution_options(synchronize_session=False)
        )
        queued += await queue_answers(session, origin, [render(session, progress)], now)
    return queued


def _origin(value: object) -> Origin | None:
    if not isinstance(value, dict) or not value.get("platform") or not value.get("chat_id"):
        return None
    kind = value.get("kind") if value.get("kind") in ("private", "group", "staff") else "private"
    return Origin(
        str(value["platform"]),
        str(value["chat_id"]),
        kind,  # type: ignore[arg-type]
        thread=value.get("thread"),
        message_ref=value.get("message_ref"),
    )
