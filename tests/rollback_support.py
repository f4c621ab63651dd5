"""A core over a registry of its own whose commands write (a row added, a row changed, a message queued for
someone else), check that the writes are really in the database inside their transaction, and only then
refuse or fail: what `Core.handle` keeps of such an event is what its promise "a refusal or a failure
changes nothing" is about."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select

from bot.config import load_settings
from bot.core.app import Core
from bot.core.clock import ManualClock
from bot.core.context import Context
from bot.core.errors import Refusal
from bot.core.registry import Registry
from bot.core.replies import Reply
from storage.models import Identity, Outbox, Report, User

REFUSAL = "Not today, so nothing was changed."
REPORT_TEXT = "Written before the end of the event."
NEW_CONTACT = "changed-before-the-end@example.org"
FOR_BEA = "Alex has news for you."


@dataclass
class Seen:
    """What a command saw inside its own transaction, after flushing its writes."""

    reports: list[int] = field(default_factory=list)
    outbox: list[int] = field(default_factory=list)
    contact: list[str] = field(default_factory=list)


async def _write(ctx: Context, seen: Seen) -> None:
    bea = await ctx.session.scalar(
        select(User).join(Identity).where(Identity.platform == "console", Identity.external_id == "bea")
    )
    assert bea is not None
    ctx.session.add(Report(kind="report", reporter_id=ctx.user.id, text=REPORT_TEXT, created_at=ctx.now))
    ctx.user.contact_details = NEW_CONTACT
    ctx.notify(bea.id, Reply(FOR_BEA))
    await ctx.session.flush()
    seen.reports.append(int(await ctx.session.scalar(select(func.count()).select_from(Report)) or 0))
    seen.outbox.append(int(await ctx.session.scalar(select(func.count()).select_from(Outbox)) or 0))
    seen.contact.append(
        str(await ctx.session.scalar(select(User.contact_details).where(User.id == ctx.user.id)))
    )


def write_then_stop_registry(seen: Seen) -> Registry:
    """/writeandrefuse and /writeandfail: both write, then one refuses and the other fails unexpectedly."""
    commands = Registry()

    @commands.command("writeandrefuse", roles=("member",))
    async def write_and_refuse(ctx: Context) -> Reply:
        await _write(ctx, seen)
        raise Refusal(REFUSAL)

    @commands.command("writeandfail", roles=("member",))
    async def write_and_fail(ctx: Context) -> Reply:
        await _write(ctx, seen)
        raise RuntimeError("the disk is full")

    return commands


async def write_then_stop_core(database_url: str, clock: ManualClock, seen: Seen) -> Core:
    settings = load_settings(database_url=database_url, staff_ids="console:sam", _env_file=None)
    return await Core.create(settings, clock, migrate=False, using=write_then_stop_registry(seen))
