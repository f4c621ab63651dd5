"""The contact log: who met whom, when and how, with notes that can be kept to their author.

`record_contact` is the one way a contact enters the log (the /log command, the scheduler's one-tap
"we talked" answers); it keeps `pair.last_contact_at` on the latest contact, which the scheduler's index
reads, and asks both sides "is this a good fit?" after a pair's very first contact.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import dateparser
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.context import queue_message
from bot.core.datacopy import row
from bot.core.dates import parse_past_date
from bot.core.errors import Refusal
from bot.core.markup import fmt
from bot.core.outcomes import Outcome
from bot.core.registry import registry
from bot.i18n import N_, _, date_languages, date_text
from bot.programme import Programme
from bot.services import ending
from bot.services.ending import YouEnded
from bot.services.pairs import pair_for
from storage.models import ContactLog, Pair, User

# The methods a contact can take, in the order the form offers them, with their catalogue labels.
METHODS: dict[str, str] = {
    "video": N_("Video call"),
    "phone": N_("Phone call"),
    "in_person": N_("In person"),
    "email": N_("E-mail"),
    "chat": N_("Chat"),
}

# Plain words people use for each method (whole words or phrases, lower case).
_METHOD_WORDS: list[tuple[str, str]] = [
    ("in person", "in_person"),
    ("face to face", "in_person"),
    ("met at", "in_person"),
    ("coffee", "in_person"),
    ("lunch", "in_person"),
    ("dinner", "in_person"),
    ("zoom", "video"),
    ("teams", "video"),
    ("google meet", "video"),
    ("meet", "video"),
    ("skype", "video"),
    ("video", "video"),
    ("videocall", "video"),
    ("phone", "phone"),
    ("call", "phone"),
    ("called", "phone"),
    ("rang", "phone"),
    ("e-mail", "email"),
    ("email", "email"),
    ("emailed", "email"),
    ("mail", "email"),
    ("chat", "chat"),
    ("chatted", "chat"),
    ("telegram", "chat"),
    ("whatsapp", "chat"),
    ("slack", "chat"),
    ("messaged", "chat"),
    ("texted", "chat"),
    # The same in the other languages people write in (Russian, Kazakh, French).
    ("лично", "in_person"), ("вживую", "in_person"), ("в кафе", "in_person"), ("за кофе", "in_person"),
    ("за обедом", "in_person"), ("по видео", "video"), ("видеозвонок", "video"), ("видеосвязь", "video"),
    ("зум", "video"), ("по телефону", "phone"), ("телефон", "phone"), ("созвонились", "phone"),
    ("позвонил", "phone"), ("позвонила", "phone"), ("звонок", "phone"), ("по почте", "email"),
    ("письмо", "email"), ("почта", "email"), ("в чате", "chat"), ("переписывались", "chat"),
    ("в телеграме", "chat"), ("телеграм", "chat"),
    ("бетпе-бет", "in_person"), ("жеке", "in_person"), ("бейнеқоңырау", "video"), ("бейне", "video"),
    ("телефонмен", "phone"), ("телефон арқылы", "phone"), ("қоңырау", "phone"), ("хат", "email"),
    ("поштамен", "email"), ("чатта", "chat"), ("жазыстық", "chat"),
    ("en personne", "in_person"), ("face à face", "in_person"), ("déjeuner", "in_person"),
    ("visio", "video"), ("vidéo", "video"), ("par téléphone", "phone"), ("téléphone", "phone"),
    ("appel", "phone"), ("courriel", "email"), ("par mail", "email"), ("messagerie", "chat"),
]  # fmt: skip
# Words that carry neither date nor method in sentences like "we met yesterday on zoom".
_FILLER = {
    "we", "i", "met", "meet", "had", "have", "a", "an", "the", "on", "via", "by", "over", "with", "my",
    "mentor", "mentee", "talked", "spoke", "speak", "talk", "did", "and", "at", "for", "session",
    "meeting", "catch", "up", "catchup", "quick", "long", "short", "good", "great", "nice", "it", "was",
    "мы", "я", "встретились", "встречались", "поговорили", "говорили", "общались", "с", "со", "по", "встреча",
    "біз", "мен", "кездестік", "сөйлестік", "nous", "s'est", "vus", "rencontrés", "parlé", "avons", "par",
}  # fmt: skip
_NOTE_SPLIT = re.compile(r"\s*(?:[,;:]|\s-\s|\s—\s|\babout\b)\s*", re.IGNORECASE)


@dataclass(frozen=True)
class PlainLog:
    """What a one-line `/log ...` said: any of these may be missing."""

    happened_on: dt.date | None
    method: str | None
    notes: str


def method_label(method: str) -> str:
    return _(METHODS.get(method, method))


def read_method(text: str) -> str | None:
    """The contact method named in `text`, or None ("met yesterday on zoom" -> "video")."""
    lowered = f" {text.lower()} "
    for phrase, method in _METHOD_WORDS:
        if re.search(rf"(?<![\w-]){re.escape(phrase)}(?![\w-])", lowered):
            return method
    return None


def _strip_method_and_filler(text: str) -> str:
    lowered = text.lower()
    for phrase, _method in _METHOD_WORDS:
        lowered = re.sub(rf"(?<![\w-]){re.escape(phrase)}(?![\w-])", " ", lowered)
    words = [w for w in re.split(r"\s+", lowered.strip(" .!?")) if w and w not in _FILLER]
    return " ".join(words)


def read_plain_log(text: str, zone: ZoneInfo, now: dt.datetime) -> PlainLog:
    """Pull the date, the method and any notes out of one sentence.

    "met yesterday on zoom, talked about my CV" -> yesterday, video, "talked about my CV". Notes start
    after the first comma, colon, dash or "about". A date that is there but unreadable, or in the
    future, is refused with an example (bot.core.dates); a missing date or method is left None.
    """
    head, *rest = _NOTE_SPLIT.split(text.strip(), maxsplit=1)
    notes = rest[0].strip() if rest else ""
    if rest and re.search(r"\babout\b", text, re.IGNORECASE) and not re.search(r"[,;:]|\s[-—]\s", text):
        notes = "about " + notes  # "met yesterday about my CV": keep the sentence readable
    method = read_method(head)
    date_words = _strip_method_and_filler(head)
    if not date_words:
        return PlainLog(None, method, notes)
    # "met at the cafe yesterday": the date is the longest run of words that reads as one.
    span = _date_span(date_words, zone, now) or date_words
    return PlainLog(parse_past_date(span, zone, now), method, notes)


def _date_span(words: str, zone: ZoneInfo, now: dt.datetime) -> str | None:
    parts = words.split()[:12]
    base = now.astimezone(zone).replace(tzinfo=None)
    settings = {"PREFER_DATES_FROM": "past", "RELATIVE_BASE": base, "DATE_ORDER": "DMY"}
    for size in range(len(parts), 0, -1):
        for start in range(len(parts) - size + 1):
            candidate = " ".join(parts[start : start + size])
            if dateparser.parse(candidate, languages=date_languages(), settings=settings) is not None:  # type: ignore[arg-type]
                return candidate
    return None


def before_start(day: dt.date, started_on: dt.date) -> str | None:
    """The refusal for a contact dated before the mentorship existed (None when the day is fine): the log
    counts the talks of the mentorship, from the day of the match on (in the person's own time zone); an
    earlier date is a talk before it, a misread ('12 March' meaning next March) or a slip."""
    if day >= started_on:
        return None
    return fmt(
        _("{day} is before your mentorship began on {start}. Log the talks you've had since, e.g. 'yesterday'."),
        day=date_text(day),
        start=date_text(started_on),
    )


async def record_contact(
    session: AsyncSession,
    pair: Pair,
    *,
    author_id: int | None,
    happened_on: dt.date,
    method: str,
    notes: str = "",
    private: bool = False,
    source: str = "log",
    now: dt.datetime,
) -> ContactLog:
    """Add one contact to the pair's log and keep `pair.last_contact_at` on the latest one."""
    if pair.status == "ended":
        raise Refusal(_("That mentorship has ended, so there is nothing more to log for it."))
    if method not in METHODS:
        raise Refusal(_("Please choose how you met: video, phone, in person, e-mail or chat."))
    first = await contact_count(session, pair.id) == 0
    entry = ContactLog(
        pair_id=pair.id,
        author_id=author_id,
        happened_on=happened_on,
        method=method,
        notes=notes.strip(),
        private=private and bool(notes.strip()),
        source=source,
        created_at=now,
    )
    session.add(entry)
    # The moment of a contact is its day; midday UTC keeps "which day" stable in every time zone near it.
    moment = dt.datetime.combine(happened_on, dt.time(12, 0), tzinfo=dt.UTC)
    if pair.last_contact_at is None or moment > pair.last_contact_at:
        pair.last_contact_at = moment
    await session.flush()
    if first and pair.fit_confirmed is None:
        await _ask_fit(session, pair, now)
    return entry


async def already_logged(session: AsyncSession, pair: Pair, author: User, happened_on: dt.date, method: str) -> bool:
    """Whether the person logged a talk that day in that way already (the same talk sent twice)."""
    found = await session.scalar(
        select(ContactLog.id)
        .where(
            ContactLog.pair_id == pair.id,
            ContactLog.author_id == author.id,
            ContactLog.happened_on == happened_on,
            ContactLog.method == method,
        )
        .limit(1)
    )
    return found is not None


async def contact_count(session: AsyncSession, pair_id: int) -> int:
    return int(await session.scalar(select(func.count(ContactLog.id)).where(ContactLog.pair_id == pair_id)) or 0)


async def history(session: AsyncSession, pair: Pair, viewer: User, *, limit: int = 20) -> list[ContactLog]:
    """The pair's contacts, newest first. Private notes are blanked for everyone but their author
    (the rows are detached copies, so nothing is written back)."""
    rows = list(
        await session.scalars(
            select(ContactLog)
            .where(ContactLog.pair_id == pair.id)
            .order_by(ContactLog.happened_on.desc(), ContactLog.id.desc())
            .limit(limit)
        )
    )
    shown = []
    for logged in rows:
        hidden = logged.private and logged.author_id != viewer.id
        shown.append(
            ContactLog(
                id=logged.id,
                pair_id=logged.pair_id,
                author_id=logged.author_id,
                happened_on=logged.happened_on,
                method=logged.method,
                notes="" if hidden else logged.notes,
                private=logged.private,
                source=logged.source,
                created_at=logged.created_at,
            )
        )
    return shown


# --- is this a good fit? ------------------------------------------------------------------------------


@dataclass(frozen=True)
class FitQuestion(Outcome):
    """After a pair's very first contact, each side is asked whether `other` is a good fit for them."""

    pair: Pair
    other: User


@dataclass(frozen=True)
class FitConfirmed(Outcome):
    """The person said `other` is a good fit: what comes next (goals, logging talks)."""

    other: User


async def _ask_fit(session: AsyncSession, pair: Pair, now: dt.datetime) -> None:
    mentor = await session.get(User, pair.mentor_id)
    mentee = await session.get(User, pair.mentee_id)
    if mentor is None or mentee is None:
        return
    queue_message(session, now, FitQuestion(pair, mentee), user_id=mentor.id)
    queue_message(session, now, FitQuestion(pair, mentor), user_id=mentee.id)


async def fit_pair(session: AsyncSession, user: User, pair_id: str) -> Pair:
    """The person's mentorship a fit answer is about, while it is open."""
    pair = await pair_for(session, user, pair_id)
    if pair.status == "ended":
        raise Refusal(_("That mentorship has already ended. Nothing was changed."))
    return pair


async def confirm_fit(session: AsyncSession, user: User, pair_id: str) -> FitConfirmed:
    """'Yes, a good fit': the first answer is kept (a later 'yes' from the other side changes nothing)."""
    pair = await fit_pair(session, user, pair_id)
    if pair.fit_confirmed is None:
        pair.fit_confirmed = True
    other = await session.get(User, pair.mentee_id if user.id == pair.mentor_id else pair.mentor_id)
    if other is None:
        raise Refusal(_("I couldn't find that person; they may have left the programme."))
    return FitConfirmed(other)


async def end_poor_fit(
    session: AsyncSession, user: User, pair_id: str, now: dt.datetime, programme: Programme
) -> YouEnded:
    """'Not really', confirmed: the mentorship ends kindly as not the right fit (both and staff are told)."""
    pair = await fit_pair(session, user, pair_id)
    pair.fit_confirmed = False
    await ending.end_pair(
        session,
        pair,
        by=user,
        reason="chemistry",
        note=_("Not a good fit after the first conversation."),
        now=now,
        programme=programme,
    )
    return await ending.ended_by(session, pair, user, programme)


# --- this capability's part of a person's copy of their data ----------------------------------


@registry.pair_export("contacts", covers=(ContactLog,))
async def _contacts(session: AsyncSession, pair: Pair, user: User) -> list[dict[str, Any]]:
    return [row(c) for c in await history(session, pair, user, limit=10_000)]
