"""A generated programme of any size, for trying the bot at scale and for the benchmarks:
`mentorbot demo --mentors 10000 --students 20000`.

Mentors and students get varied profiles drawn from the programme's own areas, topics, industries and
languages; a quarter of the students are in an active mentorship with contact history, goals and notes;
past requests were accepted, declined or expired, and some are waiting, so responsiveness differs from
mentor to mentor. The same seed always gives the same programme. Rows go in with bulk inserts, so tens of
thousands of people take seconds, not minutes.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.programme import Programme
from bot.services.matching import refresh_answer_days
from storage.models import (
    ContactLog,
    Goal,
    GoalNote,
    Identity,
    MenteeProfile,
    MentorProfile,
    MentorshipRequest,
    Pair,
    User,
)

FIRST = ["Aigerim", "Daniyar", "Madina", "Timur", "Aliya", "Yerlan", "Saule", "Nurlan", "Dana", "Arman",
         "Gulnara", "Askar", "Alex", "Marat", "Zhanna", "Ruslan", "Aruzhan", "Bekzat", "Kamila", "Olzhas",
         "Sofia", "Ivan", "Leila", "Murat", "Elena", "Samal", "Dias", "Asel", "Nikita", "Ainur"]  # fmt: skip
LAST = ["Sadykova", "Bekov", "Omarova", "Akhmetov", "Nurlanova", "Ibraeva", "Kassymov", "Seitkali", "Kim",
        "Ospanov", "Tulegenova", "Zhumabayev", "Serikova", "Abenov", "Petrova", "Lee", "Smagulov", "Iskakova",
        "Karimov", "Dzhaksybekov", "Mukhametova", "Orlov", "Baimukhan", "Tokayeva"]  # fmt: skip
COUNTRIES = ["Kazakhstan", "Kazakhstan", "Kazakhstan", "United Kingdom", "Germany", "United States",
             "Netherlands", "Switzerland", "Turkey", "United Arab Emirates", "Singapore", "France"]  # fmt: skip
STUDIES = ["BSc Computer Science", "BA Economics", "BEng Chemical Engineering", "BSc Mathematics",
           "BA International Relations", "BSc Biology", "BEng Mechanical Engineering", "MSc Data Science",
           "BA Business Administration", "BSc Physics"]  # fmt: skip
ROLES = ["Product manager", "Software engineer", "Analyst", "Consultant", "Research fellow", "Founder",
         "HR business partner", "Policy adviser", "Data scientist", "Lawyer", "Engineer", "Teacher"]  # fmt: skip
CHUNK = 5_000  # rows per INSERT: big enough to be fast, small enough for SQLite's statement limits


@dataclass(frozen=True)
class Made:
    mentors: int
    students: int
    pairs: int
    requests: int
    contacts: int
    goals: int

    def summary(self) -> str:
        return (
            f"Generated {self.mentors} mentors, {self.students} students, {self.pairs} active mentorships, "
            f"{self.requests} requests, {self.contacts} contact logs and {self.goals} goals."
        )


def _keys(programme: Programme, rng: random.Random) -> list[str]:
    """One to three areas, each with some of its topics: what a mentor offers or a student wants."""
    areas = rng.sample(programme.areas, k=min(len(programme.areas), rng.randint(1, 3)))
    keys: list[str] = []
    for area in areas:
        keys.append(area.key)
        if area.topics:
            picked = rng.sample(area.topics, k=rng.randint(0, min(3, len(area.topics))))
            keys += [f"{area.key}.{topic.key}" for topic in picked]
    return keys


def _name(rng: random.Random) -> str:
    return f"{rng.choice(FIRST)} {rng.choice(LAST)}"


async def generate(
    session: AsyncSession, programme: Programme, now: dt.datetime, *, mentors: int, students: int, seed: int = 1
) -> Made | None:
    """Fill an empty database with a generated programme; None (and nothing done) if anyone exists already."""
    if await session.scalar(select(func.count()).select_from(User)):
        return None
    rng = random.Random(seed)
    start = now - dt.timedelta(days=400)
    users: list[dict[str, Any]] = []
    identities: list[dict[str, Any]] = []
    mentor_rows: list[dict[str, Any]] = []
    mentee_rows: list[dict[str, Any]] = []
    speed: dict[int, float] = {}  # how many days each mentor usually takes to answer
    mentor_ids = list(range(1, mentors + 1))
    student_ids = list(range(mentors + 1, mentors + students + 1))
    for number, uid in enumerate(mentor_ids, 1):
        joined = start + dt.timedelta(days=rng.randint(0, 300))
        users.append({"id": uid, "name": _name(rng), "role": "alumnus", "created_at": joined,
                      "contact_details": f"mentor{number}@alumni.example.org"})  # fmt: skip
        identities.append({"user_id": uid, "platform": "console", "external_id": f"mentor{number}",
                           "chat_id": f"mentor{number}", "created_at": joined})  # fmt: skip
        status = "approved" if rng.random() < 0.92 else rng.choice(["awaiting_approval", "rejected"])
        touched = now - dt.timedelta(days=rng.randint(0, 200), hours=rng.randint(0, 23))
        mentor_rows.append(
            {
                "user_id": uid,
                "programme_of_study": rng.choice(STUDIES),
                "graduation_year": rng.randint(1998, 2023),
                "current_role": rng.choice(ROLES),
                "employer": f"Company {rng.randint(1, 400)}",
                "industry": rng.choice(programme.industries),
                "country": rng.choice(COUNTRIES),
                "job_history": "",
                "key_successes": "",
                "moving_experience": "",
                "areas": _keys(programme, rng),
                "languages": rng.sample(programme.languages, k=rng.randint(1, min(3, len(programme.languages)))),
                "contact_method": rng.choice(programme.contact_methods),
                "extra": {},
                "capacity": rng.randint(1, min(4, programme.max_mentor_capacity)),
                "active_mentees": 0,
                "status": status,
                "active": rng.random() < 0.9,
                "orientation_done": True,
                "status_reason": "",
                "approved_at": joined if status == "approved" else None,
                "confirmed_at": touched if rng.random() < 0.7 else None,
                "updated_at": touched,
            }
        )
        speed[uid] = rng.choice([0.2, 0.5, 1.0, 2.0, 3.0, 6.0, 10.0])
    for number, uid in enumerate(student_ids, 1):
        joined = start + dt.timedelta(days=rng.randint(100, 380))
        users.append({"id": uid, "name": _name(rng), "role": "student", "created_at": joined,
                      "contact_details": f"student{number}@students.example.org"})  # fmt: skip
        identities.append({"user_id": uid, "platform": "console", "external_id": f"student{number}",
                           "chat_id": f"student{number}", "created_at": joined})  # fmt: skip
        mentee_rows.append(
            {
                "user_id": uid,
                "programme_of_study": rng.choice(STUDIES),
                "year_of_study": rng.choice(programme.mentee_eligibility.years_of_study or [1, 2, 3, 4]),
                "goals": "Find my way after graduation.",
                "areas": _keys(programme, rng),
                "industries": rng.sample(programme.industries, k=rng.randint(0, min(2, len(programme.industries)))),
                "languages": rng.sample(programme.languages, k=rng.randint(1, min(2, len(programme.languages)))),
                "country": rng.choice(COUNTRIES),
                "extra": {},
                "updated_at": joined,
            }
        )

    by_id = {row["user_id"]: row for row in mentor_rows}
    open_mentors = [uid for uid in mentor_ids if by_id[uid]["status"] == "approved"]
    requests: list[dict[str, Any]] = []
    pairs: list[dict[str, Any]] = []
    contacts: list[dict[str, Any]] = []
    goals: list[dict[str, Any]] = []
    notes: list[dict[str, Any]] = []

    def answered(mentor: int, asked: dt.datetime) -> dt.datetime:
        return asked + dt.timedelta(days=rng.expovariate(1 / speed[mentor]))

    for student in student_ids:
        if not open_mentors:
            break
        # Earlier requests this student sent: declined or expired; some mentors answered, some never did.
        for _past in range(rng.choice([0, 0, 1, 1, 2])):
            mentor = rng.choice(open_mentors)
            asked = now - dt.timedelta(days=rng.randint(20, 300))
            if rng.random() < 0.7:
                requests.append({"mentee_id": student, "mentor_id": mentor, "status": "declined", "message": "",
                                 "reason": rng.choice(["busy", "fit", "full"]), "created_at": asked,
                                 "answered_at": answered(mentor, asked)})  # fmt: skip
            else:
                requests.append({"mentee_id": student, "mentor_id": mentor, "status": "expired", "message": "",
                                 "reason": "", "created_at": asked, "answered_at": None})  # fmt: skip
        roll = rng.random()
        if roll < 0.25:
            mentor = rng.choice(open_mentors)
            profile = by_id[mentor]
            if profile["active_mentees"] >= profile["capacity"]:
                continue
            profile["active_mentees"] += 1
            asked = now - dt.timedelta(days=rng.randint(10, 150))
            accepted = answered(mentor, asked)
            requests.append({"mentee_id": student, "mentor_id": mentor, "status": "accepted", "message": "",
                             "reason": "", "created_at": asked, "answered_at": accepted})  # fmt: skip
            pair_id = len(pairs) + 1
            pairs.append({"id": pair_id, "mentor_id": mentor, "mentee_id": student, "status": "active",
                          "matched_by": "request", "goals": "", "contact_method": profile["contact_method"],
                          "contact_interval_days": programme.contact_interval_days, "agreement_answers": {},
                          "created_at": accepted, "started_at": accepted,
                          "cycle_ends_at": accepted + dt.timedelta(days=30 * programme.cycle_months),
                          "last_contact_at": None, "end_reason": "", "end_note": ""})  # fmt: skip
            moment = accepted
            for _log in range(rng.randint(0, 4)):
                moment += dt.timedelta(days=rng.randint(3, 30))
                if moment > now:
                    break
                contacts.append({"pair_id": pair_id, "author_id": rng.choice([mentor, student]),
                                 "happened_on": moment.date(), "method": profile["contact_method"], "notes": "",
                                 "private": False, "source": "log", "created_at": moment})  # fmt: skip
                pairs[-1]["last_contact_at"] = moment
            if rng.random() < 0.6:
                goal_id = len(goals) + 1
                goals.append({"id": goal_id, "pair_id": pair_id, "author_id": student, "term": "short",
                              "text": "Finish my CV", "status": "open", "created_at": accepted,
                              "updated_at": accepted})  # fmt: skip
                if rng.random() < 0.5:
                    noted = min(now, accepted + dt.timedelta(days=rng.randint(1, 60)))
                    notes.append({"goal_id": goal_id, "author_id": mentor, "text": "Good progress.",
                                  "created_at": noted})  # fmt: skip
        elif roll < 0.4:
            # Waiting for an answer (at most one pending request per student and mentor).
            for mentor in rng.sample(open_mentors, k=min(len(open_mentors), rng.randint(1, 2))):
                requests.append({"mentee_id": student, "mentor_id": mentor, "status": "pending", "message": "",
                                 "reason": "", "created_at": now - dt.timedelta(days=rng.randint(0, 10)),
                                 "answered_at": None})  # fmt: skip

    for model, rows in (
        (User, users),
        (Identity, identities),
        (MentorProfile, mentor_rows),
        (MenteeProfile, mentee_rows),
        (MentorshipRequest, requests),
        (Pair, pairs),
        (ContactLog, contacts),
        (Goal, goals),
        (GoalNote, notes),
    ):
        for at in range(0, len(rows), CHUNK):
            await session.execute(insert(model), rows[at : at + CHUNK])
    await refresh_answer_days(session, mentor_ids)
    return Made(mentors, students, len(pairs), len(requests), len(contacts), len(goals))
