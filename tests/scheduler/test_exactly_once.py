"""Daytime delivery, one message a day per person, and exactly once: sweeps twice, two sweepers racing on
one database (SQLite or PostgreSQL), and a sweep that dies half-way."""

from __future__ import annotations

import asyncio
import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from bot.core import notices as sweeps
from bot.core.app import Core
from bot.core.clock import ManualClock
from bot.core.daytime import add_months, next_daytime
from bot.core.registry import SweepSpec, registry
from bot.platforms.console import ConsoleChat
from bot.services.checkins import sweep_checkins
from bot.services.nudges import sweep_nudges
from scheduler.sweeps import run_sweeps
from storage.db import make_engine, make_sessionmaker
from storage.models import Notice, Outbox
from tests.scheduler.helpers import START, outbox_count, pair, person, request, sweep
from tests.support import Harness

DAY = dt.timedelta(days=1)


def test_daytime_follows_the_wall_clock_across_a_daylight_saving_change(core: Core) -> None:
    berlin = ZoneInfo("Europe/Berlin")
    programme = core.programme
    # Saturday 28 March 2026, 03:00 in Berlin (CET, UTC+1): daytime starts 09:00 CET = 08:00 UTC.
    assert next_daytime(dt.datetime(2026, 3, 28, 2, 0, tzinfo=dt.UTC), berlin, programme) == dt.datetime(
        2026, 3, 28, 8, 0, tzinfo=dt.UTC
    )
    # The clocks go forward that night: on Sunday 09:00 is CEST (UTC+2) = 07:00 UTC.
    assert next_daytime(dt.datetime(2026, 3, 28, 20, 30, tzinfo=dt.UTC), berlin, programme) == dt.datetime(
        2026, 3, 29, 7, 0, tzinfo=dt.UTC
    )
    # And back in October: 09:00 CET again = 08:00 UTC on Sunday 25 October.
    assert next_daytime(dt.datetime(2026, 10, 25, 1, 30, tzinfo=dt.UTC), berlin, programme) == dt.datetime(
        2026, 10, 25, 8, 0, tzinfo=dt.UTC
    )
    during = dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.UTC)
    assert next_daytime(during, berlin, programme) == during


async def test_a_nudge_due_at_night_waits_for_the_persons_morning(harness: Harness, clock: ManualClock) -> None:
    mentor = await person(harness.core, "aigerim", "alumnus", timezone="Asia/Almaty")  # UTC+5
    mentee = await person(harness.core, "alex", "student", timezone="America/New_York")  # UTC-5 in winter
    started = dt.datetime(2026, 1, 12, 20, 0, tzinfo=dt.UTC)  # 01:00 in Almaty, 15:00 in New York
    await pair(harness.core, mentor, mentee, started=started)
    aigerim, alex = harness.person("aigerim"), harness.person("alex")

    clock.set(started + 30 * DAY)
    await sweep(harness)
    assert "Have you talked?" in alex.inbox_text()  # 15:00 in New York: daytime
    assert aigerim.inbox == []  # 01:00 in Almaty: it waits
    clock.set(dt.datetime(2026, 2, 12, 3, 59, tzinfo=dt.UTC))
    await harness.core.delivery.flush()
    assert aigerim.inbox == []
    clock.set(dt.datetime(2026, 2, 12, 4, 0, tzinfo=dt.UTC))  # 09:00 in Almaty
    await harness.core.delivery.flush()
    assert "Have you talked?" in aigerim.inbox_text()


