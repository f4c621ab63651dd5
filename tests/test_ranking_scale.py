"""The ranking on a generated programme of 2,000 mentors gives the same mentors, in the same order, with the
same reasons and responsiveness as the ranking did when it read every mentor and all their history on every
page: the copy of that ranking below (frozen, not to be changed with the live one) is the reference.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Iterable

import pytest
from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.app import Core
from bot.core.markup import fmt
from bot.demo_scale import generate
from bot.i18n import _, ngettext
from bot.programme import Programme
from bot.services import matching
from bot.services.capacity import free_places, with_free_place
from storage.models import ContactLog, GoalNote, MenteeProfile, MentorProfile, MentorshipRequest, Pair, User
from tests.test_requests import accept, add_mentor, add_student, send

NOW = dt.datetime(2026, 5, 20, 10, 0, tzinfo=dt.UTC)
MENTORS, STUDENTS = 2_000, 600


@pytest.fixture
async def programme_at_scale(core: Core) -> Core:
    async with core.sessions() as session, session.begin():
        made = await generate(session, core.programme, NOW, mentors=MENTORS, students=STUDENTS, seed=11)
    assert made is not None
    return core


def _live(matches: list[matching.Match]) -> list[tuple[int, int, str, str]]:
    return [(m.mentor.id, m.score, m.reason, m.responsiveness) for m in matches]


async def _students(session: AsyncSession) -> list[User]:
    """Several kinds of student: in a mentorship, with requests declined or waiting, and with none."""
    ids = [MENTORS + 1, MENTORS + 2, MENTORS + 3, MENTORS + 50, MENTORS + 100]
    ids += list(await session.scalars(select(Pair.mentee_id).order_by(Pair.id).limit(2)))
    declined = select(MentorshipRequest.mentee_id).where(MentorshipRequest.status == "declined")
    ids += list(await session.scalars(declined.order_by(MentorshipRequest.id).limit(2)))
    pending = select(MentorshipRequest.mentee_id).where(MentorshipRequest.status == "pending")
    ids += list(await session.scalars(pending.order_by(MentorshipRequest.id).limit(1)))
    return [user for uid in dict.fromkeys(ids) if (user := await session.get(User, uid)) is not None]


async def test_the_ranking_is_the_reference_ranking_for_every_student_and_filter(programme_at_scale: Core) -> None:
    core = programme_at_scale
    programme = core.programme
    filters = [(None, None), (programme.areas[0].key, None), (None, programme.industries[0])]
    filters.append((programme.areas[-1].key, programme.industries[1]))
    async with core.sessions() as session:
        students = await _students(session)
        assert len(students) >= 6
        for student in students:
            for area, industry in filters:
                expected = await reference_best_mentors_for(
                    session, student, programme, area=area, industry=industry, now=NOW
                )
                got = await matching.best_mentors_for(
                    session, student, programme, area=area, industry=industry, now=NOW
                )
                assert _live(got) == expected, (student.id, area, industry)
        # The whole list is long enough that the order really is tested, and responsiveness varies.
        everyone = await reference_best_mentors_for(session, students[0], programme, now=NOW)
        assert len(everyone) > 1_000
        assert len({line for _id, _s, _r, line in everyone}) > 5


async def test_a_page_and_the_excluded_mentors_follow_the_reference(programme_at_scale: Core) -> None:
    core = programme_at_scale
    async with core.sessions() as session:
        student = (await _students(session))[0]
        everyone = await reference_best_mentors_for(session, student, core.programme, now=NOW)
        skip = [everyone[0][0], everyone[3][0]]
        expected = await reference_best_mentors_for(session, student, core.programme, exclude_ids=skip, now=NOW)
        got = await matching.best_mentors_for(session, student, core.programme, exclude_ids=skip, limit=5, now=NOW)
        assert _live(got) == expected[:5]


async def test_each_card_a_student_pages_to_is_the_reference_mentor_at_that_place(programme_at_scale: Core) -> None:
    core = programme_at_scale
    area = core.programme.areas[1].key
    async with core.sessions() as session:
        for student in (await _students(session))[:3]:
            expected = await reference_best_mentors_for(session, student, core.programme, area=area, now=NOW)
            ranking = await matching.rank_mentors(session, student, core.programme, area=area, now=NOW)
            assert len(ranking) == len(expected)
            for index in (0, 1, 2, 17, len(expected) - 1):
                shown = await matching.matches_in(session, ranking, core.programme, index, index + 1, now=NOW)
                assert _live(shown) == [expected[index]]


async def test_a_mentor_who_answers_moves_ahead_of_an_unproven_one_at_once(core: Core, clock) -> None:  # type: ignore[no-untyped-def]
    """The answer time ranking reads is kept on the profile: it follows the answer in the same transaction."""
    slow = await add_mentor(core, "zed", full="Zed Answerer", capacity=3)
    await add_mentor(core, "amy", full="Amy Unproven", capacity=3)
    asking = await add_student(core, "bea")
    alex = await add_student(core, "alex")
    request = await send(core, asking, slow)
    clock.advance(dt.timedelta(hours=30))
    await accept(core, slow, request)
    async with core.sessions() as session:
        student = await session.get(User, alex)
        assert student is not None
        matches = await matching.best_mentors_for(session, student, core.programme, now=clock.now())
        expected = await reference_best_mentors_for(session, student, core.programme, now=clock.now())
    assert [m.mentor.name for m in matches] == ["Zed Answerer", "Amy Unproven"]
    assert _live(matches) == expected
    assert matches[0].responsiveness.startswith("usually answers within 2 days")


# --- the reference: the ranking as it was, copied unchanged -------------------------------------------

RECENT_ANSWERS = 10
NOT_BY_CHOICE = ("full", "left")
AREA_POINTS = 3
TOPIC_POINTS = 2
INDUSTRY_POINTS = 3
PROGRAMME_POINTS = 1
LANGUAGE_POINTS = 1
NO_LANGUAGE_PENALTY = 4
COUNTRY_POINTS = 1


def area_keys(keys: Iterable[str]) -> set[str]:
    """Top-level areas a key list covers: 'jobs.cv' counts as offering 'jobs' too."""
    return {key.split(".", 1)[0] for key in keys}


def topic_keys(keys: Iterable[str]) -> set[str]:
    return {key for key in keys if "." in key}


async def current_mentor_ids(session: AsyncSession, mentee_id: int) -> set[int]:
    rows = await session.scalars(select(Pair.mentor_id).where(Pair.mentee_id == mentee_id, Pair.status != "ended"))
    return set(rows)


async def mentors_who_said_no(
    session: AsyncSession, mentee_id: int, now: dt.datetime, programme: Programme
) -> dict[int, dt.datetime]:
    """Mentors who said no to this student by their own choice (declined their request, or ended their
    mentorship as not the right fit) within the programme's `reask_after_days`, with when they said it:
    the busy alumna isn't asked twice."""
    since = now - dt.timedelta(days=programme.reask_after_days)
    found: dict[int, dt.datetime] = {}
    declined = await session.execute(
        select(MentorshipRequest.mentor_id, MentorshipRequest.answered_at).where(
            MentorshipRequest.mentee_id == mentee_id,
            MentorshipRequest.status == "declined",
            MentorshipRequest.reason.not_in(NOT_BY_CHOICE),
            MentorshipRequest.answered_at >= since,
        )
    )
    ended = await session.execute(
        select(Pair.mentor_id, Pair.ended_at).where(
            Pair.mentee_id == mentee_id,
            Pair.status == "ended",
            # The mentor ended it for the fit, or staff closed a silent mentorship to find the student another.
            or_(and_(Pair.ended_by == Pair.mentor_id, Pair.end_reason == "chemistry"), Pair.end_reason == "rematch"),
            Pair.ended_at >= since,
        )
    )
    for mentor_id, moment in [*declined.all(), *ended.all()]:
        moment = _aware(moment)
        if moment is not None and (mentor_id not in found or moment > found[mentor_id]):
            found[mentor_id] = moment
    return found


