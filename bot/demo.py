"""Demo data for trying the bot in the terminal: a dozen mentors across the four areas, a few students,
and one member of the career team. Loaded only into an empty database.

The people are written for the university's programme; in another programme their areas, industries,
languages and years of study are carried over to the nearest of that programme's own, so every card and
filter reads in its words and the students may take part."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.programme import Programme
from storage.models import Identity, MenteeProfile, MentorProfile, User

# (console name, full name, role, employer, industry, country, areas, languages, capacity, job history,
#  key successes, moving experience)
MENTORS = [
    (
        "aigerim",
        "Aigerim Sadykova",
        "Product manager",
        "Kaspi.kz",
        "Software and IT",
        "Kazakhstan",
        ["jobs", "jobs.cv", "jobs.mock", "career", "career.industry"],
        ["English", "Kazakh", "Russian"],
        2,
        "2016-2019 business analyst at EY; since 2019 product manager at Kaspi.kz.",
        "Launched the payments app's savings feature; hires and coaches junior analysts.",
        "",
    ),
    (
        "daniyar",
        "Daniyar Bekov",
        "Software engineer",
        "Google",
        "Software and IT",
        "Switzerland",
        ["education", "education.grad_apps", "education.tests", "career.moving"],
        ["English", "Russian"],
        2,
        "MSc at ETH Zurich; two years at a Zurich start-up; at Google since 2021.",
        "Backend systems serving millions of users; mentors interns every summer.",
        "Moved from Astana to Zurich for a master's, then stayed to work.",
    ),
    (
        "madina",
        "Madina Omarova",
        "Investment analyst",
        "Halyk Bank",
        "Finance and banking",
        "Kazakhstan",
        ["jobs", "jobs.first_job", "jobs.salary", "networking"],
        ["Kazakh", "Russian", "English"],
        3,
        "Graduate programme at Halyk Bank, now in the investment team.",
        "Built the bank's first ESG screening model.",
        "",
    ),
    (
        "timur",
        "Timur Akhmetov",
        "Consultant",
        "McKinsey & Company",
        "Consulting",
        "United Arab Emirates",
        ["jobs", "jobs.mock", "career", "career.choice", "networking.approaches"],
        ["English", "Russian"],
        2,
        "Two years in oil and gas, then an MBA at INSEAD, now a consultant in Dubai.",
        "Led strategy projects for energy clients across the Gulf.",
        "Moved from energy engineering into consulting, and from Kazakhstan to Dubai.",
    ),
    (
        "aliya",
        "Aliya Nurlanovna",
        "Research fellow",
        "University of Cambridge",
        "Education and research",
        "United Kingdom",
        ["education", "education.grad_apps", "education.choose_uni"],
        ["English", "Kazakh"],
        2,
        "PhD in chemistry at Cambridge, now a postdoctoral research fellow.",
        "Won a Marie Curie fellowship; reviews PhD applications for her group.",
        "Moved to the UK for her PhD.",
    ),
    (
        "yerlan",
        "Yerlan Dzhaksybekov",
        "Founder",
        "Qazaq Robotics",
        "Entrepreneurship",
        "Kazakhstan",
        ["career", "career.business", "networking", "networking.where"],
        ["Kazakh", "Russian", "English"],
        1,
        "Engineer at KEGOC, then founded a robotics start-up in 2020.",
        "Raised two funding rounds; team of 25.",
        "Moved from a state company to his own start-up.",
    ),
    (
        "saule",
        "Saule Ibraeva",
        "HR business partner",
        "Chevron",
        "Energy and mining",
        "Kazakhstan",
        ["jobs", "jobs.cv", "jobs.where", "career.culture"],
        ["English", "Russian", "Kazakh"],
        3,
        "Recruiter at a staffing agency, then HR at Chevron since 2017.",
        "Runs graduate hiring for the Atyrau office.",
        "",
    ),
    (
        "nurlan",
        "Nurlan Kassymov",
        "Policy adviser",
        "Ministry of National Economy",
        "Public sector",
        "Kazakhstan",
        ["career", "career.trends", "education.grad_apps"],
        ["Kazakh", "Russian"],
        2,
        "Master's in public policy at Duke, then the ministry's reform office.",
        "Drafted the regional development programme.",
        "",
    ),
    (
        "dana_m",
        "Dana Mukhametova",
        "Data scientist",
        "Booking.com",
        "Software and IT",
        "Netherlands",
        ["jobs", "jobs.mock", "career.moving", "education.tests"],
        ["English", "Russian"],
        2,
        "Analyst at Beeline, then data scientist in Amsterdam since 2020.",
        "Built ranking models used on every search.",
        "Moved from Almaty to Amsterdam with a work visa.",
    ),
    (
        "arman",
        "Arman Seitkali",
        "Lawyer",
        "Dentons",
        "Law",
        "Kazakhstan",
        ["jobs", "jobs.first_job", "career.culture", "networking.approaches"],
        ["Kazakh", "Russian", "English"],
        2,
        "Trainee, associate and now senior associate at Dentons Almaty.",
        "Advised on two of the largest mining deals of 2023.",
        "",
    ),
    (
        "gulnara",
        "Gulnara Tulegenova",
        "Marketing director",
        "Unilever",
        "Media and marketing",
        "Turkey",
        ["career", "career.choice", "networking", "networking.where", "jobs.salary"],
        ["English", "Russian"],
        2,
        "Brand manager in Almaty, then regional roles in Istanbul.",
        "Led the launch of three brands in Central Asia.",
        "Moved from Kazakhstan to Turkey with Unilever.",
    ),
    (
        "askar",
        "Askar Zhumabayev",
        "Mechanical engineer",
        "Siemens Energy",
        "Engineering and manufacturing",
        "Germany",
        ["education", "education.choose_uni", "jobs.where", "career.industry"],
        ["English", "German", "Russian"],
        2,
        "Master's at TU Munich, then Siemens Energy in Berlin.",
        "Design lead for gas turbine components.",
        "Moved to Germany for a master's.",
    ),
]

STUDENTS = [
    (
        "alex",
        "Alex Kim",
        "BSc Computer Science",
        3,
        "Find my first job in software and get my CV ready.",
        ["jobs", "jobs.cv", "jobs.mock"],
        ["Software and IT"],
        ["English", "Russian"],
    ),
    (
        "dana",
        "Dana Serikova",
        "BA Economics",
        4,
        "Decide between a master's abroad and a job in finance.",
        ["education", "education.grad_apps", "jobs"],
        ["Finance and banking", "Consulting"],
        ["English", "Kazakh"],
    ),
    (
        "marat",
        "Marat Ospanov",
        "BEng Chemical Engineering",
        4,
        "Understand the energy industry and network.",
        ["career", "networking"],
        ["Energy and mining"],
        ["Russian", "English"],
    ),
]

STAFF = [("sam", "Sam Career-Office")]


# The areas the demo people were written with, in order: another programme's areas stand in for them by place.
DEMO_AREAS = ["education", "jobs", "career", "networking"]


def _areas_in(programme: Programme, keys: list[str]) -> list[str]:
    """The demo's area and topic keys in the programme's own: kept where it has them, else the area in the
    same place of its list (without the topic, which it would not have)."""
    found: list[str] = []
    for key in keys:
        if key in programme.topic_labels:
            chosen = key
        elif "." in key:
            continue
        else:
            chosen = programme.areas[DEMO_AREAS.index(key) % len(programme.areas)].key
        if chosen not in found:
            found.append(chosen)
    return found


def _in_list(value: str, known: list[str]) -> str:
    return value if value in known else ("Other" if "Other" in known else known[0])


def _languages_in(programme: Programme, languages: list[str]) -> list[str]:
    kept = [name for name in languages if name in programme.languages]
    return kept or [programme.languages[0]]


def _year_in(programme: Programme, year: int) -> int:
    allowed = programme.mentee_eligibility.years_of_study
    return year if not allowed or year in allowed else max(allowed)


async def load_demo(session: AsyncSession, now: dt.datetime, programme: Programme) -> bool:
    """Fill an empty database with the demo people; False (and nothing done) if anyone exists already."""
    if await session.scalar(select(func.count()).select_from(User)):
        return False
    for (
        name,
        full,
        role,
        employer,
        industry,
        country,
        areas,
        languages,
        capacity,
        history,
        successes,
        moving,
    ) in MENTORS:
        user = _person(session, name, full, "alumnus", now)
        user.contact_details = f"{name}@alumni.example.org"
        session.add(
            MentorProfile(
                user=user,
                programme_of_study="BSc",
                graduation_year=2012 + len(name) % 8,
                current_role=role,
                employer=employer,
                industry=_in_list(industry, programme.industries),
                country=country,
                job_history=history,
                key_successes=successes,
                moving_experience=moving,
                areas=_areas_in(programme, areas),
                languages=_languages_in(programme, languages),
                contact_method=_in_list("video", programme.contact_methods),
                capacity=capacity or programme.default_mentor_capacity,
                active_mentees=0,
                status="approved",
                active=True,
                orientation_done=True,
                approved_at=now,
                confirmed_at=now,
                updated_at=now,
            )
        )
    for name, full, studies, year, goals, areas, industries, languages in STUDENTS:
        user = _person(session, name, full, "student", now)
        user.contact_details = f"{name}@students.example.org"
        session.add(
            MenteeProfile(
                user=user,
                programme_of_study=studies,
                year_of_study=_year_in(programme, year),
                goals=goals,
                areas=_areas_in(programme, areas),
                industries=[_in_list(name, programme.industries) for name in industries],
                languages=_languages_in(programme, languages),
                updated_at=now,
            )
        )
    for name, full in STAFF:
        user = _person(session, name, full, None, now)
        user.is_staff, user.staff_source = True, "settings"
    await session.flush()
    return True


def _person(session: AsyncSession, name: str, full: str, role: str | None, now: dt.datetime) -> User:
    user = User(name=full, role=role, created_at=now)
    session.add(user)
    session.add(Identity(user=user, platform="console", external_id=name, chat_id=name, created_at=now))
    return user
