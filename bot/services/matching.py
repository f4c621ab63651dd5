"""Which mentors fit a mentee best, why (one line), and how responsive each one is.

Only approved, active mentors with a free place are offered; never the mentee's current mentor. The score
counts what the two share: areas and topics wanted vs offered, industry, programme of study, languages
and country. Ties go to the more responsive mentor, then to the one with more free places.
"""

from __future__ import annotations

import datetime as dt
import functools
import statistics
import typing
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import numpy.typing as npt
from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    ScalarSelect,
    Select,
    String,
    and_,
    bindparam,
    cast,
    func,
    literal,
    or_,
    select,
    true,
    union_all,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.markup import fmt
from bot.core.policy import YES, Decision, no
from bot.i18n import _, ngettext
from bot.programme import Programme
from bot.services.mentor_pool import (
    Pool,
    Positions,
    area_keys,
    country_key,
    current_pool,
    keep_pool_stamp,
    offered,
    pool_stamp,
    programme_words,
    topic_keys,
)
from bot.services.pairs import OPEN_PAIRS_ORDER, keep_open_pairs, open_pair_of, open_pairs_by_id
from bot.services.profiles import keep_mentee_profile, mentee_profile_of, read_mentor_profile
from storage.models import ContactLog, GoalNote, MenteeProfile, MentorProfile, MentorshipRequest, Pair, User
from storage.reads import keep, once

# Weights: what a student came for (areas, topics) counts most; shared background helps; no shared
# language makes a conversation hard, so it pushes a mentor down without hiding them.
AREA_POINTS = 3
TOPIC_POINTS = 2
INDUSTRY_POINTS = 3
PROGRAMME_POINTS = 1
LANGUAGE_POINTS = 1
NO_LANGUAGE_PENALTY = 4
COUNTRY_POINTS = 1

RECENT_ANSWERS = 10  # the answer-time median looks at a mentor's latest answers only
NOT_BY_CHOICE = ("full", "left")  # decline reasons recorded for the mentor, not chosen by them


# --- who pairs mentees with mentors: the programme's `matching` --------------------------------------


def students_may_ask(programme: Programme) -> Decision:
    """Do students choose a mentor and ask them (Interested) in this programme? Not where the office matches
    ("staff_match"): students read the mentors' profiles, and their own is with the office."""
    if programme.matching == "staff_match":
        return no(
            fmt(
                _(
                    "In this programme {office} matches each student with a mentor, and your profile is with them: "
                    "they will tell you here. You can read the mentors' profiles meanwhile."
                ),
                office=programme.office,
            )
        )
    return YES


def staff_may_match(programme: Programme) -> Decision:
    """May the career team pair a student with a mentor themselves? Not where students choose their mentor
    ("mentee_chooses"): staff help them choose instead."""
    if programme.matching == "mentee_chooses":
        return no(
            _(
                "In this programme students choose their mentor themselves, so there is no matching to do here; "
                "you can help a student choose, for example by pointing them to /mentors."
            )
        )
    return YES


@dataclass(frozen=True)
class Match:
    mentor: User
    profile: MentorProfile
    score: int
    reason: str  # markup, one line
    responsiveness: str  # plain words, may be ""


async def read_before_ranking(session: AsyncSession, student_id: int, now: dt.datetime, programme: Programme) -> None:
    """What a browse page asks of the database before it ranks, in one round trip instead of four: the
    student's profile, their open mentorships, the mentor pool's stamp and what they have asked of mentors
    lately (`asked_lately`). Each is kept for the policy that asks for it next (storage.reads.keep), so the
    page's answer is what these reads alone would have given. `now` dates the re-ask window, as for
    `asked_lately`."""
    params = {"student": student_id, "mentee": student_id, "since": _reask_since(now, programme)}
    rows = (await session.execute(_before_ranking_statement(), params)).all()
    if not rows:
        return  # no such person: nothing to keep, each policy reads (and refuses) for itself
    keep_mentee_profile(session, student_id, rows[0][1])
    # Each open mentorship comes once per asked row beside it (and each asked row once per mentorship).
    keep_open_pairs(session, student_id, list(dict.fromkeys(row[2] for row in rows if row[2] is not None)))
    keep_pool_stamp(session, rows[0][0])
    keep(session, _asked_key(student_id, now, programme), _asked_from(dict.fromkeys(tuple(row[3:]) for row in rows)))


