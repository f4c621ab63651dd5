"""Recognising the most active mentors: who did the most for their students over a period, and why.

The score is deliberately simple so staff can explain it to anyone who asks:

- 1 point per contact logged with a mentee (one per pair, day and way, however many sides logged it);
- 2 points per student mentored during the period;
- 2 points per thank-you note received;
- up to 2 points for answering requests quickly (a typical answer within a day: 2; within three days: 1);
- survey ratings: (average "overall" rating - 3) x 2, so 5/5 adds 4 and 1/5 takes 4 away. A rating counts
  only once at least two students rated the mentor, so no single student's answer can be read off it.

Only approved mentors are ranked; a mentor with nothing in the period is left out.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, and_, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.daytime import add_months
from bot.core.errors import Refusal
from bot.core.markup import fmt
from bot.core.payloads import id_in
from bot.i18n import _, ngettext
from bot.programme import Programme
from bot.services import audit
from bot.services.certificates import CertificateFacts
from storage.models import (
    ContactLog,
    MentorProfile,
    MentorshipRequest,
    Notice,
    Pair,
    SurveyResponse,
    ThankYouNote,
    User,
)

RATING_QUESTION = "overall"
MIN_RATINGS = 2  # fewer than this and an average would be one student's answer
DAY_HOURS = 24.0
CERTIFICATE_KIND = "certificate"


@dataclass(frozen=True)
class Period:
    """A stretch of time [start, end) the ranking looks at; `key` names its cycle for certificates."""

    start: dt.datetime
    end: dt.datetime
    key: str

    def label(self) -> str:
        """'July – December 2026' for a cycle; the months it spans, by name."""
        last = self.end - dt.timedelta(seconds=1)
        if (self.start.year, self.start.month) == (last.year, last.month):
            return f"{self.start:%B %Y}"
        if self.start.year == last.year:
            return f"{self.start:%B} – {last:%B %Y}"
        return f"{self.start:%B %Y} – {last:%B %Y}"


def cycle_key(moment: dt.datetime, cycle_months: int) -> str:
    """The programme cycle a moment falls in, as blocks of `cycle_months` counted from year 0:
    '2026-07' is the six-month cycle July–December 2026. One certificate per mentor per cycle."""
    index = (moment.year * 12 + moment.month - 1) // cycle_months * cycle_months
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def months_of(period: Period) -> int:
    return (period.end.year - period.start.year) * 12 + period.end.month - period.start.month


def current_period(now: dt.datetime, programme: Programme) -> Period:
    """The cycle `now` falls in, whole (July–December 2026 for a six-month programme): what a mentor did since
    it began counts, however long ago that was, and a certificate names the same months."""
    key = cycle_key(now, programme.cycle_months)
    start = dt.datetime(int(key[:4]), int(key[5:]), 1, tzinfo=dt.UTC)
    return Period(start, add_months(start, programme.cycle_months), key)


@dataclass
class MentorActivity:
    user_id: int
    name: str
    contacts: int = 0
    mentees: int = 0
    thanks: int = 0
    ratings: list[float] | None = None
    answer_hours: list[float] | None = None
    unanswered: int = 0  # requests that expired without an answer in the period

    @property
    def rating(self) -> float | None:
        """The average "overall" rating, only when enough students rated the mentor."""
        if not self.ratings or len(self.ratings) < MIN_RATINGS:
            return None
        return round(statistics.fmean(self.ratings), 1)

    @property
    def typical_answer_hours(self) -> float | None:
        return statistics.median(self.answer_hours) if self.answer_hours else None

    @property
    def speed_points(self) -> int:
        hours = self.typical_answer_hours
        if hours is None:
            return 0
        return 2 if hours <= DAY_HOURS else 1 if hours <= 3 * DAY_HOURS else 0

    @property
    def score(self) -> float:
        rating = self.rating
        rating_points = (rating - 3) * 2 if rating is not None else 0.0
        return round(self.contacts + 2 * self.mentees + 2 * self.thanks + self.speed_points + rating_points, 1)

    @property
    def has_activity(self) -> bool:
        return bool(self.contacts or self.mentees or self.thanks)

    def explain(self) -> str:
        """'12 contacts with 2 students, answers within a day, rated 4.8/5, 1 thank-you note' (plain text)."""
        parts = [
            ngettext("{n} contact", "{n} contacts", self.contacts).format(n=self.contacts)
            + " "
            + ngettext("with {m} student", "with {m} students", self.mentees).format(m=self.mentees)
        ]
        speed = self._speed_words()
        if speed:
            parts.append(speed)
        if self.rating is not None:
            parts.append(_("rated {r}/5").format(r=f"{self.rating:g}"))
        elif self.ratings:
            parts.append(_("1 rating (not shown alone)"))
        if self.thanks:
            parts.append(ngettext("{n} thank-you note", "{n} thank-you notes", self.thanks).format(n=self.thanks))
        return ", ".join(parts)

    def _speed_words(self) -> str:
        hours = self.typical_answer_hours
        if hours is None:
            return _("no requests answered") if self.unanswered else ""
        if hours <= DAY_HOURS:
            words = _("answers within a day")
        else:
            days = int(-(-hours // DAY_HOURS))  # rounded up: 30 hours reads "within 2 days"
            words = _("answers within {n} days").format(n=days)
        if self.unanswered:
            words += ngettext(
                " ({n} request left unanswered)", " ({n} requests left unanswered)", self.unanswered
            ).format(n=self.unanswered)
        return words


async def mentor_activity(session: AsyncSession, period: Period, *, only: int | None = None) -> list[MentorActivity]:
    """Every approved mentor with something to show in the period (or just the one `only` names),
    most active first."""
    scope = select(MentorProfile.user_id).where(MentorProfile.status == "approved")
    if only is not None:
        scope = scope.where(MentorProfile.user_id == only)
    # The mentors are selected by a subquery, not a list of ids, so a large programme fits any database.
    mentors = {
        row.id: MentorActivity(row.id, row.name)
        for row in await session.execute(select(User.id, User.name).where(User.id.in_(scope)))
    }
    if not mentors:
        return []
    for collect in (_count_mentees, _count_contacts, _count_thanks, _collect_ratings, _collect_answer_times):
        await collect(session, period, mentors, scope)
    ranked = [m for m in mentors.values() if m.has_activity]
    ranked.sort(key=lambda m: (-m.score, -m.contacts, m.name.casefold(), m.user_id))
    return ranked


def _overlapping(period: Period):  # type: ignore[no-untyped-def]
    """Pairs that existed at some moment of the period."""
    return and_(Pair.created_at < period.end, or_(Pair.ended_at.is_(None), Pair.ended_at >= period.start))


async def _count_mentees(
    session: AsyncSession, period: Period, mentors: dict[int, MentorActivity], scope: Select[Any]
) -> None:
    students: dict[int, set[int]] = defaultdict(set)
    for mentor_id, mentee_id in await session.execute(
        select(Pair.mentor_id, Pair.mentee_id).where(_overlapping(period), Pair.mentor_id.in_(scope))
    ):
        students[mentor_id].add(mentee_id)
    for mentor_id, mentees in students.items():
        mentors[mentor_id].mentees = len(mentees)


async def _count_contacts(
    session: AsyncSession, period: Period, mentors: dict[int, MentorActivity], scope: Select[Any]
) -> None:
    # Both sides may log the same talk: one pair, one day, one way counts once. A mentorship that runs in
    # this cycle counts its contacts from before the cycle began too, up to a cycle back: a pair that started
    # in May keeps its first talks in a ranking made in July.
    rows = await session.execute(
        select(Pair.mentor_id, ContactLog.pair_id, ContactLog.happened_on, ContactLog.method)
        .join(Pair, Pair.id == ContactLog.pair_id)
        .where(
            Pair.mentor_id.in_(scope),
            _overlapping(period),
            ContactLog.happened_on >= add_months(period.start, -months_of(period)).date(),
            ContactLog.happened_on < period.end.date(),
        )
        .distinct()
    )
    for row in rows:
        mentors[row.mentor_id].contacts += 1


async def _count_thanks(
    session: AsyncSession, period: Period, mentors: dict[int, MentorActivity], scope: Select[Any]
) -> None:
    for (recipient,) in await session.execute(
        select(ThankYouNote.recipient_id).where(
            ThankYouNote.recipient_id.in_(scope),
            ThankYouNote.created_at >= period.start,
            ThankYouNote.created_at < period.end,
        )
    ):
        if recipient in mentors:
            mentors[recipient].thanks += 1


async def _collect_ratings(
    session: AsyncSession, period: Period, mentors: dict[int, MentorActivity], scope: Select[Any]
) -> None:
    """The students' "overall" answers about their mentor (their mentor's own answers are not about them)."""
    for mentor_id, answers in await session.execute(
        select(Pair.mentor_id, SurveyResponse.answers)
        .join(Pair, Pair.id == SurveyResponse.pair_id)
        .where(
            Pair.mentor_id.in_(scope),
            SurveyResponse.role == "mentee",
            SurveyResponse.submitted_at >= period.start,
            SurveyResponse.submitted_at < period.end,
        )
    ):
        value = _rating(answers.get(RATING_QUESTION) if isinstance(answers, dict) else None)
        if value is not None:
            mentors[mentor_id].ratings = [*(mentors[mentor_id].ratings or []), value]


def _rating(raw: object) -> float | None:
    try:
        value = float(str(raw))
    except ValueError:
        return None
    return value if 1 <= value <= 5 else None


async def _collect_answer_times(
    session: AsyncSession, period: Period, mentors: dict[int, MentorActivity], scope: Select[Any]
) -> None:
    rows = await session.execute(
        select(
            MentorshipRequest.mentor_id,
            MentorshipRequest.status,
            MentorshipRequest.created_at,
            MentorshipRequest.answered_at,
        ).where(
            MentorshipRequest.mentor_id.in_(scope),
            MentorshipRequest.status.in_(("accepted", "declined", "expired")),
            MentorshipRequest.created_at >= period.start,
            MentorshipRequest.created_at < period.end,
        )
    )
    for mentor_id, status, created, answered in rows:
        activity = mentors[mentor_id]
        if status == "expired" or answered is None:
            activity.unanswered += 1
            continue
        hours = max(0.0, (answered - created).total_seconds() / 3600)
        activity.answer_hours = [*(activity.answer_hours or []), hours]


# --- certificates: one per mentor per cycle --------------------------------------------------------


def certificate_key(mentor_id: int, period_key: str) -> str:
    return f"cert:{mentor_id}:{period_key}"


async def certificates_sent(session: AsyncSession, period_key: str) -> dict[int, dt.datetime]:
    """Mentors who already received this cycle's certificate, with when."""
    rows = await session.execute(
        select(Notice.user_id, Notice.created_at).where(
            Notice.kind == CERTIFICATE_KIND, Notice.key.like(f"cert:%:{period_key}")
        )
    )
    return {row.user_id: row.created_at for row in rows if row.user_id is not None}


