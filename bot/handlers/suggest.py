"""Staff /suggest: a mentor for every student without one, as one list to review before anything happens.

`/suggest` makes the list (the best total fit within each mentor's free places; bot.services.cohort says
how). Each line reads "student → mentor (score): why they fit". `/suggest drop 3` (or the line's button)
takes a line off, `/suggest swap 2 5` gives two students each other's mentor; each shows the list again.
Confirm matches every line that still holds, as /match does: both sides are told and get the agreement to
fill in. Cancel forgets the list; nobody has been told anything."""

from __future__ import annotations

from bot.core.context import Context
from bot.core.errors import Refusal
from bot.core.markup import esc, fmt
from bot.core.payloads import index_in, quoted, storable
from bot.core.registry import RenderEnv, action, command, renders
from bot.core.replies import Button, Reply
from bot.i18n import N_, _, ngettext
from bot.services import cohort, pairs
from bot.services.cohort import Confirmed, Proposal
from storage.models import User

STAFF = ("staff",)
DROP_BUTTONS = 12  # lines further down are dropped by typing /suggest drop <n>
USAGE = N_("Try /suggest for a new list, /suggest drop 3 to take line 3 off it, or /suggest swap 2 5.")


@command("suggest", help=N_("suggest a mentor for every student without one, to review and confirm"), roles=STAFF)
async def suggest(ctx: Context) -> list[Reply]:
    words = storable(ctx.event.args).split()
    if not words:
        return [ctx.render(await cohort.suggest(ctx.session, ctx.user, ctx.now, ctx.programme))]
    verb, numbers = words[0].lower(), [index_in(word) for word in words[1:]]
    if verb == "drop" and len(numbers) == 1 and numbers[0] is not None:
        return [await _drop(ctx, numbers[0], edit=False)]
    if verb == "swap" and len(numbers) == 2 and None not in numbers:
        first, second = numbers
        assert first is not None and second is not None
        proposal = await cohort.swap(ctx.session, ctx.user, first, second, ctx.now, ctx.programme)
        note = fmt(_("Lines {a} and {b} have swapped mentors."), a=first, b=second)
        return [_with_note(ctx.render(proposal), note)]
    if verb == "confirm" and not numbers:
        return await _confirm(ctx, edit=False)
    if verb == "cancel" and not numbers:
        return [await _cancel(ctx, edit=False)]
    raise Refusal(fmt(_("I didn't understand '{words}'."), words=quoted(ctx.event.args)) + " " + _(USAGE))


@action("sug.drop", roles=STAFF)
async def drop_pressed(ctx: Context) -> list[Reply]:
    number_text, _sep, token = ctx.event.payload.partition(".")
    stale = await _stale(ctx, token)
    if stale is not None:
        return [stale]
    number = index_in(number_text)
    if number is None:
        raise Refusal(_("That button no longer works. /help shows what you can do now."))
    return [await _drop(ctx, number, edit=True)]


@action("sug.ok", roles=STAFF)
async def confirm_pressed(ctx: Context) -> list[Reply]:
    stale = await _stale(ctx, ctx.event.payload)
    if stale is not None:
        return [stale]
    return await _confirm(ctx, edit=True)


@action("sug.no", roles=STAFF)
async def cancel_pressed(ctx: Context) -> list[Reply]:
    return [await _cancel(ctx, edit=True)]


async def _drop(ctx: Context, number: int, *, edit: bool) -> Reply:
    proposal, student = await cohort.drop(ctx.session, ctx.user, number, ctx.now, ctx.programme)
    note = fmt(_("Line {n} is off the list: {student} stays without a mentor for now."), n=number, student=student.name)
    return _with_note(ctx.render(proposal), note, edit=edit)


async def _confirm(ctx: Context, *, edit: bool) -> list[Reply]:
    done = await cohort.confirm(ctx.session, ctx.user, ctx.now, ctx.programme)
    for _line, pair in done.made:
        for side_id in (pair.mentee_id, pair.mentor_id):
            side = await ctx.session.get(User, side_id)
            assert side is not None  # a pair goes with both its people
            ctx.notify(side.id, await pairs.matched(ctx.session, pair, side))
    reply = ctx.render(done)
    reply.edit = edit
    return [reply]


async def _cancel(ctx: Context, *, edit: bool) -> Reply:
    await cohort.cancel(ctx.session, ctx.user, ctx.programme)
    return Reply(_("Cancelled. Nothing was changed and nobody was told anything."), edit=edit)