@functools.cache
def _before_ranking_statement() -> Select[typing.Any]:
    """`read_before_ranking`'s statement, built once; its parameters: the student's id ("student", and again
    as "mentee") and the re-ask window's start ("since"), as for `_asked_statement`. The asked rows join every
    row of the student's: a student has a mentorship or two at most and asks a handful, so the product stays
    small, and it saves the round trip a read of their own would cost."""
    student = bindparam("student", type_=User.id.type)
    asked = _asked_statement().subquery("asked")
    return (
        select(pool_stamp(), MenteeProfile, Pair, *asked.c)
        .select_from(User)
        .outerjoin(MenteeProfile, MenteeProfile.user_id == User.id)
        .outerjoin(Pair, open_pair_of(User.id))
        .outerjoin(asked, true())
        .where(User.id == student)
        .order_by(*OPEN_PAIRS_ORDER)
    )


async def current_mentor_ids(session: AsyncSession, mentee_id: int) -> set[int]:
    return {pair.mentor_id for pair in await open_pairs_by_id(session, mentee_id) if pair.mentee_id == mentee_id}


@dataclass(frozen=True)
class Asked:
    """What a student has asked of mentors lately, as one read gives it: the mentors who said no by their own
    choice within the re-ask window, with when (`mentors_who_said_no`), and the requests still waiting for an
    answer, mentor id to request id, oldest first (what the request policy counts and names)."""

    said_no: dict[int, dt.datetime]
    waiting: dict[int, int]


async def asked_lately(session: AsyncSession, mentee_id: int, now: dt.datetime, programme: Programme) -> Asked:
    """`Asked` for this student now. Read once per transaction until it writes (storage.reads): ranking and
    the request policy both ask, and one statement answers both (each round trip costs more than the rows)."""
    key = _asked_key(mentee_id, now, programme)
    return await once(session, key, lambda: _asked(session, mentee_id, now, programme))


def _asked_key(mentee_id: int, now: dt.datetime, programme: Programme) -> tuple[object, ...]:
    return ("asked", mentee_id, now, programme.reask_after_days)


def _reask_since(now: dt.datetime, programme: Programme) -> dt.datetime:
    return now - dt.timedelta(days=programme.reask_after_days)


async def mentors_who_said_no(
    session: AsyncSession, mentee_id: int, now: dt.datetime, programme: Programme
) -> dict[int, dt.datetime]:
    """Mentors who said no to this student by their own choice (declined their request, or ended their
    mentorship as not the right fit) within the programme's `reask_after_days`, with when they said it:
    the busy alumna isn't asked twice."""
    return dict((await asked_lately(session, mentee_id, now, programme)).said_no)


async def _asked(session: AsyncSession, mentee_id: int, now: dt.datetime, programme: Programme) -> Asked:
    # Through the connection, not the ORM: rows of columns need none of it, and it halves the statement's CPU.
    params = {"mentee": mentee_id, "since": _reask_since(now, programme)}
    asked = await (await session.connection()).execute(_asked_statement(), params)
    return _asked_from(asked.all())


def _asked_from(rows: Iterable[Sequence[typing.Any]]) -> Asked:
    """`Asked` from `_asked_statement`'s rows (kind, mentor id, moment, row id); a row of NULLs (no row to
    join, in `read_before_ranking`) says nothing."""
    found: dict[int, dt.datetime] = {}
    pending: list[tuple[dt.datetime, int, int]] = []
    for kind, mentor, moment_read, row_id in rows:
        moment = _aware(moment_read)
        if moment is None or mentor is None:
            continue
        if kind == "waiting":
            pending.append((moment, int(row_id), int(mentor)))
        elif int(mentor) not in found or moment > found[int(mentor)]:
            found[int(mentor)] = moment
    return Asked(found, {mentor_id: request_id for _moment, request_id, mentor_id in sorted(pending)})


