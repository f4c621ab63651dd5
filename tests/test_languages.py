"""Each person reads the bot in their own language and writes dates in it: a Russian-speaking mentor and an
English-speaking student in one mentorship each get their own words, from answers, from each other's
actions and from the scheduler; dates are read and written in the reader's language."""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import select

from storage.models import ContactLog
from tests.scheduler.helpers import START, pair, person, sweep
from tests.support import Harness

CYRILLIC = re.compile(r"[а-яёәғқңөұүһі]", re.IGNORECASE)


def _cyrillic_share(text: str) -> float:
    letters = [c for c in text if c.isalpha()]
    return sum(1 for c in letters if CYRILLIC.match(c)) / max(1, len(letters))


async def _logged(harness: Harness, pair_id: int) -> list[ContactLog]:
    async with harness.core.sessions() as session:
        return list(await session.scalars(select(ContactLog).where(ContactLog.pair_id == pair_id)))


async def test_a_russian_mentor_logs_in_russian_words_and_reads_russian_dates(harness: Harness) -> None:
    harness.core.clock.set(START + dt.timedelta(days=10))  # type: ignore[attr-defined]
    mentor = await person(harness.core, "aigerim", "alumnus", language="ru")
    student = await person(harness.core, "alex", "student")
    pair_id = await pair(harness.core, mentor, student)
    aigerim = harness.person("aigerim")
    said = await aigerim.say("/log вчера по телефону")
    assert _cyrillic_share(said) > 0.5, said
    [log] = await _logged(harness, pair_id)
    assert log.method == "phone" and log.happened_on == dt.date(2026, 1, 21)
    history = await aigerim.say("/history")
    assert "21 янв. 2026" in history  # the month in Russian
    assert "January" not in history


async def test_a_kazakh_student_writes_the_date_in_kazakh(harness: Harness) -> None:
    harness.core.clock.set(START + dt.timedelta(days=10))  # type: ignore[attr-defined]
    mentor = await person(harness.core, "dana", "alumnus")
    student = await person(harness.core, "aru", "student", language="kk")
    pair_id = await pair(harness.core, mentor, student)
    await harness.person("aru").say("/log кеше телефонмен")
    [log] = await _logged(harness, pair_id)
    assert log.method == "phone" and log.happened_on == dt.date(2026, 1, 21)


async def test_notices_reach_each_side_of_a_pair_in_their_own_language(harness: Harness) -> None:
    mentor = await person(harness.core, "aigerim", "alumnus", language="ru")
    student = await person(harness.core, "alex", "student", language="en")
    await pair(harness.core, mentor, student)
    harness.core.clock.set(START + dt.timedelta(days=32))  # type: ignore[attr-defined]
    await sweep(harness)  # a month without contact: both are nudged
    russian, english = harness.person("aigerim").inbox_text(), harness.person("alex").inbox_text()
    assert russian and english
    assert _cyrillic_share(russian) > 0.5, russian
    assert _cyrillic_share(english) < 0.05, english


async def test_language_is_chosen_by_name_in_any_shipped_language_and_bad_names_change_nothing(
    harness: Harness,
) -> None:
    await person(harness.core, "alex", "student")
    alex = harness.person("alex")
    assert "I don't have 'klingon' yet" in await alex.say("/language klingon")
    assert "What you can do" in await alex.say("/help")  # still in English
    for name in ("русский", "Russian", "ru-RU"):
        assert _cyrillic_share(await alex.say(f"/language {name}")) > 0.5
        await alex.say("/language en")
    await alex.say("/language Қазақша")
    assert _cyrillic_share(await alex.say("/help")) > 0.5