async def _stale(ctx: Context, token: str) -> Reply | None:
    """The current list, when the button pressed belongs to an older copy of it."""
    proposal = await cohort.current(ctx.session, ctx.user, ctx.programme)
    if token == proposal.token:
        return None
    note = _("That list has changed since. Here it is as it stands now.")
    return _with_note(ctx.render(proposal), note, edit=True)


def _with_note(reply: Reply, note: str, *, edit: bool = False) -> Reply:
    reply.text = note + "\n\n" + reply.text
    reply.edit = edit
    return reply


# --- how the outcomes read -------------------------------------------------------------------------------


def _names(people: tuple[User, ...]) -> str:
    return ", ".join(esc(person.name) for person in people)


@renders(Proposal)
def _proposal(proposal: Proposal, env: RenderEnv) -> Reply:
    lines: list[str] = []
    if proposal.lines:
        lines.append(
            _(
                "<b>Suggested mentors</b>, for the best total fit within each mentor's free places. "
                "Nobody is told anything until you confirm."
            )
        )
        for line in proposal.lines:
            text = fmt(
                _("{n}. {student} → {mentor} ({score})"),
                n=line.number,
                student=line.student.name,
                mentor=line.mentor.name,
                score=line.score,
            )
            lines.append(f"{text}: {line.reason}" if line.reason else text)
    elif not proposal.unmatched:
        lines.append(_("Every student with a profile has a mentor right now, so there is nothing to suggest."))
    else:
        lines.append(_("I have no match to suggest right now."))
    if proposal.lines or proposal.unmatched:
        lines += ["", _totals(proposal)]
    # The names are escaped already (_names), so the templates are filled with format(), not fmt().
    if proposal.left:
        lines.append(
            _("Left without a mentor, as the free places ran out: {names}.").format(names=_names(proposal.left))
        )
    if proposal.no_fit:
        lines.append(
            _("Not matched, as no mentor with a free place has common ground with them: {names}.").format(
                names=_names(proposal.no_fit)
            )
        )
    if proposal.dropped:
        lines.append(_("Taken off the list by you: {names}.").format(names=_names(proposal.dropped)))
    buttons: list[list[Button]] = []
    if proposal.lines:
        lines += [
            "",
            _(
                "Drop a line with its button or /suggest drop 3; give two students each other's mentor with "
                "/suggest swap 2 5."
            ),
        ]
        drops = [
            Button(_("Drop {n}").format(n=line.number), "sug.drop", f"{line.number}.{proposal.token}")
            for line in proposal.lines[:DROP_BUTTONS]
        ]
        buttons += [drops[start : start + 3] for start in range(0, len(drops), 3)]
        confirm = ngettext("Confirm {n} match", "Confirm {n} matches", len(proposal.lines)).format(
            n=len(proposal.lines)
        )
        buttons.append([Button(confirm, "sug.ok", proposal.token, style="primary"), Button(_("Cancel"), "sug.no")])
    elif proposal.unmatched:
        buttons.append([Button(_("Cancel"), "sug.no")])
    return Reply("\n".join(lines), buttons=buttons)


def _totals(proposal: Proposal) -> str:
    pairs_part = ngettext("{n} pair", "{n} pairs", len(proposal.lines)).format(n=len(proposal.lines))
    left_part = ngettext(
        "{n} student left without a mentor", "{n} students left without a mentor", proposal.unmatched
    ).format(n=proposal.unmatched)
    total_part = _("total fit {total}").format(total=proposal.total)
    return " · ".join((pairs_part, left_part, total_part))


@renders(Confirmed)
def _confirmed(done: Confirmed, env: RenderEnv) -> Reply:
    lines: list[str] = []
    if done.made:
        lines.append(
            ngettext(
                "Done: {n} student is matched with their mentor. Both sides have been told and asked to confirm "
                "the agreement.",
                "Done: {n} students are matched with their mentors. Both sides of each match have been told and "
                "asked to confirm the agreement.",
                len(done.made),
            ).format(n=len(done.made))
        )
        lines += [
            fmt(_("• {student} → {mentor}"), student=line.student.name, mentor=line.mentor.name)
            for line, _pair in done.made
        ]
    else:
        lines.append(_("No match was made, so nobody was told anything."))
    if done.skipped:
        lines += ["", _("<b>Skipped</b>, as these no longer hold:")]
        lines += [
            fmt(_("• {student} → {mentor}:"), student=skip.line.student.name, mentor=skip.line.mentor.name)
            + " "
            + skip.reason
            for skip in done.skipped
        ]
    lines += ["", _("/suggest makes a new list for the students still without a mentor.")]
    return Reply("\n".join(lines))