@functools.cache
def _asked_statement() -> CompoundSelect:
    """`_asked`'s one statement, built once: putting it together again for every card cost more CPU than
    the database took to answer it. Its parameters: the student ("mentee"), the re-ask window's start ("since")."""
    mentee = bindparam("mentee", type_=MentorshipRequest.mentee_id.type)
    since = bindparam("since", type_=MentorshipRequest.answered_at.type)  # an aware moment, as the columns keep
    declined = select(
        literal("no").label("kind"),
        MentorshipRequest.mentor_id.label("mentor_id"),
        MentorshipRequest.answered_at.label("moment"),
        MentorshipRequest.id.label("row_id"),
    ).where(
        MentorshipRequest.mentee_id == mentee,
        MentorshipRequest.status == "declined",
        MentorshipRequest.reason.not_in(NOT_BY_CHOICE),
        MentorshipRequest.answered_at >= since,
    )
    ended = select(literal("no"), Pair.mentor_id, Pair.ended_at, Pair.id).where(
        Pair.mentee_id == mentee,
        Pair.status == "ended",
        # The mentor ended it for the fit, or staff closed a silent mentorship to find the student another.
        or_(and_(Pair.ended_by == Pair.mentor_id, Pair.end_reason == "chemistry"), Pair.end_reason == "rematch"),
        Pair.ended_at >= since,
    )
    waiting = select(
        literal("waiting"), MentorshipRequest.mentor_id, MentorshipRequest.created_at, MentorshipRequest.id
    ).where(MentorshipRequest.mentee_id == mentee, MentorshipRequest.status == "pending")
    return union_all(declined, ended, waiting)


class Offer(Protocol):
    """What a mentor's profile offers, as the score reads it: a MentorProfile, or the same columns read as a row."""

    areas: list[str]
    industry: str
    programme_of_study: str
    languages: list[str]
    country: str


def _offered(area: str | None, industry: str | None) -> list[ColumnElement[bool]]:
    """Approved, active mentors with a free place, optionally in an industry and (roughly, in SQL) offering an
    area: the JSON list's text names the key or one of its topics. `_offers_area` makes it exact."""
    conditions = offered()
    if industry:
        conditions.append(MentorProfile.industry == industry)
    if area:
        text = cast(MentorProfile.areas, String)
        # LIKE's "_" matches any one character, so this may let a few too many through, never too few.
        conditions.append(or_(text.like(f'%"{area}"%'), text.like(f'%"{area}.%')))
    return conditions


def _offers_area(profile: Offer, area: str | None) -> bool:
    return not area or area in area_keys(profile.areas)


async def available_mentors(
    session: AsyncSession, *, area: str | None = None, industry: str | None = None
) -> list[tuple[User, MentorProfile]]:
    """Approved, active mentors with a free place, optionally offering an area / in an industry."""
    query = (
        select(User, MentorProfile)
        .join(MentorProfile, MentorProfile.user_id == User.id)
        .where(*_offered(area, industry))
    )
    return [(user, profile) for user, profile in (await session.execute(query)).all() if _offers_area(profile, area)]


@dataclass(frozen=True)
class Ranking:
    """The mentors a mentee could approach, best first, as ids: a page turns only its own into Matches."""

    wanted: MenteeProfile | None
    mentor_ids: list[int]

    def __len__(self) -> int:
        return len(self.mentor_ids)


async def rank_mentors(
    session: AsyncSession,
    mentee: User,
    programme: Programme,
    *,
    exclude_ids: Iterable[int] = (),
    area: str | None = None,
    industry: str | None = None,
    now: dt.datetime,
) -> Ranking:
    """The order of every mentor a mentee could approach now, scored through the mentor pool (read from the
    database only when its stamp has moved): no rendered text, no history, no per-mentor query. `now` is the
    caller's clock (never the wall clock: the terminal's /clock moves it): it dates the "asked again" window."""
    wanted = await mentee_profile_of(session, mentee.id)
    excluded = set(exclude_ids) | await current_mentor_ids(session, mentee.id) | {mentee.id}
    excluded |= set(await mentors_who_said_no(session, mentee.id, now, programme))
    wants = Wants.of(wanted) if wanted is not None else None
    pool = await current_pool(session)
    allowed = np.zeros(len(pool), dtype=bool)
    allowed[pool.by_area.get(area, _NOBODY) if area else slice(None)] = True
    if industry:
        allowed &= _member(pool, pool.by_industry.get(industry, _NOBODY))
    allowed[[pool.position_of[i] for i in excluded if i in pool.position_of]] = False
    candidates = np.flatnonzero(allowed)
    if wants is not None:
        # The pool is already in the order that breaks ties; a stable sort by points, most first, keeps
        # equal points in the pool's order and gives the full order.
        candidates = candidates[np.argsort(-pool_points(pool, wants)[candidates], kind="stable")]
    return Ranking(wanted, pool.ids[candidates].tolist())


