"""Updates of every kind the platforms send, shaped as their documentation and public projects' fixtures show
them: each one is accepted (2xx), none makes the bot log an error, and only a private chat gets an answer."""

from __future__ import annotations

import logging

import pytest

from tests.telegram.conftest import WEBHOOK_SECRET, TelegramWorld

pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")

PERSON = {"id": 6001, "is_bot": False, "first_name": "Rin", "language_code": "en"}
PRIVATE = {"id": 6001, "type": "private", "first_name": "Rin"}
GROUP = {"id": -100900, "type": "supergroup", "title": "Alumni"}
CHANNEL = {"id": -100901, "type": "channel", "title": "News"}


def message(chat: dict[str, object], **content: object) -> dict[str, object]:
    return {"message_id": 77, "date": 1_700_000_000, "chat": chat, "from": PERSON, **content}


TELEGRAM_UPDATES: dict[str, dict[str, object]] = {
    "edited_message": {"edited_message": {**message(PRIVATE, text="/help"), "edit_date": 1_700_000_100}},
    "channel_post": {"channel_post": {"message_id": 5, "date": 1_700_000_000, "chat": CHANNEL, "text": "hi"}},
    "my_chat_member": {
        "my_chat_member": {
            "chat": GROUP,
            "from": PERSON,
            "date": 1_700_000_000,
            "old_chat_member": {"user": {"id": 999000, "is_bot": True, "first_name": "Bot"}, "status": "left"},
            "new_chat_member": {"user": {"id": 999000, "is_bot": True, "first_name": "Bot"}, "status": "member"},
        }
    },
    "new_chat_members": {"message": message(GROUP, new_chat_members=[PERSON])},
    "photo_with_caption": {
        "message": message(
            PRIVATE,
            photo=[{"file_id": "AgAD", "file_unique_id": "u1", "width": 90, "height": 90}],
            caption="my CV",
        )
    },
    "sticker": {
        "message": message(
            PRIVATE,
            sticker={
                "file_id": "CAAD",
                "file_unique_id": "u2",
                "type": "regular",
                "width": 512,
                "height": 512,
                "is_animated": False,
                "is_video": False,
            },
        )
    },
    "location_in_group": {"message": message(GROUP, location={"latitude": 43.2, "longitude": 76.9})},
    "poll": {
        "poll": {
            "id": "p1",
            "question": "When?",
            "options": [{"text": "Mon", "voter_count": 0}],
            "total_voter_count": 0,
            "is_closed": False,
            "is_anonymous": True,
            "type": "regular",
            "allows_multiple_answers": False,
        }
    },
    "inline_query": {"inline_query": {"id": "q1", "from": PERSON, "query": "mentor", "offset": ""}},
    "callback_without_message": {
        "callback_query": {"id": "c1", "from": PERSON, "chat_instance": "x", "data": "help.show|"}
    },
    "game_callback": {
        "callback_query": {
            "id": "c2",
            "from": PERSON,
            "chat_instance": "x",
            "game_short_name": "g",
            "message": message(PRIVATE, text="x"),
        }
    },
}


@pytest.mark.parametrize("kind", list(TELEGRAM_UPDATES))
async def test_telegram_updates_of_every_kind(
    webhook_world: TelegramWorld, caplog: pytest.LogCaptureFixture, kind: str
) -> None:
    world = webhook_world
    update = {"update_id": 7000 + list(TELEGRAM_UPDATES).index(kind), **TELEGRAM_UPDATES[kind]}
    assert await world.post_webhook(update, WEBHOOK_SECRET) == 200
    await world.core.delivery.flush()
    later = world.fake.message_update(PERSON, "/help")
    await world.feed(later, via_webhook=True)  # the bot goes on answering
    assert any("What you can do" in c.text for c in world.fake.delivered(6001))
    # A shape this python-telegram-bot cannot read (a poll without `persistent_id`, required since Bot API
    # 9.6) is skipped with one line; nothing else is an error.
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert all("cannot be read and is skipped" in line for line in errors) and len(errors) <= 1, errors
    assert not world.fake.delivered(-100900) and not world.fake.delivered(-100901)  # nothing said in public
    if kind in ("photo_with_caption", "sticker"):
        assert any("I can only read text messages" in c.text for c in world.fake.delivered(6001))
