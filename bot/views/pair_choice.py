"""Which mentorship a command is about: the only one, or buttons to choose when someone has several."""

from __future__ import annotations

from sqlalchemy import or_, select

from bot.core.context import Context
from bot.core.errors import Refusal
from bot.core.markup import fmt
from bot.core.replies import Button, Reply, rows
from bot.i18n import _, date_text
from bot.services.pairs import open_pairs_of, other_side
from storage.models import Pair, User


def no_pairs_refusal(user: User, ended: tuple[Pair, User] | None = None) -> Refusal:
    """Why there is no mentorship to act on: the last one ended (when, with whom, and where its history is), or
    there never was one yet."""
    if ended is not None:
        pair, other = ended
        day = date_text(pair.ended_at) if pair.ended_at else ""
        text = fmt(
            _("Your mentorship with {name} ended on {day}. /history shows what you logged together."),
            name=other.name,
            day=day,
        )
        if user.role == "student":
            text += " " + _("/mentors shows the mentors with a free place who fit you best.")
        return Refusal(text)
    if user.role == "alumnus":
        return Refusal(
            _("You don't have a mentee yet. When a student asks for you and you accept, you'll find them here.")
        )
    return Refusal(_("You don't have a mentor yet. /mentors shows the mentors who fit you best."))


PAST_SHOWN = 6


async def no_pairs_left(ctx: Context) -> Refusal:
    """The refusal for a person with no open mentorship, naming their last one if it ended."""
    past = await _past_pairs(ctx)
    other = await ctx.session.get(User, other_side(past[0], ctx.user)) if past else None
    return no_pairs_refusal(ctx.user, (past[0], other) if past and other is not None else None)


async def _past_pairs(ctx: Context) -> list[Pair]:
    """The person's ended mentorships, the latest first: their history stays theirs to read."""
    return list(
        await ctx.session.scalars(
            select(Pair)
            .where(or_(Pair.mentor_id == ctx.user.id, Pair.mentee_id == ctx.user.id), Pair.status == "ended")
            .order_by(Pair.ended_at.desc(), Pair.id.desc())
            .limit(PAST_SHOWN)
        )
    )


async def pair_options(ctx: Context, *, include_ended: bool = False) -> list[tuple[Pair, User]]:
    """The person's open mentorships (and, when asked, the ended ones after them), each with the other side."""
    options = []
    pairs = await open_pairs_of(ctx.session, ctx.user)
    if include_ended:
        pairs += await _past_pairs(ctx)
    for pair in pairs:
        other = await ctx.session.get(User, other_side(pair, ctx.user))
        if other is not None:
            options.append((pair, other))
    return options


async def choose_pair(ctx: Context, action: str, question: str, *, include_ended: bool = False) -> Pair | Reply:
    """The one open mentorship, or a question with one button per mentorship (action|pair id)."""
    options = await pair_options(ctx, include_ended=include_ended)
    if not options:
        raise await no_pairs_left(ctx)
    if len(options) == 1:
        return options[0][0]
    buttons = [
        Button(
            (other.name[:40] or f"#{pair.id}") + (" " + _("(ended)") if pair.status == "ended" else ""),
            action,
            str(pair.id),
        )
        for pair, other in options
    ]
    return Reply(question, buttons=rows(buttons, 2))


async def other_of(ctx: Context, pair: Pair) -> User:
    other = await ctx.session.get(User, other_side(pair, ctx.user))
    if other is None:
        raise Refusal(_("I couldn't find that person; they may have left the programme."))
    return other
