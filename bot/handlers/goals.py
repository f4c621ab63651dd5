"""/goals: the shared action plan of a mentorship — goals, their status, progress notes and comments."""

from __future__ import annotations

from bot.conversations.goals import goal_card, plan_reply
from bot.core import forms
from bot.core.context import Context
from bot.core.errors import Refusal
from bot.core.registry import action, command
from bot.core.replies import Reply
from bot.i18n import N_, _
from bot.services import goals
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
