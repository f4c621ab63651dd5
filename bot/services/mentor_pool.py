"""Every mentor a student could be offered, held in memory between pages and indexed by what the score compares.

Reading and scoring every mentor from the database on every page costs what the programme holds, not what
the page shows (10,000 mentors: half a second a page). The pool is read once and kept, per database, until
the database's "mentor_pool" stamp changes: triggers change it whenever a mentor profile, or a user's name
or role, is written, by any statement of any process (migration 0011). Each page reads the stamp, one
small query, and reuses the pool while it holds.

The pool is in the ranking's own order before the score (answer time, free places, name, id), so ranking a
student is adding up points through the indexes and one stable sort by them (`matching.rank_mentors`).
The indexes are numpy arrays of positions: a student's points for 10,000 mentors are then a few vector
additions instead of a Python loop over everyone, which was most of a page's time at that size.
"""

from __future__ import annotations

import functools
import typing
import weakref
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import ColumnElement, ScalarSelect, select
from sqlalchemy.engine import Engine
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.capacity import free_places, with_free_place
from storage.models import MentorProfile, Stamp, User
from storage.reads import keep, once

STAMP = "mentor_pool"
UNKNOWN_ANSWER_DAYS = 99.0  # an unknown answer time sorts after known ones: new mentors are unproven, not slow


def area_keys(keys: Iterable[str]) -> set[str]:
    """Top-level areas a key list covers: 'jobs.cv' counts as offering 'jobs' too."""
    return {key.split(".", 1)[0] for key in keys}


def topic_keys(keys: Iterable[str]) -> set[str]:
    return {key for key in keys if "." in key}


DEGREE_WORDS = frozenset({"ba", "bsc", "beng", "msc", "ma", "mba", "phd", "meng", "in", "of", "and"})


@functools.lru_cache(maxsize=1024)
def programme_words(name: str) -> frozenset[str]:
    """'BSc Computer Science' and 'Computer Science' count as the same; a bare 'BSc' does not (no words).
    Programmes are a short list of names, so each is split once."""
    return frozenset(w for w in name.lower().replace(",", " ").split() if w not in DEGREE_WORDS)


def country_key(country: str | None) -> str | None:
    """A country as the score compares it (stripped, lower case); None when not given."""
    return country.strip().lower() if country else None


Positions = npt.NDArray[np.intp]  # positions in the pool, ascending, each at most once
_Key = typing.TypeVar("_Key")


@dataclass
class Pool:
    """Approved, active mentors of the alumni with a free place, by position in the pre-score order. Each index
    maps what a mentor offers to the positions offering it; a mentor without a value for a field (no industry,
    no programme words, no country) is in no index for it."""

    stamp: int
    ids: npt.NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, np.int64))
    position_of: dict[int, int] = field(default_factory=dict)  # mentor id to position
    by_area: dict[str, Positions] = field(default_factory=dict)
    by_topic: dict[str, Positions] = field(default_factory=dict)
    by_industry: dict[str, Positions] = field(default_factory=dict)
    by_programme: dict[frozenset[str], Positions] = field(default_factory=dict)
    by_language: dict[str, Positions] = field(default_factory=dict)
    by_country: dict[str, Positions] = field(default_factory=dict)
    with_languages: Positions = field(default_factory=lambda: np.zeros(0, np.intp))  # named at least one language

    def __len__(self) -> int:
        return len(self.ids)


def offered() -> list[ColumnElement[bool]]:
    """Who may be offered to a student at all, as conditions on users joined with mentor_profiles: approved,
    active mentors of the alumni with a free place."""
    return [
        MentorProfile.status == "approved",
        MentorProfile.active.is_(True),
        with_free_place(),
        User.role == "alumnus",
    ]


_STAMP = select(Stamp.value).where(Stamp.name == STAMP)
_STAMP_KEY = ("pool_stamp",)  # the stamp as this transaction has read it (storage.reads)

# One pool per database (engine): tests and tools may open several in one process.
_pools: weakref.WeakKeyDictionary[Engine, Pool] = weakref.WeakKeyDictionary()


