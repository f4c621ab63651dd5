"""Telegram says no: 429, 500, a timeout, a blocked bot, forged buttons, a forged webhook call, a
redelivered update. Nothing is lost, nothing is sent twice, nothing changes that shouldn't."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging

import pytest
from sqlalchemy import func, select
from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest

from bot.app import create_core
from bot.config import ConfigError, load_settings
from bot.core.clock import ManualClock
from bot.core.replies import Reply
from bot.platforms.telegram import TelegramPlatform
from storage.models import FormProgress, InboxUpdate, MentorProfile, Outbox, ProcessedUpdate, User
from tests.ports import free_port
from tests.telegram.conftest import STAFF_CHAT, WEBHOOK_SECRET, TelegramWorld, make_world
from tests.telegram.fake_api import TOKEN, FakeTelegram
from tests.telegram.test_profile_journey import fill_mentee, fill_mentor
from tests.telegram.test_rendering import queue_for

pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")


def texts_to(world: TelegramWorld, chat_id: int, words: str) -> list[str]:
    return [c.text for c in world.fake.delivered(chat_id) if words in c.text]


async def _greeted(world: TelegramWorld, user_id: int = 5001):  # type: ignore[no-untyped-def]
    alex = world.person(user_id, "Alex")
    await alex.say("/start")
    return alex


async def test_429_waits_retry_after_then_delivers_once(world: TelegramWorld) -> None:
    alex = await _greeted(world)
    world.fake.fail("sendMessage", "429", retry_after=7, chat_id=alex.chat_id)
    await queue_for(world, alex.id, Reply("Your mentor accepted!"))
    assert await world.core.delivery.flush() == 0
    assert texts_to(world, alex.chat_id, "accepted") == []
    world.clock.advance(dt.timedelta(seconds=6))
    assert await world.core.delivery.flush() == 0  # not before Telegram said
    assert len(world.fake.called("sendMessage")) == 2  # /start's answer and the refused one
    world.clock.advance(dt.timedelta(seconds=2))
    assert await world.core.delivery.flush() == 1
    world.clock.advance(dt.timedelta(minutes=10))
    await world.core.delivery.flush()
    assert texts_to(world, alex.chat_id, "accepted") == ["Your mentor accepted!"]


async def test_a_reply_refused_with_429_goes_through_the_outbox(world: TelegramWorld) -> None:
    alex = world.person(5001, "Alex")
    world.fake.fail("sendMessage", "429", retry_after=4, chat_id=alex.chat_id)
    await alex.say("/start")  # the person exists now, and the answer waits in the outbox
    assert texts_to(world, alex.chat_id, "Hello") == []
    world.clock.advance(dt.timedelta(seconds=5))
    await world.core.delivery.flush()
    assert len(texts_to(world, alex.chat_id, "Hello")) == 1
    await alex.press("student")  # its buttons work
    assert "full name" in alex.text


async def test_telegram_out_of_reach_at_start_is_waited_out(
    database_url: str, clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    port = free_port()
    fake = FakeTelegram()
    fake.port = port  # where the bot looks for Telegram: nothing listens there yet
    core, world = await make_world(fake, database_url, clock)

    async def telegram_comes_back() -> None:
        await asyncio.sleep(0.5)  # the bot has knocked a few times by now
        await fake.start(port)

    back = asyncio.create_task(telegram_comes_back())
    try:
        with caplog.at_level(logging.WARNING, logger="bot.platforms.telegram"):
            await world.start()  # ready once Telegram answers
        await back
        assert "cannot reach Telegram yet" in caplog.text
        alex = world.person(5001, "Alex")
        await alex.say("/start")
        assert "Hello" in alex.text
    finally:
        await world.stop()
        await core.close()
        await fake.stop()


@pytest.mark.parametrize("fault", ["500", "slow"])
async def test_server_errors_and_timeouts_are_retried_with_backoff(world: TelegramWorld, fault: str) -> None:
    alex = await _greeted(world)
    world.fake.fail("sendMessage", fault, chat_id=alex.chat_id)
    await queue_for(world, alex.id, Reply("Reminder: meet your mentor this week."))
    assert await world.core.delivery.flush() == 0
    async with world.core.sessions() as session:
        row = await session.scalar(select(Outbox).where(Outbox.status == "pending"))
    assert row.attempts == 1 and row.last_error
    world.clock.advance(dt.timedelta(seconds=6))
    assert await world.core.delivery.flush() == 1
    world.clock.advance(dt.timedelta(hours=1))
    await world.core.delivery.flush()
    assert texts_to(world, alex.chat_id, "Reminder") == ["Reminder: meet your mentor this week."]


async def test_a_blocked_bot_is_recorded_staff_told_once_and_nothing_crashes(world: TelegramWorld) -> None:
    alex = world.person(5001, "Alex")
    await fill_mentee(alex)
    world.fake.blocked.add(alex.chat_id)
    await queue_for(world, alex.id, Reply("First news"))
    await queue_for(world, alex.id, Reply("Second news"))
    await world.core.delivery.flush()
    await world.core.delivery.flush()
    async with world.core.sessions() as session:
        user = await session.scalar(select(User).where(User.name == "Alex Kim"))
        failed = await session.scalar(select(func.count()).select_from(Outbox).where(Outbox.status == "failed"))
    assert user.blocked_bot_at is not None and failed == 2
    told = [t for t in (c.text for c in world.staff_chat()) if "can't receive messages" in t]
    assert told == [told[0]] and "Alex Kim" in told[0]
    # They unblock and write again: they are reachable, and the bot still runs.
    world.fake.blocked.clear()
    assert "Welcome back, Alex" in await alex.say("/start")
    async with world.core.sessions() as session:
        assert (await session.get(User, user.id)).blocked_bot_at is None


async def test_forged_buttons_are_refused_and_change_nothing(world: TelegramWorld) -> None:
    zhanna = world.person(5002, "Zhanna")
    await fill_mentor(zhanna)
    alex = world.person(5001, "Alex")
    await fill_mentee(alex)
    before = await _snapshot(world)
    assert "something mentors do" in await alex.press_data("profile.pause|")
    assert "no longer works" in await alex.press_data("admin.delete_all|1")
    assert "no longer works" in await alex.press_data("no separator at all")
    assert "form is closed" in await alex.press_data("f.pick|mentor.0.0")
    stranger = world.person(5009, "Eve")
    await stranger.say("/help")
    assert "send /start" in await stranger.press_data("profile.edit|")
    assert await _snapshot(world) == before
    async with world.core.sessions() as session:
        assert (await session.scalar(select(MentorProfile))).active is True


async def _snapshot(world: TelegramWorld) -> tuple[object, ...]:
    async with world.core.sessions() as session:
        users = [(u.id, u.name, u.role, u.is_staff) for u in await session.scalars(select(User).order_by(User.id))]
        mentors = [(m.user_id, m.active, m.status) for m in await session.scalars(select(MentorProfile))]
        forms = await session.scalar(select(func.count()).select_from(FormProgress))
    return users[:2], mentors, forms


async def test_a_redelivered_update_is_handled_once(world: TelegramWorld) -> None:
    alex = world.person(5001, "Alex")
    await alex.say("/start")
    await alex.press("student")
    update = world.fake.message_update(alex.user, "Alex Kim")
    world.fake.push(update)
    alex.mark = len(world.fake.calls)
    world.fake.push(update)  # the same update_id again, as after a crash before confirming it
    await world.wait_handled(update["update_id"])
    await world.wait_polled_past(update["update_id"])
    await world.core.delivery.flush()
    assert world.handled.count(update["update_id"]) == 1  # recorded once, so handed to the handlers once
    asked = [c for c in alex.since if "What do you study?" in c.text]
    assert len(asked) == 1
    async with world.core.sessions() as session:
        progress = await session.scalar(select(FormProgress))
    assert progress.answers == {"name": "Alex Kim"}
    # Long polling asks only for what the bot handles, and confirms what it got (the offset moves on).
    await world.wait_polled_past(update["update_id"])
    assert world.fake.polls[-1]["allowed_updates"] == ["message", "callback_query"]


async def test_webhook_refuses_a_wrong_or_missing_secret(webhook_world: TelegramWorld) -> None:
    world = webhook_world
    assert world.fake.webhook["url"] == "https://bot.example.org/telegram/hook"
    assert world.fake.webhook["secret_token"] == WEBHOOK_SECRET
    alex = world.person(5001, "Alex")
    forged = world.fake.message_update(alex.user, "/start")
    assert await world.post_webhook(forged, "wrong-secret") == 403
    assert await world.post_webhook(forged, None) == 403
    assert world.handled == [] and not world.fake.called("sendMessage")
    async with world.core.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(User)) == 0
        assert await session.scalar(select(func.count()).select_from(ProcessedUpdate)) == 0
    # Telegram itself, with the secret, gets through; its retry of the same update is confirmed (200) and
    # recognised as one already recorded, so it is handled once.
    await world.feed(forged, via_webhook=True)
    assert await world.post_webhook(forged, WEBHOOK_SECRET) == 200
    await world.core.delivery.flush()
    assert len(texts_to(world, alex.chat_id, "Hello, Alex")) == 1
    async with world.core.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(InboxUpdate)) == 1


async def test_webhook_mode_needs_a_valid_secret(fake: FakeTelegram, database_url: str, clock: ManualClock) -> None:
    for secret in (None, "has spaces", "x" * 257):
        settings = load_settings(
            database_url=database_url,
            telegram_bot_token=TOKEN,
            telegram_api_base_url=fake.base_url,
            telegram_webhook_url="https://bot.example.org/hook",
            telegram_webhook_secret=secret,
            _env_file=None,
        )
        core = await create_core(settings, clock, migrate=False)
        try:
            with pytest.raises(ConfigError, match="TELEGRAM_WEBHOOK_SECRET"):
                TelegramPlatform(core)
        finally:
            await core.close()


async def test_staff_chat_gets_what_is_for_staff(world: TelegramWorld) -> None:
    assert await world.platform.send_to_staff(Reply("<b>Escalation</b>: Alex hasn't heard back"))
    assert world.staff_chat()[-1].text == "Escalation: Alex hasn't heard back"
    assert world.staff_chat()[-1].chat_id == STAFF_CHAT


async def test_a_long_message_cut_short_by_429_resumes_without_repeating(world: TelegramWorld) -> None:
    alex = await _greeted(world)
    text = "\n".join(f"Line {i}: " + "mentoring news " * 20 for i in range(60))
    await queue_for(world, alex.id, Reply(text))
    first_part = len(world.fake.calls)
    world.fake.fail("sendMessage", "429", retry_after=5, chat_id=alex.chat_id, skip=1)  # the second part
    assert await world.core.delivery.flush() == 0
    world.clock.advance(dt.timedelta(seconds=6))
    assert await world.core.delivery.flush() == 1
    parts = [c for c in world.fake.calls[first_part:] if c.ok and c.method == "sendMessage"]
    assert "\n".join(c.text for c in parts) == text  # every line once, in order


async def test_telegram_down_at_start_is_waited_out(fake: FakeTelegram, database_url: str, clock: ManualClock) -> None:
    fake.fail("getMe", "500", times=2)
    core, world = await make_world(fake, database_url, clock)
    await world.start()
    try:
        assert len(fake.called("getMe")) == 3
        assert "What you can do" in await world.person(5001, "Alex").say("/help")
    finally:
        await world.stop()
        await core.close()


async def test_a_wrong_token_stops_with_one_sentence(fake: FakeTelegram, database_url: str, clock: ManualClock) -> None:
    core, world = await make_world(fake, database_url, clock, telegram_bot_token="42:not-the-token")
    try:
        with pytest.raises(ConfigError, match="Telegram refused TELEGRAM_BOT_TOKEN"):
            await world.platform.run()
    finally:
        await core.close()


async def test_cancel_replaces_the_question_and_keeps_nothing(world: TelegramWorld) -> None:
    alex = world.person(5001, "Alex")
    await alex.say("/start")
    await alex.press("student")
    await alex.say("Alex Kim")
    question, _data = alex.find_button("Cancel")
    await alex.press("Cancel")
    answered, edited = world.fake.calls[alex.mark :][:2]
    assert answered.method == "answerCallbackQuery"  # the spinner stops before the work is done
    assert edited.method == "editMessageText" and int(edited.params["message_id"]) == question["message_id"]
    assert "Nothing was changed" in edited.text and not edited.buttons  # its buttons are gone
    async with world.core.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(FormProgress)) == 0


async def test_the_bot_token_never_reaches_the_log(
    fake: FakeTelegram, database_url: str, clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    fake.fail("sendMessage", "500")
    core, world = await make_world(fake, database_url, clock)
    await world.start()
    try:
        await world.person(5001, "Alex").say("/start")
    finally:
        await world.stop()
        await core.close()
    assert caplog.records and TOKEN.split(":")[1] not in caplog.text


async def test_markup_telegram_cannot_parse_still_arrives_as_plain_words(world: TelegramWorld) -> None:
    alex = await _greeted(world)
    await queue_for(world, alex.id, Reply("An unclosed <b>bold & brave note"))
    assert await world.core.delivery.flush() == 1
    sent = [c for c in world.fake.called("sendMessage") if "brave" in c.params["text"]]
    assert [(c.status, c.params.get("parse_mode")) for c in sent] == [(400, "HTML"), (200, None)]
    assert sent[-1].text == "An unclosed bold & brave note"


async def test_the_fake_is_as_strict_as_telegram(world: TelegramWorld) -> None:
    """So that the other tests mean something: what Telegram refuses, the fake refuses."""
    bot, chat = world.platform.app.bot, 5001
    with pytest.raises(BadRequest, match=r"(?i)too long"):
        await bot.send_message(chat, "x" * 4097)
    await bot.send_message(chat, "&amp;" * 4096, parse_mode="HTML")  # 4096 after entity parsing is fine
    with pytest.raises(BadRequest, match=r"(?i)button_data_invalid"):
        keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("x", callback_data="é" * 33)]])  # 66 bytes
        await bot.send_message(chat, "hi", reply_markup=keyboard)
    with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
        await bot.send_message(chat, "1 < 2", parse_mode="HTML")
    message = await bot.send_message(chat, "same")
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_text("same", chat_id=chat, message_id=message.message_id)


async def test_one_chat_stuck_on_a_slow_send_does_not_hold_up_another(world: TelegramWorld) -> None:
    slow, quick = world.person(5001, "Sol"), world.person(5002, "Quinn")
    world.fake.fail("sendMessage", "slow", chat_id=slow.chat_id)
    stuck = world.fake.push(world.fake.message_update(slow.user, "/help"))
    answered = world.fake.push(world.fake.message_update(quick.user, "/help"))
    await world.wait_handled(answered["update_id"])
    assert stuck["update_id"] not in world.handled  # still waiting on Telegram
    assert texts_to(world, quick.chat_id, "What you can do")
    # The slow one times out; its answer goes through the outbox, once.
    await world.wait_handled(stuck["update_id"])
    world.clock.advance(dt.timedelta(seconds=6))
    await world.core.delivery.flush()
    assert len(texts_to(world, slow.chat_id, "What you can do")) == 1


async def test_quick_answers_in_one_chat_are_taken_in_order(world: TelegramWorld) -> None:
    alex = world.person(5001, "Alex")
    await alex.say("/start")
    await alex.press("student")
    updates = [world.fake.push(world.fake.message_update(alex.user, text)) for text in ("Alex Kim", "BA", "3")]
    await world.wait_handled(updates[-1]["update_id"])
    async with world.core.sessions() as session:
        progress = await session.scalar(select(FormProgress))
    assert progress.answers == {"name": "Alex Kim", "programme_of_study": "BA", "year_of_study": 3}
    assert [u for u in world.handled if u in {u["update_id"] for u in updates}] == [u["update_id"] for u in updates]