_NOBODY: Positions = np.zeros(0, dtype=np.intp)


def _member(pool: Pool, positions: Positions) -> npt.NDArray[np.bool_]:
    """The pool's positions as a mask: True where a position is among `positions`."""
    mask = np.zeros(len(pool), dtype=bool)
    mask[positions] = True
    return mask


async def matches_in(
    session: AsyncSession, ranking: Ranking, programme: Programme, start: int, stop: int, *, now: dt.datetime
) -> list[Match]:
    """The Matches of ranks start..stop-1: their profiles, reasons and responsiveness, read for them only.
    `now` dates "active this week"."""
    ids = ranking.mentor_ids[start:stop]
    if not ids:
        return []
    # Each round trip costs more than the card's own work (on PostgreSQL especially), so the mentors' signs
    # of life come in the same read, and the profiles, read fresh, are kept for the request policy to reuse.
    rows = await session.execute(_cards_statement(), {"ids": ids})
    found = {row[0].id: row for row in rows.all()}
    matches = []
    for mentor_id in ids:
        if mentor_id not in found:
            continue
        user, profile, *signs = found[mentor_id]
        read_mentor_profile(session, profile)
        score, reason = score_mentor(profile, ranking.wanted, programme)
        # The answer time kept on the profile: note_answer refreshes it at every accept and decline.
        responsiveness = describe_responsiveness(profile.answer_days, latest_sign(profile, signs), now)
        matches.append(Match(user, profile, score, reason, responsiveness))
    return matches


async def best_mentors_for(
    session: AsyncSession,
    mentee: User,
    programme: Programme,
    *,
    exclude_ids: Iterable[int] = (),
    area: str | None = None,
    industry: str | None = None,
    limit: int | None = None,
    now: dt.datetime,
) -> list[Match]:
    """The mentors a mentee could approach now, best matches first (the first `limit` of them)."""
    ranking = await rank_mentors(
        session, mentee, programme, exclude_ids=exclude_ids, area=area, industry=industry, now=now
    )
    return await matches_in(session, ranking, programme, 0, len(ranking) if limit is None else limit, now=now)


@dataclass(frozen=True)
class Wants:
    """A mentee's profile as the score compares it, worked out once for all the mentors it is compared with."""

    areas: frozenset[str]
    topics: frozenset[str]
    industries: frozenset[str]
    programme_words: frozenset[str]
    languages: frozenset[str]
    country: str | None  # stripped, lower case; None when not given

    @classmethod
    def of(cls, wanted: MenteeProfile) -> Wants:
        return cls(
            frozenset(area_keys(wanted.areas)),
            frozenset(topic_keys(wanted.areas)),
            frozenset(wanted.industries or []),
            programme_words(wanted.programme_of_study),
            frozenset(wanted.languages or []),
            country_key(wanted.country),
        )


@dataclass(frozen=True)
class Fit:
    """What a mentor and a mentee share, and the points it is worth; the reason line names the same things."""

    score: int
    areas: frozenset[str]
    topics: frozenset[str]
    industry: bool
    programme: bool
    country: bool


def fit(profile: Offer, wants: Wants) -> Fit:
    """Points for what they share."""
    shared_areas = frozenset(area_keys(profile.areas)) & wants.areas
    shared_topics = frozenset(topic_keys(profile.areas)) & wants.topics
    score = AREA_POINTS * len(shared_areas) + TOPIC_POINTS * len(shared_topics)
    industry = bool(profile.industry) and profile.industry in wants.industries
    if industry:
        score += INDUSTRY_POINTS
    words = programme_words(profile.programme_of_study)
    same_programme = bool(words) and words == wants.programme_words
    if same_programme:
        score += PROGRAMME_POINTS
    if wants.languages & set(profile.languages or []):
        score += LANGUAGE_POINTS
    elif wants.languages and profile.languages:
        score -= NO_LANGUAGE_PENALTY
    country = wants.country is not None and country_key(profile.country) == wants.country
    if country:
        score += COUNTRY_POINTS
    return Fit(score, shared_areas, shared_topics, industry, same_programme, country)