async def test_everything_due_for_one_person_on_one_day_is_one_message(harness: Harness, clock: ManualClock) -> None:
    mentor = await person(harness.core, "aigerim", "alumnus")
    alex = await person(harness.core, "alex", "student")
    bota = await person(harness.core, "bota", "student")
    dana = await person(harness.core, "dana", "student")
    await pair(harness.core, mentor, alex)
    await pair(harness.core, mentor, bota)
    await pair(harness.core, mentor, dana, started=START + dt.timedelta(hours=3))
    await request(harness.core, mentor, await person(harness.core, "erlan", "student"), created=START + 23 * DAY)
    aigerim = harness.person("aigerim")

    clock.set(START + 30 * DAY)  # two nudges and a request reminder due for Aigerim: one message
    await sweep(harness)
    assert len(aigerim.inbox) == 1
    text = aigerim.inbox[0].text
    assert "you and Alex" in text and "you and Bota" in text and "Erlan Example asked you" in text
    assert len(aigerim.inbox[0].buttons) == 5  # two rows of answers for each mentee, one for the request

    clock.set(START + 30 * DAY + dt.timedelta(hours=3))  # Dana's nudge: the day's message has gone out
    await sweep(harness)
    assert len(aigerim.inbox) == 1
    clock.set(START + 31 * DAY - dt.timedelta(hours=1, minutes=1))
    await harness.core.delivery.flush()
    assert len(aigerim.inbox) == 1
    clock.set(START + 31 * DAY - dt.timedelta(hours=1))  # 09:00 next day
    await harness.core.delivery.flush()
    assert len(aigerim.inbox) == 2 and "you and Dana" in aigerim.inbox[1].text
    assert len(harness.person("dana").inbox) == 1


async def test_news_found_later_joins_the_message_still_waiting_for_daytime(
    harness: Harness, clock: ManualClock
) -> None:
    mentor = await person(harness.core, "aigerim", "alumnus")
    alex = await person(harness.core, "alex", "student")
    bota = await person(harness.core, "bota", "student")
    late = START + dt.timedelta(hours=11)  # 21:00
    await pair(harness.core, mentor, alex, started=late)
    await pair(harness.core, mentor, bota, started=late + dt.timedelta(hours=2))
    aigerim = harness.person("aigerim")
    for hours in (0, 1, 2, 3):  # hourly sweeps through the night
        clock.set(late + 30 * DAY + dt.timedelta(hours=hours))
        await sweep(harness)
    assert aigerim.inbox == []
    assert await outbox_count(harness.core, mentor) == 1
    clock.set(START + 31 * DAY - dt.timedelta(hours=1))
    await harness.core.delivery.flush()
    assert len(aigerim.inbox) == 1
    assert "you and Alex" in aigerim.inbox[0].text and "you and Bota" in aigerim.inbox[0].text


async def _many_due_pairs(core: Core, count: int) -> None:
    mentors = [await person(core, f"mentor{i}", "alumnus") for i in range(count)]
    for i, mentor in enumerate(mentors):
        await pair(core, mentor, await person(core, f"student{i}", "student"))
        await request(core, mentor, await person(core, f"asker{i}", "student"), created=START + 23 * DAY)


async def test_two_sweepers_racing_on_one_database_send_each_notice_once(
    core: Core, database_url: str, clock: ManualClock
) -> None:
    await _many_due_pairs(core, 6)
    now = START + 30 * DAY
    engines = [make_engine(database_url) for _ in range(2)]
    try:
        sessions = [make_sessionmaker(engine) for engine in engines]
        runs = [run_sweeps(s, now, core.programme, core.settings) for s in sessions for _ in range(2)]
        results = await asyncio.gather(*runs)
    finally:
        for engine in engines:
            await engine.dispose()
    assert all(not r.failed for r in results)
    assert sum(r.notes.get("nudges", 0) for r in results) == 12  # 6 pairs, both sides, once
    assert sum(r.notes.get("requests", 0) for r in results) == 6
    async with core.sessions() as session:
        per_user = list(await session.execute(select(Outbox.user_id, func.count()).group_by(Outbox.user_id)))
        nudges = await session.scalar(select(func.count()).select_from(Notice).where(Notice.kind == "nudge"))
    assert nudges == 12
    assert len(per_user) == 12 and all(n == 1 for _user, n in per_user)  # one message each, no duplicates