async def certificate_mentor(session: AsyncSession, payload: str) -> tuple[User, MentorProfile]:
    """The mentor a "Send certificate" button names, re-checked: an approved mentor who has mentored."""
    not_found = _("I couldn't find that mentor among the approved ones. /top shows the current list.")
    wanted = id_in(payload, not_found)
    user = await session.get(User, wanted)
    profile = await session.get(MentorProfile, wanted) if user is not None else None
    if user is None or profile is None or profile.status != "approved":
        raise Refusal(not_found)
    mentored = await session.scalar(select(Pair.id).where(Pair.mentor_id == user.id).limit(1))
    if mentored is None:
        raise Refusal(
            fmt(
                _("{name} hasn't mentored anyone yet, so there's nothing to certify. /top shows the list."),
                name=user.name,
            )
        )
    return user, profile


async def require_no_certificate_yet(session: AsyncSession, mentor: User, period: Period) -> None:
    """Refuse kindly when the mentor already has this cycle's certificate."""
    sent = await session.scalar(select(Notice).where(Notice.key == certificate_key(mentor.id, period.key)))
    if sent is not None:
        raise Refusal(
            fmt(
                _("{name} already received this cycle's certificate on {day}. One per cycle is enough."),
                name=mentor.name,
                day=f"{sent.created_at:%d %b %Y}",
            )
        )