def fit_score(profile: Offer, wants: Wants | None) -> int:
    """The points alone, for ordering: no text is made (a mentee without a profile shares nothing yet)."""
    return 0 if wants is None else fit(profile, wants).score


def pool_points(pool: Pool, wants: Wants) -> npt.NDArray[np.int32]:
    """`fit`'s points for every mentor of the pool at once, by position, added up through the pool's indexes:
    only the mentors sharing something are touched. The same weights and rules as `fit`, which stays the
    one that explains a card; tests/test_ranking_scale.py holds the two to the same order and score."""
    points = np.zeros(len(pool), dtype=np.int32)
    if wants.languages:
        points[pool.with_languages] -= NO_LANGUAGE_PENALTY
        sharing = np.zeros(len(pool), dtype=bool)  # a mask: sharing two languages counts once
        for language in wants.languages:
            sharing[pool.by_language.get(language, _NOBODY)] = True
        points[sharing] += NO_LANGUAGE_PENALTY + LANGUAGE_POINTS
    weighted: list[tuple[dict[typing.Any, Positions], Iterable[typing.Any], int]] = [
        (pool.by_area, wants.areas, AREA_POINTS),
        (pool.by_topic, wants.topics, TOPIC_POINTS),
        (pool.by_industry, wants.industries, INDUSTRY_POINTS),
        (pool.by_programme, [wants.programme_words] if wants.programme_words else [], PROGRAMME_POINTS),
        (pool.by_country, [wants.country] if wants.country is not None else [], COUNTRY_POINTS),
    ]
    for index, keys, worth in weighted:
        for key in keys:
            # An index holds each position once, so adding through it adds once per mentor.
            points[index.get(key, _NOBODY)] += worth
    return points


def score_mentor(profile: MentorProfile, wanted: MenteeProfile | None, programme: Programme) -> tuple[int, str]:
    """Points for what they share, and the one-line reason a mentee reads on the card (markup)."""
    if wanted is None:
        return 0, _offers_line(profile, programme)
    found = fit(profile, Wants.of(wanted))
    labels = programme.topic_labels
    offers = [labels[key] for key in sorted(found.topics) if key in labels]
    both = [profile.industry] if found.industry else []
    both += [labels[key] for key in sorted(found.areas) if key in labels and not _topic_covers(key, found.topics)]
    if found.programme:
        both.append(profile.programme_of_study)
    if found.country:
        both.append(profile.country)
    parts = []
    if both:
        parts.append(fmt(_("Both: {things}"), things=", ".join(both)))
    if offers:
        parts.append(fmt(_("offers {topics}"), topics=", ".join(offers)))
    if not parts:
        return found.score, _offers_line(profile, programme)
    line = "; ".join(parts)
    return found.score, line[0].upper() + line[1:]


def _topic_covers(area: str, topics: frozenset[str]) -> bool:
    """An area already named through one of its topics ('offers CV review') is not repeated."""
    return any(topic.startswith(area + ".") for topic in topics)


def _offers_line(profile: MentorProfile, programme: Programme) -> str:
    labels = [programme.topic_labels[k] for k in sorted(area_keys(profile.areas)) if k in programme.topic_labels]
    if not labels:
        return ""
    return fmt(_("Can help with {areas}"), areas=", ".join(labels))


# --- responsiveness --------------------------------------------------------------------------------


