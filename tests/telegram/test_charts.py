"""The career team's charts arrive as photos, shown in the chat as they are, and files as documents."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from bot.core.replies import Attachment, Reply
from tests.telegram.conftest import STAFF_CHAT, TelegramWorld
from tests.telegram.test_rendering import queue_for

pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")


async def test_stats_chart_arrives_through_send_photo(world: TelegramWorld) -> None:
    sam = world.staff_member()
    said = await sam.say("/stats")
    assert "The programme in numbers" in said
    photos = [c for c in sam.since if c.method == "sendPhoto"]
    assert len(photos) == 1 and photos[0].ok and photos[0].chat_id == STAFF_CHAT
    filename, content = photos[0].files["photo"]
    assert filename.startswith("programme-") and filename.endswith(".png")
    with Image.open(io.BytesIO(content)) as image:
        assert image.format == "PNG" and image.width >= 1200
    assert not [c for c in sam.since if c.method == "sendDocument"]  # the chart is not a download


async def test_a_picture_telegram_refuses_as_a_photo_goes_as_a_document(world: TelegramWorld) -> None:
    alex = world.person(5001, "Alex")
    await alex.say("/help")  # a private chat with the bot exists
    alex.mark = len(world.fake.calls)
    await queue_for(world, alex.id, Reply("Here", attachment=Attachment("odd.png", b"not a png", "image/png")))
    await world.core.delivery.flush()
    calls = world.fake.calls[alex.mark :]
    methods = [(c.method, c.ok) for c in calls if c.method in ("sendPhoto", "sendDocument")]
    assert methods == [("sendPhoto", False), ("sendDocument", True)]
