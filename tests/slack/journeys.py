"""Steps of the Slack journeys that several tests share."""

from __future__ import annotations

from sqlalchemy import select, update

from bot.core.app import Core
from storage.models import MentorProfile, User
from tests.slack.driver import SlackUser

MENTOR_PAGE_1 = {
    "name": "Zhanna Abenova",
    "programme_of_study": "BSc Physics",
    "graduation_year": "2015",
    "current_role": "Product manager",
    "employer": "Kaspi.kz",
    "industry": "Software and IT",
    "country": "Kazakhstan",
    "job_history": "2015-2020 analyst at EY, since then product manager.",
}
MENTOR_PAGE_2 = {
    "key_successes": "Launched the savings feature.",
    "areas": ["Job search", "Networking"],
    "languages": ["English"],
    "contact_method": "Video",
    "contact_details": "zhanna@example.com",
    "capacity": "2",
}


async def mentor_profile_by_modal(person: SlackUser) -> None:
    await person.slash("start")
    await person.press("alumn")
    await person.submit(MENTOR_PAGE_1)
    await person.submit(MENTOR_PAGE_2)
    await person.submit({"topics": ["CV review"]})


async def student_profile_by_modal(person: SlackUser) -> None:
    await person.slash("start")
    await person.press("student")
    await person.submit(
        {
            "name": person.name,
            "programme_of_study": "BSc Computer Science",
            "year_of_study": "3",
            "goals": "Find a first job in software.",
            "areas": ["Job search"],
            "industries": ["Software and IT"],
            "languages": ["English"],
            "contact_details": "alex@example.com",
        }
    )
    await person.submit({"topics": []})  # the chosen area's topics come next; none in particular


async def approve_mentor(core: Core, name: str) -> None:
    """The career team's approval after the orientation (its own handlers are tested elsewhere)."""
    async with core.sessions() as session, session.begin():
        user_id = await session.scalar(select(User.id).where(User.name == name))
        await session.execute(
            update(MentorProfile)
            .where(MentorProfile.user_id == user_id)
            .values(status="approved", orientation_done=True, approved_at=core.clock.now())
        )
