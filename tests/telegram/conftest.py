"""The bot on the real python-telegram-bot Application, talking to a fake Bot API on 127.0.0.1.

`TelegramWorld` feeds updates as Telegram would (getUpdates, or webhook POSTs), waits until the
Application has handled each one, then runs the outbox, so a test reads like a conversation.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from telegram import Update
from telegram.ext import TypeHandler

from bot.app import create_core
from bot.config import load_settings
from bot.core.app import Core
from bot.core.clock import ManualClock
from bot.platforms.telegram import TelegramPlatform
from tests.ports import free_port
from tests.telegram.fake_api import TOKEN, Call, FakeTelegram

STAFF_CHAT = -100500
STAFF_MEMBER = 7001
WEBHOOK_SECRET = "s3cret_-Token"
FAST = {
    "poll_timeout": 1.0,
    "request_timeout": 1.5,  # generous on a busy machine; the "slow" fault outlasts it
    "per_chat_per_second": 1000.0,
    "chat_burst": 1000,
    "group_per_minute": 100_000.0,
    "connect_retry": 0.05,
}


class TgPerson:
    """Someone in a private chat with the bot (or, with `chat_id`, in a group)."""

    def __init__(self, world: TelegramWorld, user_id: int, first: str, last: str = "", username: str = "") -> None:
        self.world = world
        self.user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first}
        if last:
            self.user["last_name"] = last
        if username:
            self.user["username"] = username
        self.chat_id = user_id
        self.mark = 0

    @property
    def id(self) -> int:
        return int(self.user["id"])

    async def say(self, text: str, *, replying: bool = False) -> str:
        """Type a message; `replying` makes it a reply to the bot's last message (how groups answer)."""
        reply_to = self.world.fake.chat_messages(self.chat_id)[-1] if replying else None
        self.mark = len(self.world.fake.calls)
        await self.world.feed(self.world.fake.message_update(self.user, text, self.chat_id, reply_to))
        return self.text

    async def press(self, label: str) -> str:
        message, data = self.find_button(label)
        return await self.press_data(data, message)

    async def press_data(self, data: str, message: dict[str, Any] | None = None) -> str:
        """Press a button with this callback data (on the given message, or the last one in the chat)."""
        if message is None:
            message = self.world.fake.chat_messages(self.chat_id)[-1]
        self.mark = len(self.world.fake.calls)
        await self.world.feed(self.world.fake.callback_update(self.user, message, data))
        return self.text

    def find_button(self, label: str) -> tuple[dict[str, Any], str]:
        """The newest message in this chat with a button whose label contains `label`."""
        messages = self.world.fake.chat_messages(self.chat_id)
        for message in reversed(messages):
            for row in message.get("reply_markup", {}).get("inline_keyboard", []):
                for button in row:
                    if label.lower() in button["text"].lower():
                        return message, button["callback_data"]
        keyboards = [m.get("reply_markup", {}).get("inline_keyboard", []) for m in messages[-3:]]
        shown = [button["text"] for rows in keyboards for row in rows for button in row]
        raise AssertionError(f"no button {label!r} in chat {self.chat_id}; the last messages offer {shown}")

    @property
    def since(self) -> list[Call]:
        """What reached this chat since the person last spoke or pressed."""
        return [c for c in self.world.fake.calls[self.mark :] if c.ok and c.chat_id == self.chat_id]

    @property
    def text(self) -> str:
        return "\n".join(c.text for c in self.since if c.method != "editMessageReplyMarkup")

    def inbox(self) -> list[Call]:
        return self.world.fake.delivered(self.chat_id)