async def test_a_sweep_that_dies_half_way_sends_nothing_twice(harness: Harness, clock: ManualClock) -> None:
    await _many_due_pairs(harness.core, 3)
    core = harness.core
    clock.set(START + 30 * DAY)

    async def dies_after_claiming(session, now, programme, settings):  # type: ignore[no-untyped-def]
        await sweep_nudges(session, now, programme, settings)
        raise RuntimeError("the process was killed")

    dying = SweepSpec("dies_after_claiming", dies_after_claiming, order=20)
    crashed = await run_sweeps(core.sessions, clock.now(), core.programme, core.settings, [dying])
    assert crashed.failed == ["dies_after_claiming"]
    async with core.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Outbox)) == 0  # rolled back with its claims

    first = await run_sweeps(core.sessions, clock.now(), core.programme, core.settings, registry.sweeps_in_order()[:2])
    again = await run_sweeps(core.sessions, clock.now(), core.programme, core.settings)  # restarted: all of it
    assert first.total == 9 and again.total == 0
    await core.delivery.flush()
    for i in range(3):
        assert len(harness.person(f"mentor{i}").inbox) == 1
        assert len(harness.person(f"student{i}").inbox) == 1


async def test_check_ins_due_together_go_out_a_batch_at_a_time_and_a_run_cut_short_loses_none(
    harness: Harness, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sweeps, "BATCH", 2)
    core = harness.core
    for i in range(5):
        await pair(core, await person(core, f"mentor{i}", "alumnus"), await person(core, f"student{i}", "student"))
    # All five reached their half-way check-in five days ago, while the bot was down: more than the overlap.
    clock.set(add_months(START, 3) + 5 * DAY)
    [checkins] = [spec for spec in registry.sweeps_in_order() if spec.name == "checkins"]
    written: list[int] = []

    async def killed_after_its_first_batch(session, now, programme, settings):  # type: ignore[no-untyped-def]
        if written:
            raise RuntimeError("the process was killed")
        notes = await sweep_checkins(session, now, programme, settings)
        written.append(len(notes))
        return notes

    cut = SweepSpec("checkins", killed_after_its_first_batch, order=checkins.order)
    assert (await run_sweeps(core.sessions, clock.now(), core.programme, core.settings, [cut])).failed == ["checkins"]
    assert written == [4]  # two pairs, both sides, committed before the cut

    sizes: list[int] = []

    async def counted(session, now, programme, settings):  # type: ignore[no-untyped-def]
        notes = await sweep_checkins(session, now, programme, settings)
        sizes.append(len(notes))
        return notes

    rest = await run_sweeps(
        core.sessions, clock.now(), core.programme, core.settings, [SweepSpec("checkins", counted, 30)]
    )
    assert rest.notes["checkins"] == 6 and sizes == [4, 2]  # the three left, two pairs a transaction
    later = await run_sweeps(core.sessions, clock.now() + DAY, core.programme, core.settings, [checkins])
    assert later.total == 0
    await core.delivery.flush()
    for i in range(5):
        for name in (f"mentor{i}", f"student{i}"):
            [message] = harness.person(name).inbox
            assert "how" in message.text.lower(), message.text


async def test_the_terminal_clock_moves_time_and_shows_the_nudge(core: Core, clock: ManualClock) -> None:
    await person(core, "aigerim", "alumnus")
    await person(core, "alex", "student")
    await pair(core, 1, 2)
    out = io.StringIO()
    chat = ConsoleChat(core, out)
    await chat.handle_line("/as alex")
    await chat.handle_line("/clock +31d")
    shown = out.getvalue()
    assert "it is now Thu 12 Feb 2026 10:00" in shown
    assert "[bot → alex]" in shown and "Have you talked?" in shown
    assert "[bot → aigerim]" in shown
    await chat.handle_line("/clock soon")
    assert "Usage: /clock +31d" in out.getvalue()


async def test_a_large_sweep_runs_in_small_transactions_and_still_sends_each_notice_once(
    harness: Harness, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sweeps, "BATCH", 2)
    await _many_due_pairs(harness.core, 5)
    clock.set(START + 30 * DAY)
    result = await sweep(harness)
    assert result.notes["nudges"] == 10 and result.notes["requests"] == 5
    assert (await sweep(harness)).total == 0
    for i in range(5):
        assert len(harness.person(f"mentor{i}").inbox) == 1  # the nudge and the request reminder, together
        assert len(harness.person(f"student{i}").inbox) == 1
