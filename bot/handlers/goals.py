"""/goals: the shared action plan of a mentorship — goals, their status, progress notes and comments."""

from __future__ import annotations

from bot.conversations import goals as _goal_forms  # noqa: F401 - registers the forms
from bot.core import forms
from bot.core.context import Context
from bot.core.errors import Refusal
from bot.core.markup import esc, fmt, shorten
from bot.core.registry import action, command
from bot.core.replies import Button, Reply
from bot.handlers.pair_choice import choose_pair, other_of
from bot.i18n import N_, _
from bot.services import goals
from bot.services.pairs import pair_for
from storage.models import Goal, Pair, User

SIDES = ("student", "alumnus")
_MARK = {"open": "○", "in_progress": "◐", "done": "●", "dropped": "✕"}


@command("goals", help=N_("your shared goals and action plan"), roles=SIDES)
async def goals_command(ctx: Context) -> Reply:
    chosen = await choose_pair(ctx, "goal.list", _("Whose goals would you like to see?"))
    if isinstance(chosen, Reply):
        return chosen
    return await _plan(ctx, chosen)


@action("goal.list", roles=SIDES)
async def list_button(ctx: Context) -> Reply:
    reply = await _plan(ctx, await pair_for(ctx.session, ctx.user, ctx.event.payload))
    reply.edit = True
    return reply


async def _plan(ctx: Context, pair: Pair) -> Reply:
    other = await other_of(ctx, pair)
    items = await goals.goals_of(ctx.session, pair)
    add = [Button(_("Add a goal"), "goal.add", str(pair.id), style="primary")] if pair.status != "ended" else []
    if not items:
        return Reply(
            fmt(
                _(
                    "No goals with {first} yet. A good first one is small and specific, like "
                    "'Send my CV to three companies by March'."
                ),
                first=other.first_name,
            ),
            buttons=[add] if add else [],
        )
    lines = [fmt(_("<b>Your plan with {name}</b>"), name=other.name)]
    buttons: list[list[Button]] = []
    for term, heading in goals.TERMS.items():
        of_term = [g for g in items if g.term == term]
        if not of_term:
            continue
        lines += ["", f"<b>{esc(_(heading))}</b>"]
        for goal in of_term:
            number = items.index(goal) + 1
            lines.append(
                f"{number}. {_MARK.get(goal.status, '')} {esc(goal.text)} — {esc(goals.status_label(goal.status))}"
            )
            buttons.append([Button(f"{number}. {shorten(goal.text, 40)}", "goal.show", str(goal.id))])
    lines += ["", _("Tap a goal to update it or add a note.")]
    if add:
        buttons.append(add)
    return Reply("\n".join(lines), buttons=buttons)


@action("goal.add", roles=SIDES)
async def add_button(ctx: Context) -> Reply:
    pair = await pair_for(ctx.session, ctx.user, ctx.event.payload)
    if pair.status == "ended":
        raise Refusal(_("That mentorship has ended, so its goals can't change any more. You can still read them."))
    return await forms.start_form(ctx, "goal", context={"pair": pair.id})


async def goal_added(ctx: Context, pair_id: str, term: str, text: str) -> Reply:
    pair = await pair_for(ctx.session, ctx.user, pair_id)
    await goals.add_goal(ctx.session, pair, ctx.user, term=term, text=text, now=ctx.now)
    other = await other_of(ctx, pair)
    reply = await _plan(ctx, pair)
    reply.text = fmt(_("Added. {first} can see it too."), first=other.first_name) + "\n\n" + reply.text
    return reply


@action("goal.show", roles=SIDES)
async def show(ctx: Context) -> Reply:
    goal, pair = await goals.goal_for(ctx.session, ctx.user, ctx.event.payload)
    return await _card(ctx, goal, pair)


async def _card(ctx: Context, goal: Goal, pair: Pair, *, edit: bool = False) -> Reply:
    lines = [
        f"<b>{esc(goal.text)}</b>",
        fmt(
            _("{term} · {status}"),
            term=_(goals.TERMS.get(goal.term, goal.term)).split(" (")[0],
            status=goals.status_label(goal.status),
        ),
    ]
    notes = await goals.notes_of(ctx.session, goal)
    if notes:
        lines.append("")
        for note in notes:
            author = await ctx.session.get(User, note.author_id) if note.author_id else None
            who = _("you") if note.author_id == ctx.user.id else (author.first_name if author else "?")
            lines.append(
                fmt(_("• {day}, {who}: {text}"), day=note.created_at.strftime("%d %b"), who=who, text=note.text)
            )
    buttons: list[list[Button]] = []
    if pair.status != "ended":
        moves = [
            Button(goals.status_label(status), "goal.st", f"{goal.id}.{status}")
            for status in goals.STATUSES
            if status != goal.status
        ]
        buttons.append(moves)
        note_label = _("Comment") if ctx.user.id == pair.mentor_id else _("Add a progress note")
        buttons.append([Button(note_label, "goal.note", str(goal.id))])
    buttons.append([Button(_("« All goals"), "goal.list", str(pair.id))])
    return Reply("\n".join(lines), buttons=buttons, edit=edit)


@action("goal.st", roles=SIDES)
async def set_status(ctx: Context) -> Reply:
    goal_id, _sep, status = ctx.event.payload.partition(".")
    goal = await goals.set_status(ctx.session, ctx.user, goal_id, status, ctx.now)
    _goal, pair = await goals.goal_for(ctx.session, ctx.user, goal.id)
    return await _card(ctx, goal, pair, edit=True)


@action("goal.note", roles=SIDES)
async def note_button(ctx: Context) -> Reply:
    goal, pair = await goals.goal_for(ctx.session, ctx.user, ctx.event.payload)
    if pair.status == "ended":
        raise Refusal(_("That mentorship has ended, so its goals can't change any more. You can still read them."))
    return await forms.start_form(ctx, "goalnote", context={"goal": goal.id})


async def note_added(ctx: Context, goal_id: str, text: str) -> Reply:
    await goals.add_note(ctx.session, ctx.user, goal_id, text, ctx.now)
    goal, pair = await goals.goal_for(ctx.session, ctx.user, goal_id)
    other = await other_of(ctx, pair)
    reply = await _card(ctx, goal, pair)
    reply.text = fmt(_("Saved. {first} can see it too."), first=other.first_name) + "\n\n" + reply.text
    return reply
