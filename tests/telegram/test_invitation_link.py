"""A cohort through Telegram end to end: a staff member sends the CSV as a document (fetched with getFile from
the fake Bot API), confirms, gets the invitations file, and the t.me deep link starts the invited person's
profile from the file."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import func, select

from storage.models import Invitation
from tests.telegram.conftest import STAFF_MEMBER, TelegramWorld
from tests.telegram.fake_api import BOT_USER

pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")

COHORT = (
    "name,email,handle,role,programme of study,year\n"
    "Alex Kim,alex.kim@example.edu,,student,BA Economics,2\n"
    "Olzhas Nurpeisov,olzhas@example.org,,alumnus,BSc Computer Science,2016\n"
)


async def _invitations(world: TelegramWorld) -> int:
    async with world.core.sessions() as session:
        return int(await session.scalar(select(func.count(Invitation.id))) or 0)


async def test_a_csv_document_becomes_invitations_and_the_deep_link_starts_a_profile(world: TelegramWorld) -> None:
    sam = world.person(STAFF_MEMBER, "Sam", "Career")
    await world.feed(world.fake.document_update(sam.user, "cohort.csv", COHORT.encode()))
    assert world.fake.downloads  # fetched through getFile and the file URL
    assert "1 student and 1 alumnus: Alex Kim, Olzhas Nurpeisov" in sam.inbox()[-1].text
    assert await _invitations(world) == 0
    await sam.press("Confirm")
    assert "2 invitations saved" in sam.text
    documents = [c for c in sam.since if c.method == "sendDocument"]
    assert len(documents) == 1
    name, content = documents[0].files["document"]
    assert name == "invitations.csv"
    table = list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))
    link = table[0]["link"]
    # The bot's username from getMe, since TELEGRAM_BOT_USERNAME is not set.
    assert link.startswith(f"https://t.me/{BOT_USER['username']}?start=inv_")
    assert link in table[0]["text"]

    # Alex opens the link: Telegram sends /start with the payload.
    payload = link.split("?start=", 1)[1]
    alex = world.person(6101, "Alex", "K")
    text = await alex.say(f"/start {payload}")
    assert "Welcome, Alex!" in text and "Now: Alex Kim" in text
    await alex.press("Keep")
    assert "Now: BA Economics" in alex.text
    await alex.press("Keep")
    assert "Now: 2" in alex.text

    # The same link again, by someone else: a kind sentence and the usual start.
    other = world.person(6102, "Bea")
    text = await other.say(f"/start {payload}")
    assert "has been used already" in text and "Which are you?" in text
    await sam.say("/invitations")
    assert "2 in all; 2 sent, 1 accepted, 1 waiting" in sam.text


async def test_a_document_from_someone_not_on_the_team_is_not_read(world: TelegramWorld) -> None:
    alex = world.person(6103, "Alex")
    await world.feed(world.fake.document_update(alex.user, "cohort.csv", COHORT.encode(), caption="/import"))
    assert "only read text" in alex.inbox()[-1].text
    assert await _invitations(world) == 0


async def test_a_document_over_the_limit_is_refused_without_downloading_it(world: TelegramWorld) -> None:
    sam = world.person(STAFF_MEMBER, "Sam", "Career")
    await world.feed(world.fake.document_update(sam.user, "huge.csv", b"name,email\n", size=3 * 1024 * 1024))
    assert "over 1 MB" in sam.inbox()[-1].text
    assert world.fake.downloads == [] and world.fake.called("getFile") == []
    assert await _invitations(world) == 0
