"""Messages to other people: queued with the action that caused them, delivered once, never lost."""

from __future__ import annotations

import asyncio
import datetime as dt

from sqlalchemy import select

from bot.core.app import Core
from bot.core.clock import ManualClock
from bot.core.context import queue_message
from bot.core.delivery import Pace, RetryLater, Unreachable
from bot.core.events import Origin
from bot.core.replies import Reply
from storage.models import Identity, Outbox, User
from tests.rollback_support import REFUSAL, Seen, write_then_stop_core
from tests.support import Harness
from tests.test_requests import add_student


class FlakyTransport:
    """A platform that answers with the given outcomes in turn (an exception, or None for delivered)."""

    platform = "console"

    def __init__(self, outcomes: list[Exception | None]) -> None:
        self.outcomes = list(outcomes)
        self.delivered: list[str] = []
        self.attempts = 0

    async def send_to_user(self, identity: Identity, reply: Reply) -> None:
        self.attempts += 1
        outcome = self.outcomes.pop(0) if self.outcomes else None
        if outcome is not None:
            raise outcome
        self.delivered.append(reply.text)

    async def send_to_staff(self, reply: Reply) -> bool:
        self.delivered.append("staff: " + reply.text)
        return True


async def _person(core: Core, name: str, clock: ManualClock) -> int:
    async with core.sessions() as session, session.begin():
        user = User(name=name.title(), created_at=clock.now())
        session.add_all([user, Identity(user=user, platform="console", external_id=name, created_at=clock.now())])
        await session.flush()
        return user.id


async def _queue(core: Core, clock: ManualClock, user_id: int, text: str) -> None:
    async with core.sessions() as session, session.begin():
        queue_message(session, clock.now(), Reply(text), user_id=user_id)


async def test_429_waits_the_time_the_platform_says_then_delivers_once(core: Core, clock: ManualClock) -> None:
    transport = FlakyTransport([RetryLater(30)])
    core.delivery.add_transport(transport)
    user_id = await _person(core, "maria", clock)
    await _queue(core, clock, user_id, "Your mentor accepted!")

    assert await core.delivery.flush() == 0
    clock.advance(dt.timedelta(seconds=29))
    assert await core.delivery.flush() == 0  # not before retry_after
    assert transport.attempts == 1
    clock.advance(dt.timedelta(seconds=2))
    assert await core.delivery.flush() == 1
    clock.advance(dt.timedelta(hours=1))
    assert await core.delivery.flush() == 0
    assert transport.delivered == ["Your mentor accepted!"]


async def test_network_errors_back_off_and_deliver(core: Core, clock: ManualClock) -> None:
    transport = FlakyTransport([ConnectionError("reset"), TimeoutError("slow")])
    core.delivery.add_transport(transport)
    user_id = await _person(core, "maria", clock)
    await _queue(core, clock, user_id, "Hello")
    for _ in range(3):
        await core.delivery.flush()
        clock.advance(dt.timedelta(minutes=1))
    assert transport.delivered == ["Hello"]
    async with core.sessions() as session:
        row = await session.scalar(select(Outbox))
    assert row.status == "sent" and row.attempts == 3


async def test_blocked_person_is_recorded_and_staff_told_once(core: Core, clock: ManualClock) -> None:
    transport = FlakyTransport([Unreachable("blocked"), Unreachable("blocked")])
    core.delivery.add_transport(transport)
    user_id = await _person(core, "maria", clock)
    await _queue(core, clock, user_id, "one")
    await _queue(core, clock, user_id, "two")
    await core.delivery.flush()
    await core.delivery.flush()
    async with core.sessions() as session:
        user = await session.get(User, user_id)
    assert user.blocked_bot_at is not None
    staff = [text for text in transport.delivered if text.startswith("staff: ")]
    assert len(staff) == 1 and "Maria can't receive messages" in staff[0]


async def test_writing_again_unblocks(harness: Harness, clock: ManualClock) -> None:
    core = harness.core
    user_id = await _person(core, "maria", clock)
    async with core.sessions() as session, session.begin():
        (await session.get(User, user_id)).blocked_bot_at = clock.now()
    await harness.person("maria").say("/help")
    async with core.sessions() as session:
        assert (await session.get(User, user_id)).blocked_bot_at is None


async def test_two_workers_never_send_a_message_twice(core: Core, clock: ManualClock) -> None:
    transport = FlakyTransport([])
    core.delivery.add_transport(transport)
    user_id = await _person(core, "maria", clock)
    for n in range(20):
        await _queue(core, clock, user_id, f"message {n}")
    await asyncio.gather(core.delivery.flush(), core.delivery.flush(), core.delivery.flush())
    assert sorted(transport.delivered) == sorted(f"message {n}" for n in range(20))