async def available_mentors(
    session: AsyncSession, *, area: str | None = None, industry: str | None = None
) -> list[tuple[User, MentorProfile]]:
    """Approved, active mentors with a free place, optionally offering an area / in an industry."""
    query = (
        select(User, MentorProfile)
        .join(MentorProfile, MentorProfile.user_id == User.id)
        .where(
            MentorProfile.status == "approved",
            MentorProfile.active.is_(True),
            with_free_place(),
            User.role == "alumnus",
        )
    )
    if industry:
        query = query.where(MentorProfile.industry == industry)
    rows = [(user, profile) for user, profile in (await session.execute(query)).all()]
    if area:
        rows = [(user, profile) for user, profile in rows if area in area_keys(profile.areas)]
    return rows


async def reference_best_mentors_for(
    session: AsyncSession,
    mentee: User,
    programme: Programme,
    *,
    exclude_ids: Iterable[int] = (),
    area: str | None = None,
    industry: str | None = None,
    limit: int | None = None,
    now: dt.datetime,
) -> list[tuple[int, int, str, str]]:
    """The mentors a mentee could approach now, best matches first. `now` is the caller's clock (never the
    wall clock: the terminal's /clock moves it): it dates the "asked again" window and "active this week"."""
    wanted = await session.get(MenteeProfile, mentee.id)
    excluded = set(exclude_ids) | await current_mentor_ids(session, mentee.id) | {mentee.id}
    excluded |= set(await mentors_who_said_no(session, mentee.id, now, programme))
    candidates = [
        (user, profile)
        for user, profile in await available_mentors(session, area=area, industry=industry)
        if user.id not in excluded
    ]
    answer_days = await median_answer_days(session, [user.id for user, _p in candidates])
    last_active = await last_activity(session, [(user, profile) for user, profile in candidates])
    scored = []
    for user, profile in candidates:
        score, reason = score_mentor(profile, wanted, programme)
        days = answer_days.get(user.id)
        responsiveness = describe_responsiveness(days, last_active.get(user.id), now)
        free = free_places(profile)
        # Unknown answer time sorts after known ones: a new mentor is not presumed slow, just unproven.
        sort_key = (-score, days if days is not None else 99.0, -free, user.name.lower(), user.id)
        scored.append((sort_key, (user.id, score, reason, responsiveness)))
    scored.sort(key=lambda item: item[0])
    matches = [match for _key, match in scored]
    return matches[:limit] if limit is not None else matches