async def certificate_facts(session: AsyncSession, mentor: User, period: Period, now: dt.datetime) -> CertificateFacts:
    """What the mentor's certificate for this cycle says: their students and contacts in it."""
    activity = await mentor_activity(session, period, only=mentor.id)
    students, contacts = (activity[0].mentees, activity[0].contacts) if activity else (0, 0)
    return CertificateFacts(mentor.name, period.label(), period.key, students, contacts, now.date())


async def record_certificate(
    session: AsyncSession, mentor: User, period: Period, *, now: dt.datetime, by: User
) -> Notice:
    """Note the certificate as sent for this cycle; refuse kindly when it already was."""
    key = certificate_key(mentor.id, period.key)
    await require_no_certificate_yet(session, mentor, period)
    notice = Notice(
        key=key,
        kind=CERTIFICATE_KIND,
        user_id=mentor.id,
        data={"period": period.key, "by": by.id},
        created_at=now,
    )
    try:
        async with session.begin_nested():  # two staff pressing at once: the unique key lets one through
            session.add(notice)
    except IntegrityError:
        raise Refusal(
            fmt(_("{name} has just been sent this cycle's certificate. One per cycle is enough."), name=mentor.name)
        ) from None
    await audit.record(session, by, "certificate", now, subject=mentor, detail=period.label())
    return notice