async def test_a_refused_action_tells_nobody(database_url: str, clock: ManualClock) -> None:
    # A refusal rolls back the whole event, messages to others included: the command queues a message for
    # Bea (flushed into the outbox table) and only then refuses.
    seen = Seen()
    core = await write_then_stop_core(database_url, clock, seen)
    try:
        harness = Harness(core)
        await add_student(core, "alex")
        await add_student(core, "bea")
        assert await harness.person("alex").say("/writeandrefuse") == REFUSAL
        assert seen.outbox == [1]  # the message was queued before the refusal
        await core.delivery.flush()
        assert harness.person("bea").inbox == []
        async with core.sessions() as session:
            assert list(await session.scalars(select(Outbox))) == []
    finally:
        await core.close()


async def test_staff_messages_go_to_each_staff_member_without_a_staff_chat(harness: Harness) -> None:
    harness.transport.has_staff_chat = False
    await harness.person("sam").say("/help")  # sam is staff (STAFF_IDS=console:sam in the fixture)
    async with harness.core.sessions() as session, session.begin():
        queue_message(session, harness.core.clock.now(), Reply("A report"), to_staff=True)
    await harness.core.delivery.flush()
    assert [r.text for r in harness.person("sam").inbox] == ["A report"]


class NamedTransport(FlakyTransport):
    def __init__(self, platform: str) -> None:
        super().__init__([])
        self.platform = platform


async def test_someone_on_two_platforms_hears_once_where_they_last_wrote(core: Core, clock: ManualClock) -> None:
    from bot.core.events import Actor, Event

    telegram, slack = NamedTransport("telegram"), NamedTransport("slack")
    core.delivery.add_transport(telegram)
    core.delivery.add_transport(slack)
    user_id = await _person(core, "maria", clock)
    async with core.sessions() as session, session.begin():
        session.add(Identity(user_id=user_id, platform="slack", external_id="U1", created_at=clock.now()))
        session.add(Identity(user_id=user_id, platform="telegram", external_id="42", created_at=clock.now()))
    clock.advance(dt.timedelta(minutes=1))
    await core.handle(Event(actor=Actor(platform="slack", external_id="U1"), kind="command", command="help"))
    await _queue(core, clock, user_id, "first")
    await core.delivery.flush()
    clock.advance(dt.timedelta(minutes=1))
    await core.handle(Event(actor=Actor(platform="telegram", external_id="42"), kind="command", command="help"))
    await _queue(core, clock, user_id, "second")
    await core.delivery.flush()
    assert slack.delivered == ["first"]
    assert telegram.delivered == ["second"]


async def test_an_answer_waiting_for_the_flood_limit_goes_before_waiting_outbox_messages() -> None:
    pace = Pace(per_second=1000, burst=1)  # one place, free again a millisecond after each send
    order: list[str] = []

    async def send(name: str, urgent: bool) -> None:
        async with pace.slot(urgent=urgent):
            order.append(name)

    async with pace.slot(urgent=False):  # a notice is being sent: everyone else waits
        waiting = [asyncio.create_task(send(f"notice {n}", False)) for n in range(3)]
        await asyncio.sleep(0)
        waiting.append(asyncio.create_task(send("answer", True)))
        await asyncio.sleep(0)
    await asyncio.gather(*waiting)
    assert order == ["answer", "notice 0", "notice 1", "notice 2"]


class AnsweringTransport:
    """A platform that takes answers to chats, each after a moment, so that sends overlap."""

    platform = "console"

    def __init__(self) -> None:
        self.answered: list[str] = []

    async def send_answer(self, origin: Origin, reply: Reply) -> None:
        await asyncio.sleep(0.001)
        self.answered.append(f"{origin.chat_id}: {reply.text}")

    async def send_to_user(self, identity: Identity, reply: Reply) -> None:
        raise AssertionError("only answers to chats here")

    async def send_to_staff(self, reply: Reply) -> bool:
        raise AssertionError("only answers to chats here")


async def test_answers_sent_side_by_side_are_all_recorded_sent_and_never_sent_again(
    core: Core, clock: ManualClock
) -> None:
    transport = AnsweringTransport()
    core.delivery.add_transport(transport)
    answers = [
        await core.say(Origin("console", f"chat{n}"), [Reply(f"Hello {n}")], update_key=f"u{n}") for n in range(30)
    ]
    delivered = await asyncio.gather(*(core.delivery.send_answers(rows) for rows in answers))
    assert delivered == [1] * 30
    async with core.sessions() as session:
        statuses = list(await session.scalars(select(Outbox.status).where(Outbox.chat_id.is_not(None))))
    assert statuses == ["sent"] * 30
    clock.advance(dt.timedelta(hours=1))  # every answer's lease is long over: the worker takes what is not sent
    assert await core.delivery.flush() == 0
    assert sorted(transport.answered) == sorted(f"chat{n}: Hello {n}" for n in range(30))