async def current_pool(session: AsyncSession) -> Pool:
    """The pool as the database holds it now: the kept one while the stamp is unchanged, else read afresh.
    Read in the caller's transaction, so a change it has just made (the stamp moves with it) is seen."""
    stamp = await once(session, _STAMP_KEY, lambda: _read_stamp(session))
    engine = session.sync_session.get_bind()
    kept = _pools.get(engine) if isinstance(engine, Engine) else None
    if stamp is not None and kept is not None and kept.stamp == stamp:
        return kept
    pool = await _read_pool(session, stamp if stamp is not None else 0)
    if stamp is not None and isinstance(engine, Engine):  # without a stamp row nothing could say it went stale
        _pools[engine] = pool
    return pool


async def _read_stamp(session: AsyncSession) -> int | None:
    # Through the connection, not the ORM: a column read needs none of it, and it halves the statement's CPU.
    return (await (await session.connection()).execute(_STAMP)).scalar()  # type: ignore[no-any-return]


def pool_stamp() -> ScalarSelect[int]:
    """The stamp as a column, for a read that has other business to ask it along (`keep_pool_stamp`)."""
    return _STAMP.scalar_subquery()


def keep_pool_stamp(session: AsyncSession, stamp: int | None) -> None:
    """This transaction has just read the stamp (`pool_stamp`) as part of a larger read: `current_pool` takes
    it instead of a round trip of its own (storage.reads.keep)."""
    keep(session, _STAMP_KEY, stamp)


async def _read_pool(session: AsyncSession, stamp: int) -> Pool:
    rows = (
        await session.execute(
            select(
                User.id,
                User.name,
                MentorProfile.areas,
                MentorProfile.industry,
                MentorProfile.programme_of_study,
                MentorProfile.languages,
                MentorProfile.country,
                MentorProfile.capacity,
                MentorProfile.active_mentees,
                MentorProfile.answer_days,
            )
            .join(MentorProfile, MentorProfile.user_id == User.id)
            .where(*offered())
        )
    ).all()

    def before_score(row: Any) -> tuple[float, int, str, int]:
        days = row.answer_days  # the median kept on the profile (matching.note_answer)
        free = free_places(typing.cast(MentorProfile, row))  # the capacity columns are on the row too
        return (days if days is not None else UNKNOWN_ANSWER_DAYS, -free, row.name.lower(), row.id)

    ids: list[int] = []
    by_area: dict[str, list[int]] = {}
    by_topic: dict[str, list[int]] = {}
    by_industry: dict[str, list[int]] = {}
    by_programme: dict[frozenset[str], list[int]] = {}
    by_language: dict[str, list[int]] = {}
    by_country: dict[str, list[int]] = {}
    with_languages: list[int] = []
    for position, row in enumerate(sorted(rows, key=before_score)):
        ids.append(row.id)
        for area in area_keys(row.areas):
            by_area.setdefault(area, []).append(position)
        for topic in topic_keys(row.areas):
            by_topic.setdefault(topic, []).append(position)
        if row.industry:
            by_industry.setdefault(row.industry, []).append(position)
        words = programme_words(row.programme_of_study or "")
        if words:
            by_programme.setdefault(words, []).append(position)
        for language in set(row.languages or []):
            by_language.setdefault(language, []).append(position)
        if row.languages:
            with_languages.append(position)
        country = country_key(row.country)
        if country is not None:
            by_country.setdefault(country, []).append(position)
    return Pool(
        stamp,
        np.array(ids, dtype=np.int64),
        {mentor_id: position for position, mentor_id in enumerate(ids)},
        _positions(by_area),
        _positions(by_topic),
        _positions(by_industry),
        _positions(by_programme),
        _positions(by_language),
        _positions(by_country),
        np.array(with_languages, dtype=np.intp),
    )


def _positions(index: dict[_Key, list[int]]) -> dict[_Key, Positions]:
    return {key: np.array(positions, dtype=np.intp) for key, positions in index.items()}