def score_mentor(profile: MentorProfile, wanted: MenteeProfile | None, programme: Programme) -> tuple[int, str]:
    """Points for what they share, and the one-line reason a mentee reads on the card (markup)."""
    if wanted is None:
        return 0, _offers_line(profile, programme)
    score = 0
    both: list[str] = []
    offers: list[str] = []
    labels = programme.topic_labels

    shared_areas = area_keys(wanted.areas) & area_keys(profile.areas)
    score += AREA_POINTS * len(shared_areas)
    shared_topics = topic_keys(wanted.areas) & topic_keys(profile.areas)
    score += TOPIC_POINTS * len(shared_topics)
    offers += [labels[key] for key in sorted(shared_topics) if key in labels]

    if profile.industry and profile.industry in (wanted.industries or []):
        score += INDUSTRY_POINTS
        both.append(profile.industry)
    both += [labels[key] for key in sorted(shared_areas) if key in labels and not _topic_covers(key, shared_topics)]

    if _same_programme(profile.programme_of_study, wanted.programme_of_study):
        score += PROGRAMME_POINTS
        both.append(profile.programme_of_study)

    languages = set(wanted.languages or []) & set(profile.languages or [])
    if languages:
        score += LANGUAGE_POINTS
    elif wanted.languages and profile.languages:
        score -= NO_LANGUAGE_PENALTY

    if profile.country and wanted.country and profile.country.strip().lower() == wanted.country.strip().lower():
        score += COUNTRY_POINTS
        both.append(profile.country)

    parts = []
    if both:
        parts.append(fmt(_("Both: {things}"), things=", ".join(both)))
    if offers:
        parts.append(fmt(_("offers {topics}"), topics=", ".join(offers)))
    if not parts:
        return score, _offers_line(profile, programme)
    line = "; ".join(parts)
    return score, line[0].upper() + line[1:]


def _topic_covers(area: str, topics: set[str]) -> bool:
    """An area already named through one of its topics ('offers CV review') is not repeated."""
    return any(topic.startswith(area + ".") for topic in topics)


def _same_programme(one: str, other: str) -> bool:
    """'BSc Computer Science' and 'Computer Science' count as the same; a bare 'BSc' does not."""
    degree_words = {"ba", "bsc", "beng", "msc", "ma", "mba", "phd", "meng", "in", "of", "and"}
    words_one = {w for w in one.lower().replace(",", " ").split() if w not in degree_words}
    words_other = {w for w in other.lower().replace(",", " ").split() if w not in degree_words}
    return bool(words_one) and words_one == words_other


def _offers_line(profile: MentorProfile, programme: Programme) -> str:
    labels = [programme.topic_labels[k] for k in sorted(area_keys(profile.areas)) if k in programme.topic_labels]
    if not labels:
        return ""
    return fmt(_("Can help with {areas}"), areas=", ".join(labels))


# --- responsiveness --------------------------------------------------------------------------------


async def median_answer_days(session: AsyncSession, mentor_ids: list[int]) -> dict[int, float]:
    """Median days each mentor took to accept or decline their latest requests."""
    if not mentor_ids:
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


async def last_activity(session: AsyncSession, mentors: list[tuple[User, MentorProfile]]) -> dict[int, dt.datetime]:
    """The latest sign of life: answering a request, logging a contact, commenting on a goal, or editing
    or confirming the profile."""
    ids = [user.id for user, _p in mentors]
    if not ids:
        return {}
    latest: dict[int, dt.datetime] = {}

    def note(user_id: int, moment: dt.datetime | None) -> None:
        if moment is not None and (user_id not in latest or moment > latest[user_id]):
            latest[user_id] = moment

    for user, profile in mentors:
        note(user.id, profile.updated_at)
        note(user.id, profile.confirmed_at)
    queries = [
        select(MentorshipRequest.mentor_id, func.max(MentorshipRequest.answered_at))
        # Only the mentor's own answers: a request that expired unanswered or was withdrawn is no sign of life.
        .where(MentorshipRequest.mentor_id.in_(ids), MentorshipRequest.status.in_(("accepted", "declined")))
        .group_by(MentorshipRequest.mentor_id),
        select(ContactLog.author_id, func.max(ContactLog.created_at))
        .where(ContactLog.author_id.in_(ids))
        .group_by(ContactLog.author_id),
        select(GoalNote.author_id, func.max(GoalNote.created_at))
        .where(GoalNote.author_id.in_(ids))
        .group_by(GoalNote.author_id),
    ]
    for query in queries:
        for user_id, moment in (await session.execute(query)).all():
            if user_id is not None:
                note(user_id, _aware(moment))
    return latest


def _aware(moment: dt.datetime | None) -> dt.datetime | None:
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
