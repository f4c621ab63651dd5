"""How long the staff reports take on a large programme: /top's ranking, /export's CSV and /surveys.

    python -m bench.recognition            # SQLite, 1,000 and 10,000 pairs

Each size gets a fresh database: one mentor per two pairs, six contact logs per pair (some logged by
both sides), one request per pair, a survey from a third of the students and a thank-you note from a
tenth. Staff wait for these in a chat, so each should stay well under a second or two.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import insert

from bot.programme import load_programme
from bot.services import recognition, reports_export
from storage.db import make_engine, make_sessionmaker
from storage.migrate import upgrade
from storage.models import (
    ContactLog,
    MentorProfile,
    MentorshipRequest,
    Pair,
    SurveyResponse,
    ThankYouNote,
    User,
)

NOW = dt.datetime(2026, 5, 20, 10, 0, tzinfo=dt.UTC)
SIZES = (1_000, 10_000)


def _rows(pairs: int) -> dict[Any, list[dict[str, Any]]]:
    rng = random.Random(7)
    mentors = pairs // 2
    start = NOW - dt.timedelta(days=150)
    users = [{"id": i, "name": f"Person {i}", "role": "alumnus", "created_at": start} for i in range(1, mentors + 1)]
    users += [
        {"id": mentors + i, "name": f"Student {i}", "role": "student", "created_at": start} for i in range(1, pairs + 1)
    ]
    profiles = [
        {"user_id": i, "status": "approved", "capacity": 2, "active_mentees": 2, "updated_at": start}
        for i in range(1, mentors + 1)
    ]
    pair_rows, logs, requests, surveys, thanks = [], [], [], [], []
    for p in range(1, pairs + 1):
        mentor, mentee = (p - 1) // 2 + 1, mentors + p
        pair_rows.append(
            {
                "id": p,
                "mentor_id": mentor,
                "mentee_id": mentee,
                "status": "active",
                "created_at": start,
                "started_at": start,
            }
        )
        requests.append(
            {
                "mentee_id": mentee,
                "mentor_id": mentor,
                "status": "accepted",
                "created_at": start,
                "answered_at": start + dt.timedelta(hours=rng.randint(1, 96)),
            }
        )
        for k in range(6):
            day = (start + dt.timedelta(days=20 * k + rng.randint(0, 5))).date()
            logs.append({"pair_id": p, "author_id": mentor, "happened_on": day, "method": "video", "created_at": start})
            if k % 3 == 0:
                logs.append(
                    {"pair_id": p, "author_id": mentee, "happened_on": day, "method": "video", "created_at": start}
                )
        if p % 3 == 0:
            surveys.append(
                {
                    "pair_id": p,
                    "user_id": mentee,
                    "survey": "end_of_cycle",
                    "role": "mentee",
                    "answers": {
                        "overall": str(rng.randint(3, 5)),
                        "contact": "4",
                        "goals_met": True,
                        "recommend": True,
                        "improve": f"Idea {p}",
                    },
                    "submitted_at": NOW - dt.timedelta(days=3),
                }
            )
        if p % 10 == 0:
            thanks.append(
                {"pair_id": p, "author_id": mentee, "recipient_id": mentor, "text": "Thank you", "created_at": start}
            )
    return {
        User: users,
        MentorProfile: profiles,
        Pair: pair_rows,
        ContactLog: logs,
        MentorshipRequest: requests,
        SurveyResponse: surveys,
        ThankYouNote: thanks,
    }


async def _measure(pairs: int, folder: Path) -> None:
    engine = make_engine(f"sqlite+aiosqlite:///{folder / f'rec{pairs}.db'}")
    await upgrade(engine)
    async with engine.begin() as conn:
        for model, rows in _rows(pairs).items():
            for i in range(0, len(rows), 2000):
                await conn.execute(insert(model), rows[i : i + 2000])
    sessions = make_sessionmaker(engine)
    programme = load_programme("university")
    period = recognition.current_period(NOW, programme)
    timings: dict[str, float] = {}
    async with sessions() as session:
        began = time.perf_counter()
        ranked = await recognition.mentor_activity(session, period)
        timings["/top ranking"] = time.perf_counter() - began
        began = time.perf_counter()
        csv_file = await reports_export.pairs_csv(session, NOW)
        timings["/export CSV"] = time.perf_counter() - began
        began = time.perf_counter()
        await reports_export.survey_summary(session, programme, period)
        timings["/surveys summary"] = time.perf_counter() - began
    await engine.dispose()
    print(f"{pairs:>6} pairs, {len(ranked)} mentors ranked, CSV {len(csv_file.content) // 1024} KiB:")
    for name, seconds in timings.items():
        print(f"    {name:<18} {seconds * 1000:8.0f} ms")


async def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        for size in SIZES:
            await _measure(size, Path(folder))


if __name__ == "__main__":
    asyncio.run(main())
    sys.exit(0)
