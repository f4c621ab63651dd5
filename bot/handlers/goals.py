"""/goals: the shared action plan of a mentorship — goals, their status, progress notes and comments."""

from __future__ import annotations

from bot.conversations.goals import goal_card, plan_reply
from bot.core import forms
from bot.core.context import Context
from bot.core.errors import Refusal
from bot.core.markup import fmt, shorten
from bot.core.registry import RenderEnv, action, command, renders
from bot.core.replies import Button, Reply
from bot.i18n import N_, _
from bot.services import goals
from bot.services.goals import GoalAdded, GoalDone, GoalNoteAdded
from bot.services.pairs import pair_for
from bot.views.pair_choice import choose_pair

SIDES = ("student", "alumnus")


@command("goals", help=N_("your shared goals and action plan"), roles=SIDES)
async def goals_command(ctx: Context) -> Reply:
    chosen = await choose_pair(ctx, "goal.list", _("Whose goals would you like to see?"))
    if isinstance(chosen, Reply):
        return chosen
    return await plan_reply(ctx, chosen)


@action("goal.list", roles=SIDES)
async def list_button(ctx: Context) -> Reply:
    reply = await plan_reply(ctx, await pair_for(ctx.session, ctx.user, ctx.event.payload))
    reply.edit = True
    return reply


@action("goal.add", roles=SIDES)
async def add_button(ctx: Context) -> Reply:
    pair = await pair_for(ctx.session, ctx.user, ctx.event.payload)
    if pair.status == "ended":
        raise Refusal(_("That mentorship has ended, so its goals can't change any more. You can still read them."))
    return await forms.start_form(ctx, "goal", context={"pair": pair.id})


@action("goal.show", roles=SIDES)
async def show(ctx: Context) -> Reply:
    goal, pair = await goals.goal_for(ctx.session, ctx.user, ctx.event.payload)
    return await goal_card(ctx, goal, pair)


@action("goal.st", roles=SIDES)
async def set_status(ctx: Context) -> Reply:
    goal_id, _sep, status = ctx.event.payload.partition(".")
    goal = await goals.set_status(ctx.session, ctx.user, goal_id, status, ctx.now)
    _goal, pair = await goals.goal_for(ctx.session, ctx.user, goal.id)
    return await goal_card(ctx, goal, pair, edit=True)


@action("goal.note", roles=SIDES)
async def note_button(ctx: Context) -> Reply:
    goal, pair = await goals.goal_for(ctx.session, ctx.user, ctx.event.payload)
    if pair.status == "ended":
        raise Refusal(_("That mentorship has ended, so its goals can't change any more. You can still read them."))
    return await forms.start_form(ctx, "goalnote", context={"goal": goal.id})


# --- what the other side is told ---------------------------------------------------------------------


def _about_goal(text: str, goal_id: int) -> Reply:
    return Reply(text, buttons=[[Button(_("See the goal"), "goal.show", str(goal_id))]])


@renders(GoalAdded)
def _goal_added(added: GoalAdded, env: RenderEnv) -> Reply:
    text = fmt(_("{name} added a goal to your plan: <i>{text}</i>"), name=added.author.name, text=added.goal.text)
    return _about_goal(text, added.goal.id)


@renders(GoalDone)
def _goal_done(done: GoalDone, env: RenderEnv) -> Reply:
    text = fmt(_("{name} marked a goal as done: <i>{text}</i> 🎉"), name=done.author.name, text=done.goal.text)
    return _about_goal(text, done.goal.id)


@renders(GoalNoteAdded)
def _goal_note_added(noted: GoalNoteAdded, env: RenderEnv) -> Reply:
    template = (
        _("{name} commented on the goal <i>{goal}</i>:\n{text}")
        if noted.by_mentor
        else _("{name} added a progress note to the goal <i>{goal}</i>:\n{text}")
    )
    text = fmt(template, name=noted.author.name, goal=shorten(noted.goal.text, 80), text=noted.text)
    return _about_goal(text, noted.goal.id)
