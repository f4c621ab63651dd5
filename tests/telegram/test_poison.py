"""An update python-telegram-bot cannot read (here: Telegram's own documentation example of a message with
audio, whose sender has no `is_bot`) is set aside, logged once with its id, and the bot moves on."""

from __future__ import annotations

import copy
import logging

import pytest
from sqlalchemy import select

from storage.models import InboxUpdate
from tests.telegram.conftest import WEBHOOK_SECRET, TelegramWorld

pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")

# From core.telegram.org/bots/webhooks, "Message with audio".
DOCS_AUDIO_UPDATE = {
    "update_id": 10000,
    "message": {
        "date": 1441645532,
        "chat": {"last_name": "Test Lastname", "id": 1111111, "type": "private", "first_name": "Test Firstname"},
        "message_id": 1365,
        "from": {"last_name": "Test Lastname", "id": 1111111, "first_name": "Test Firstname"},
        "audio": {"file_id": "AwADBAADbXXXXXXXXXXXGBdhD2l6_XX", "duration": 243, "mime_type": "audio/mpeg"},
    },
}


def poison(update_id: int) -> dict[str, object]:
    update = copy.deepcopy(DOCS_AUDIO_UPDATE)
    update["update_id"] = update_id
    return update


def skipped_lines(caplog: pytest.LogCaptureFixture, update_id: int) -> list[str]:
    return [r.getMessage() for r in caplog.records if f"update {update_id} cannot be read" in r.getMessage()]


async def _set_aside(world: TelegramWorld, update_id: int) -> InboxUpdate | None:
    async with world.core.sessions() as session:
        return await session.scalar(select(InboxUpdate).where(InboxUpdate.update_key == str(update_id)))


@pytest.mark.parametrize("last_in_batch", [True, False])
async def test_polling_skips_an_unreadable_update_and_answers_the_next(
    world: TelegramWorld, caplog: pytest.LogCaptureFixture, last_in_batch: bool
) -> None:
    caplog.set_level(logging.INFO)
    bad = poison(5000)
    someone = world.person(5002, "Dana")
    world.fake.push(bad)
    if last_in_batch:
        await world.wait_polled_past(5000)  # alone in its batch, and still confirmed
    await someone.say("/help")
    assert "What you can do" in someone.text
    await world.wait_polled_past(5000)
    polls = len(world.fake.polls)
    assert len(skipped_lines(caplog, 5000)) == 1
    assert not [r for r in caplog.records if r.levelno >= logging.CRITICAL]
    row = await _set_aside(world, 5000)
    assert row is not None and row.status == "poison"
    await someone.say("/help")  # polling goes on as usual: a poll or two per update, not thousands
    assert len(world.fake.polls) - polls < 20


async def test_webhook_confirms_an_unreadable_update_and_answers_the_next(
    webhook_world: TelegramWorld, caplog: pytest.LogCaptureFixture
) -> None:
    world = webhook_world
    assert await world.post_webhook(poison(5001), WEBHOOK_SECRET) == 200  # so Telegram does not repeat it
    assert await world.post_webhook(poison(5001), WEBHOOK_SECRET) == 200  # and if it does, it is known
    assert len(skipped_lines(caplog, 5001)) == 1
    someone = world.person(5003, "Dana")
    await world.feed(world.fake.message_update(someone.user, "/help"), via_webhook=True)
    assert "What you can do" in someone.text or "What you can do" in someone.inbox()[-1].text


async def test_webhook_refuses_what_is_not_an_update(webhook_world: TelegramWorld) -> None:
    import aiohttp

    url = f"http://127.0.0.1:{webhook_world.webhook_port}/telegram/hook"
    headers = {"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET}
    async with aiohttp.ClientSession() as http:
        for body in (b"not json", b"[]", b'{"update_id": "7"}', b"{}"):
            async with http.post(url, data=body, headers=headers) as response:
                assert response.status == 400, body