class TelegramWorld:
    def __init__(self, fake: FakeTelegram, core: Core, clock: ManualClock, platform: TelegramPlatform) -> None:
        self.fake = fake
        self.core = core
        self.clock = clock
        self.platform = platform
        self.handled: list[int] = []  # update ids, in the order the Application finished them
        self.webhook_port: int | None = None
        self._task: asyncio.Task[None] | None = None
        # Observes only: runs after the bot's own handlers (a later group) for every update.
        platform.app.add_handler(TypeHandler(Update, self._mark_handled), group=99)

    async def _mark_handled(self, update: Update, context: object) -> None:
        self.handled.append(update.update_id)

    async def start(self) -> None:
        self.core.delivery.add_transport(self.platform)
        self._task = asyncio.create_task(self.platform.run())
        ready = asyncio.create_task(self.platform.ready.wait())
        done, _pending = await asyncio.wait({ready, self._task}, timeout=10, return_when=asyncio.FIRST_COMPLETED)
        if self._task in done:
            await self._task  # it failed to start: show why
        assert ready in done, "the Telegram platform did not start"

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def feed(self, update: dict[str, Any], *, via_webhook: bool = False) -> None:
        """Deliver an update as Telegram would, wait until the bot has handled it, then run the outbox."""
        count = self.handled.count(update["update_id"])
        if via_webhook:
            status = await self.post_webhook(update, WEBHOOK_SECRET)
            assert status == 200
        else:
            self.fake.push(update)
        await self.wait_handled(update["update_id"], count + 1)
        await self.core.delivery.flush()

    async def wait_handled(self, update_id: int, times: int = 1) -> None:
        for _ in range(1000):
            if self.handled.count(update_id) >= times:
                return
            await asyncio.sleep(0.01)
        raise AssertionError(f"update {update_id} was not handled")

    async def wait_polled_past(self, update_id: int) -> None:
        """Until the bot has asked getUpdates for what comes after `update_id` (confirming it)."""
        for _ in range(1000):
            if any(int(poll.get("offset") or 0) > update_id for poll in self.fake.polls):
                return
            await asyncio.sleep(0.01)
        raise AssertionError(f"update {update_id} was never confirmed")

    async def post_webhook(self, update: dict[str, Any], secret: str | None) -> int:
        headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret is not None else {}
        url = f"http://127.0.0.1:{self.webhook_port}/telegram/hook"
        async with aiohttp.ClientSession() as session, session.post(url, json=update, headers=headers) as response:
            return response.status

    def person(self, user_id: int, first: str, last: str = "", username: str = "") -> TgPerson:
        return TgPerson(self, user_id, first, last, username)

    def staff_member(self, user_id: int = STAFF_MEMBER, first: str = "Sam") -> TgPerson:
        """Someone in the staff group (the career-team member of STAFF_IDS by default)."""
        person = TgPerson(self, user_id, first, "Career")
        person.chat_id = STAFF_CHAT
        return person

    def staff_chat(self) -> list[Call]:
        return self.fake.delivered(STAFF_CHAT)

    def staff_text(self) -> str:
        return "\n".join(c.text for c in self.staff_chat())


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    server = FakeTelegram()
    await server.start()
    yield server
    await server.stop()


async def make_world(
    fake: FakeTelegram, database_url: str, clock: ManualClock, **settings: Any
) -> tuple[Core, TelegramWorld]:
    values: dict[str, Any] = {
        "database_url": database_url,
        "staff_ids": f"telegram:{STAFF_MEMBER}",
        "telegram_bot_token": TOKEN,
        "telegram_api_base_url": fake.base_url,
        "telegram_staff_chat_id": STAFF_CHAT,
        "telegram_webhook_listen": "127.0.0.1",
        "_env_file": None,
        **settings,
    }
    core = await create_core(load_settings(**values), clock, migrate=False)
    platform = TelegramPlatform(core, **FAST)
    return core, TelegramWorld(fake, core, clock, platform)


@pytest.fixture
async def world(fake: FakeTelegram, database_url: str, clock: ManualClock) -> AsyncIterator[TelegramWorld]:
    """The bot on long polling."""
    core, tg = await make_world(fake, database_url, clock)
    await tg.start()
    yield tg
    await tg.stop()
    await core.close()


@pytest.fixture
async def webhook_world(fake: FakeTelegram, database_url: str, clock: ManualClock) -> AsyncIterator[TelegramWorld]:
    """The bot in webhook mode, its webhook server on a free local port."""
    port = free_port()
    core, tg = await make_world(
        fake,
        database_url,
        clock,
        telegram_webhook_url="https://bot.example.org/telegram/hook",
        telegram_webhook_port=port,
        telegram_webhook_secret=WEBHOOK_SECRET,
    )
    tg.webhook_port = port
    await tg.start()
    yield tg
    await tg.stop()
    await core.close()
