"""The App Home tab is the core's answer to a "home" event: the same cards any platform could show,
for the person as the core identifies them."""

from __future__ import annotations

from sqlalchemy import func, select

from bot.core.events import Actor, Event
from bot.platforms.slack import blocks
from storage.models import Identity, ProcessedUpdate, User
from tests.slack.conftest import STAFF_ID
from tests.slack.driver import Workspace, buttons


async def test_the_home_tab_is_built_from_the_home_event(slack: Workspace) -> None:
    mira = slack.user("UMI", "Mira Sato")
    response = await mira.open_home()
    assert response.status == 200
    assert "Welcome to the" in mira.home_text()
    labels = [e["text"]["text"] for _b, e in buttons(mira.home["blocks"])]
    assert labels == ["I'm a student", "I'm an alumnus / alumna"]

    # Opening the tab first is a first contact like any other: the core met the person, by their Slack name,
    # and recorded no update key (every opening shows the tab as it is then).
    async with slack.core.sessions() as session:
        identity = await session.scalar(select(Identity).where(Identity.external_id == "UMI"))
        assert identity is not None and identity.platform == "slack"
        assert (await session.get(User, identity.user_id)).name == "Mira Sato"
        assert await session.scalar(select(func.count()).select_from(ProcessedUpdate)) == 0

    # What was published is exactly the core's answer to the home event, in Block Kit.
    cards = await slack.core.handle(Event(actor=Actor("slack", "UMI"), kind="home"))
    assert blocks.home_view(cards) == mira.home


async def test_someone_on_the_career_team_sees_the_figures_on_their_first_visit(slack: Workspace) -> None:
    sam = slack.user(STAFF_ID, "Sam Career")
    await sam.open_home()
    home = sam.home_text()
    assert "*Hello, Sam!*" in home and "You're part of the career team. The programme's figures are below." in home
    assert "Mentors: 0 approved, 0 waiting for approval. Students: 0." in home
