"""The mentor pool kept in memory between pages: a student sees every change to the mentors at once, whoever
made it (this process, a bulk statement, another process, a rolled-back transaction), and an unchanged
programme is not read again."""

from __future__ import annotations

from sqlalchemy import text, update

from bot.core.app import Core
from bot.services.mentor_pool import current_pool
from storage.db import make_engine, make_sessionmaker
from storage.models import MentorProfile, User
from tests.test_browse import ranked
from tests.test_requests import accept, add_mentor, add_student, send


async def _pool_read_twice(core: Core) -> bool:
    async with core.sessions() as session:
        first = await current_pool(session)
    async with core.sessions() as session:
        return await current_pool(session) is first


async def test_an_unchanged_programme_is_not_read_again(core: Core) -> None:
    await add_mentor(core, "ana", full="Ana Mentor")
    assert await _pool_read_twice(core)
    await add_mentor(core, "bo", full="Bo Mentor")  # a new mentor moves the stamp
    async with core.sessions() as session:
        assert len(await current_pool(session)) == 2


async def test_every_kind_of_change_is_seen_on_the_next_page(core: Core) -> None:
    ana = await add_mentor(core, "ana", full="Ana Mentor", capacity=1)
    bo = await add_mentor(core, "bo", full="Bo Mentor", capacity=1)
    cy = await add_mentor(core, "cy", full="Cy Mentor", capacity=1)
    student = await add_student(core, "alex")
    other = await add_student(core, "bea")
    assert await ranked(core, student) == ["Ana Mentor", "Bo Mentor", "Cy Mentor"]

    await accept(core, ana, await send(core, other, ana))  # Ana's one place is taken
    assert await ranked(core, student) == ["Bo Mentor", "Cy Mentor"]

    async with core.sessions() as session, session.begin():
        (await session.get(User, cy)).name = "Aaron Cy"  # the name breaks the tie
    assert await ranked(core, student) == ["Aaron Cy", "Bo Mentor"]

    async with core.sessions() as session, session.begin():
        await session.execute(update(MentorProfile).where(MentorProfile.user_id == bo).values(active=False))
    assert await ranked(core, student) == ["Aaron Cy"]

    async with core.sessions() as session, session.begin():
        await session.execute(update(MentorProfile).values(active=True, areas=["networking"]))  # all at once
    # Nothing shared any more: the order falls back to the tie-breaks (names).
    assert await ranked(core, student) == ["Aaron Cy", "Bo Mentor"]

    async with core.sessions() as session, session.begin():
        (await session.get(User, bo)).role = "student"
    assert await ranked(core, student) == ["Aaron Cy"]


async def test_a_change_made_by_another_process_is_seen(core: Core, database_url: str) -> None:
    await add_mentor(core, "ana", full="Ana Mentor")
    bo = await add_mentor(core, "bo", full="Bo Mentor")
    student = await add_student(core, "alex")
    assert await ranked(core, student) == ["Ana Mentor", "Bo Mentor"]
    elsewhere = make_engine(database_url)  # its own connections, as a second bot process has
    try:
        async with make_sessionmaker(elsewhere)() as session, session.begin():
            reject = text("UPDATE mentor_profiles SET status = 'rejected' WHERE user_id = :id")
            await session.execute(reject, {"id": bo})
    finally:
        await elsewhere.dispose()
    assert await ranked(core, student) == ["Ana Mentor"]


async def test_a_pool_read_in_a_transaction_that_rolled_back_is_not_kept(core: Core) -> None:
    ana = await add_mentor(core, "ana", full="Ana Mentor")
    await add_mentor(core, "bo", full="Bo Mentor")
    student = await add_student(core, "alex")
    async with core.sessions() as session, session.begin():
        await session.execute(update(MentorProfile).where(MentorProfile.user_id == ana).values(active=False))
        assert len(await current_pool(session)) == 1  # the transaction sees its own change
        await session.rollback()
    # Back to both, and a later change (which a counter would have numbered like the discarded copy) is seen.
    assert await ranked(core, student) == ["Ana Mentor", "Bo Mentor"]
    async with core.sessions() as session, session.begin():
        await session.execute(update(MentorProfile).where(MentorProfile.user_id == ana).values(active=False))
    assert await ranked(core, student) == ["Bo Mentor"]