async def median_answer_days(session: AsyncSession, mentor_ids: list[int] | Select[int]) -> dict[int, float]:
    """Median days each mentor took to accept or decline their latest requests (the mentors given as ids, or
    as a query of ids: one read of history, however many mentors)."""
    if isinstance(mentor_ids, list) and not mentor_ids:
        return {}
    rows = await session.execute(
        select(MentorshipRequest.mentor_id, MentorshipRequest.created_at, MentorshipRequest.answered_at)
        .where(
            MentorshipRequest.mentor_id.in_(mentor_ids),
            MentorshipRequest.status.in_(("accepted", "declined")),
            MentorshipRequest.answered_at.is_not(None),
        )
        .order_by(MentorshipRequest.answered_at.desc())
    )
    waits: dict[int, list[float]] = {}
    for mentor_id, created, answered in rows.all():
        bucket = waits.setdefault(mentor_id, [])
        if answered is not None and len(bucket) < RECENT_ANSWERS:
            bucket.append(max(0.0, (answered - created).total_seconds() / 86400))
    return {mentor_id: statistics.median(days) for mentor_id, days in waits.items()}


async def note_answer(session: AsyncSession, mentor_id: int) -> None:
    """A mentor answered a request: their usual answer time on the profile follows (one mentor's history)."""
    await refresh_answer_days(session, [mentor_id])


async def refresh_answer_days(session: AsyncSession, mentor_ids: list[int] | Select[int]) -> None:
    """Put each mentor's median answer time on their profile (None until they have answered)."""
    days = await median_answer_days(session, mentor_ids)
    ids = mentor_ids if isinstance(mentor_ids, list) else list(await session.scalars(mentor_ids))
    if ids:
        await session.execute(
            update(MentorProfile), [{"user_id": mentor_id, "answer_days": days.get(mentor_id)} for mentor_id in ids]
        )


@functools.cache
def _cards_statement() -> Select[typing.Any]:
    """The shown mentors ("ids") with their profiles, read afresh, and their signs of life: built once, as
    `_asked_statement` is."""
    return (
        select(User, MentorProfile, *signs_of_life())
        .join(MentorProfile, MentorProfile.user_id == User.id)
        .where(User.id.in_(bindparam("ids", expanding=True)))
        .execution_options(populate_existing=True)
    )


def signs_of_life() -> list[ScalarSelect[typing.Any]]:
    """A mentor's latest signs of life recorded outside their profile, as columns beside a row of users:
    answering a request, logging a contact, commenting on a goal."""
    return [
        # Only the mentor's own answers: a request that expired unanswered or was withdrawn is no sign of life.
        select(func.max(MentorshipRequest.answered_at))
        .where(MentorshipRequest.mentor_id == User.id, MentorshipRequest.status.in_(("accepted", "declined")))
        .correlate(User)
        .scalar_subquery(),
        select(func.max(ContactLog.created_at))
        .where(ContactLog.author_id == User.id)
        .correlate(User)
        .scalar_subquery(),
        select(func.max(GoalNote.created_at)).where(GoalNote.author_id == User.id).correlate(User).scalar_subquery(),
    ]


def latest_sign(profile: MentorProfile, signs: Iterable[dt.datetime | str | None]) -> dt.datetime | None:
    """The latest sign of life: `signs_of_life` as read, or editing or confirming the profile."""
    moments = [profile.updated_at, profile.confirmed_at, *(_aware(moment) for moment in signs)]
    return max((moment for moment in moments if moment is not None), default=None)


def _aware(moment: dt.datetime | str | None) -> dt.datetime | None:
    """func.max() bypasses the column type on SQLite, so the zone may need putting back."""
    if moment is None:
        return None
    if isinstance(moment, str):
        moment = dt.datetime.fromisoformat(moment)
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def describe_responsiveness(answer_days: float | None, active_at: dt.datetime | None, now: dt.datetime) -> str:
    """'usually answers within 2 days · active this week' (plain text)."""
    parts = []
    if answer_days is not None:
        if answer_days <= 1:
            parts.append(_("usually answers within a day"))
        else:
            days = int(-(-answer_days // 1))  # whole days, rounded up
            parts.append(
                ngettext("usually answers within {n} day", "usually answers within {n} days", days).format(n=days)
            )
    if active_at is not None:
        idle = now - active_at
        if idle <= dt.timedelta(days=7):
            parts.append(_("active this week"))
        elif idle <= dt.timedelta(days=31):
            parts.append(_("active this month"))
    if answer_days is None and not parts:
        parts.append(_("new to the programme"))
    return " · ".join(parts)
