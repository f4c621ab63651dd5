"""The leases that keep the delivery worker and the scheduler in one process at a time, and how a process
without the delivery lease hands its answers over (bot/core/leases.py, bot/core/delivery.py)."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select

from bot.config import ConfigError
from bot.core.app import Core
from bot.core.events import Origin
from bot.core.leases import RowLease, hold
from bot.core.replies import Reply
from bot.runner import parse_parts
from storage.models import Outbox


async def test_one_holder_at_a_time_and_a_dead_one_is_replaced(core: Core) -> None:
    first = RowLease(core.sessions, "delivery", seconds=0.3, holder="one")
    second = RowLease(core.sessions, "delivery", seconds=0.3, holder="two")
    assert await first.acquire()
    assert not await second.acquire()
    assert await first.acquire()  # renewing
    await asyncio.sleep(0.4)  # "one" stopped renewing: it died
    assert await second.acquire()
    assert not await first.acquire()


async def test_a_holder_gone_from_this_machine_is_replaced_at_once(core: Core) -> None:
    import socket
    import sys

    finished = await asyncio.create_subprocess_exec(
        sys.executable, "-c", "import os; print(os.getpid())", stdout=asyncio.subprocess.PIPE
    )
    out, _ = await finished.communicate()
    dead = f"{socket.gethostname()}:{out.decode().strip()}"
    assert await RowLease(core.sessions, "delivery", seconds=30, holder=dead).acquire()
    assert await RowLease(core.sessions, "delivery", seconds=30).acquire()  # this process, after a restart
    # A holder on another machine is never judged from here: it keeps the lease until it runs out.
    assert not await RowLease(core.sessions, "delivery", seconds=30, holder="elsewhere:1").acquire()


async def test_the_first_ask_among_many_wins_once(core: Core) -> None:
    leases = [RowLease(core.sessions, "scheduler", seconds=30, holder=f"p{n}") for n in range(5)]
    won = await asyncio.gather(*(lease.acquire() for lease in leases))
    assert sum(won) == 1


async def test_a_clean_stop_gives_the_lease_up_at_once(core: Core) -> None:
    events: list[str] = []
    taken = asyncio.Event()

    async def gained() -> None:
        events.append("gained")
        taken.set()

    async def lost() -> None:
        events.append("lost")

    holding = asyncio.create_task(hold(RowLease(core.sessions, "delivery", 30, "one"), 0.05, gained, lost))
    await asyncio.wait_for(taken.wait(), 10)
    holding.cancel()
    await asyncio.gather(holding, return_exceptions=True)
    assert events == ["gained", "lost"]
    assert await RowLease(core.sessions, "delivery", 30, "two").acquire()  # no waiting for it to run out


async def test_without_the_delivery_lease_answers_are_left_for_the_holder(core: Core) -> None:
    sent: list[Reply] = []

    async def send(_origin: Origin, reply: Reply) -> None:
        sent.append(reply)

    core.delivery.sends = False
    answers = await core.say(Origin("console", "sam"), [Reply("Hello")], update_key="k1")
    assert await core.delivery.send_answers(answers, send) == 0
    assert sent == []
    async with core.sessions() as session:
        rows = list(await session.scalars(select(Outbox).where(Outbox.id.in_([row.id for row in answers]))))
    # Free for the delivering process at once, not held for the answer lease.
    assert [row.status for row in rows] == ["pending"]
    assert all(row.not_before <= core.clock.now() for row in rows)


@pytest.mark.parametrize("value", ["", "updates,mail", "delivery", "scheduler,delivery"])
def test_parts_a_process_cannot_run_are_named(value: str) -> None:
    with pytest.raises(ConfigError):
        parse_parts(value)


def test_parts() -> None:
    assert parse_parts("updates, delivery") == {"updates", "delivery"}
    assert parse_parts("scheduler") == {"scheduler"}
