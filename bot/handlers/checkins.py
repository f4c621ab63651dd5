"""The one-tap answers to the mid-cycle check-in ("how is it going?"), from the schedule or from staff."""

from __future__ import annotations

from bot.core.context import Context
from bot.core.dates import day_text
from bot.core.markup import fmt
from bot.core.registry import action
from bot.core.replies import Reply
from bot.i18n import N_, _
from bot.services import cases
from bot.services.checkins import CHECKIN, STAFF_CHECKIN
from bot.services.nudges import answer, notice_for, open_pair_of, pair_names

SIDES = ("student", "alumnus")


# --- the mid-cycle check-in ------------------------------------------------------------------------------

CHECKIN_ANSWERS = {
    "fine": N_("it's going well"),
    "meh": N_("it could be better"),
    "help": N_("they would like help"),
}


@action("chk.fine", roles=SIDES)
async def checkin_fine(ctx: Context) -> Reply:
    return await _checkin(ctx, "fine")


@action("chk.meh", roles=SIDES)
async def checkin_meh(ctx: Context) -> Reply:
    return await _checkin(ctx, "meh")


@action("chk.help", roles=SIDES)
async def checkin_help(ctx: Context) -> Reply:
    return await _checkin(ctx, "help")


async def _checkin(ctx: Context, said: str) -> Reply:
    notice = await notice_for(ctx.session, ctx.user, ctx.event.payload, CHECKIN)
    pair = await open_pair_of(ctx.session, notice)
    if notice.answer is not None:
        return Reply(_("Already noted, thank you! /report reaches the team any time."), edit=True)
    answer(notice, said, ctx.now)
    text = _("<b>Check-in</b> for ") + await pair_names(ctx.session, pair) + ": "
    text += fmt(_("{name} says {answer}."), name=ctx.user.name, answer=_(CHECKIN_ANSWERS[said]))
    if said == "fine":
        if notice.key.startswith(STAFF_CHECKIN):
            ctx.notify_staff(Reply(text))  # staff asked and wait for every answer, good news included
        return Reply(fmt(_("Lovely to hear, {first}! Keep it up."), first=ctx.user.first_name), edit=True)
    text += "\n" + fmt(_("Last contact: {day}."), day=day_text(pair.last_contact_at, ctx.settings))
    await cases.file_case(ctx.session, ctx.now, kind="checkin", pair_id=pair.id, reporter_id=ctx.user.id, text=text)
    return Reply(
        fmt(
            _("Thank you for being honest, {first}. Someone from {office} will get in touch with you privately, soon."),
            first=ctx.user.first_name,
            office=ctx.programme.office,
        ),
        edit=True,
    )
