"""The goal forms: a new goal (short or long term, in the person's words) and a note on a goal."""

from __future__ import annotations

from typing import Any

from bot.core.context import Context
from bot.core.forms import Choice, Field, Form, FormEnv, register_form
from bot.core.markup import esc, fmt, shorten
from bot.core.replies import Button, Reply
from bot.i18n import N_, _, date_text
from bot.services import goals
from bot.services.pairs import pair_for
from bot.views.pair_choice import other_of
from storage.models import Goal, Pair, User


def _terms(env: FormEnv) -> list[Choice]:
    return [Choice(key, _(label)) for key, label in goals.TERMS.items()]


async def _goal_done(ctx: Context, answers: dict[str, Any], context: dict[str, Any]) -> Reply:
    return await goal_added(ctx, str(context.get("pair")), str(answers.get("term")), str(answers.get("text") or ""))


async def _note_done(ctx: Context, answers: dict[str, Any], context: dict[str, Any]) -> Reply:
    return await note_added(ctx, str(context.get("goal")), str(answers.get("text") or ""))


# --- what finishing a goal form shows (also the plan and card the /goals buttons show) ---

_MARK = {"open": "○", "in_progress": "◐", "done": "●", "dropped": "✕"}


async def plan_reply(ctx: Context, pair: Pair) -> Reply:
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


async def goal_added(ctx: Context, pair_id: str, term: str, text: str) -> Reply:
    pair = await pair_for(ctx.session, ctx.user, pair_id)
    await goals.add_goal(ctx.session, pair, ctx.user, term=term, text=text, now=ctx.now)
    other = await other_of(ctx, pair)
    reply = await plan_reply(ctx, pair)
    reply.text = fmt(_("Added. {first} can see it too."), first=other.first_name) + "\n\n" + reply.text
    return reply


async def goal_card(ctx: Context, goal: Goal, pair: Pair, *, edit: bool = False) -> Reply:
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
                fmt(_("• {day}, {who}: {text}"), day=date_text(note.created_at, "dd MMM"), who=who, text=note.text)
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


async def note_added(ctx: Context, goal_id: str, text: str) -> Reply:
    await goals.add_note(ctx.session, ctx.user, goal_id, text, ctx.now)
    goal, pair = await goals.goal_for(ctx.session, ctx.user, goal_id)
    other = await other_of(ctx, pair)
    reply = await goal_card(ctx, goal, pair)
    reply.text = fmt(_("Saved. {first} can see it too."), first=other.first_name) + "\n\n" + reply.text
    return reply


GOAL_FORM = register_form(
    Form(
        name="goal",
        title=N_("A new goal"),
        intro=N_("Goals are shared: you and your match both see them and can mark progress."),
        fields=[
            Field("term", "choice", N_("Is it a short-term or a long-term goal?"), choices=_terms),
            Field(
                "text",
                "text",
                N_("What is the goal? Something specific you can tick off."),
                help=N_("For example: Send my CV to three software companies by March."),
                max_length=goals.MAX_GOAL,
            ),
        ],
        on_complete=_goal_done,
        about_pair=True,
    )
)

NOTE_FORM = register_form(
    Form(
        name="goalnote",
        title=N_("A note on this goal"),
        fields=[
            Field(
                "text",
                "text",
                N_("What would you like to add? Your match will see it."),
                help=N_("For example: Sent two applications this week; one interview next Tuesday."),
                multiline=True,
                max_length=goals.MAX_NOTE,
            )
        ],
        on_complete=_note_done,
        about_pair=True,
    )
)
