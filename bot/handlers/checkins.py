"""The mid-cycle check-in ("how is it going?"), from the schedule or from staff: how it reads, and its answers."""

from __future__ import annotations

from bot.core.context import Context
from bot.core.dates import day_text
from bot.core.markup import fmt
from bot.core.registry import RenderEnv, action, renders
from bot.core.replies import Button, Reply
from bot.i18n import N_, _, ngettext
from bot.services import checkins
from bot.services.checkins import CheckinAccount, CheckinAnswered, CheckinQuestion, StaffCheckin
from bot.views import pair_names

SIDES = ("student", "alumnus")


# --- the question --------------------------------------------------------------------------------------------


def _answers(notice_id: int) -> list[list[Button]]:
    payload = str(notice_id)
    return [
        [
            Button(_("It's going well"), "chk.fine", payload, style="primary"),
            Button(_("Could be better"), "chk.meh", payload),
            Button(_("I'd like help"), "chk.help", payload),
        ]
    ]


@renders(CheckinQuestion)
def _checkin_question(question: CheckinQuestion, env: RenderEnv) -> Reply:
    programme = env.programme
    if programme.checkin_months * 2 == programme.cycle_months:
        where = _("You and {other} are halfway through your mentorship.")
    else:  # a programme may check in at another point of its cycle
        where = ngettext(
            "You and {other} are {months} month into your mentorship.",
            "You and {other} are {months} months into your mentorship.",
            programme.checkin_months,
        )
    text = fmt(
        _("Hi {first}, {office} here.") + " " + where + " " + _("How is it going?"),
        first=question.person.first_name,
        office=programme.office,
        other=question.other.first_name,
        months=programme.checkin_months,
    )
    return Reply(text, buttons=_answers(question.notice_id))


@renders(StaffCheckin)
def _staff_checkin(question: StaffCheckin, env: RenderEnv) -> Reply:
    # Not the half-way question: staff may ask at any month, and they introduce themselves once.
    text = fmt(
        _("Hi {first}, {staff} from {office} here. How are things going with {other}? One tap is enough:"),
        first=question.person.first_name,
        staff=question.staff.first_name,
        office=env.programme.office,
        other=question.other.first_name,
    )
    return Reply(text, buttons=_answers(question.notice_id))


# --- the answers ---------------------------------------------------------------------------------------------


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
    outcome = await checkins.answer_checkin(ctx.session, ctx.user, ctx.event.payload, said, ctx.now, ctx.settings)
    reply = ctx.render(outcome)
    reply.edit = True
    return reply


@renders(CheckinAnswered)
def _checkin_answered(answered: CheckinAnswered, env: RenderEnv) -> Reply:
    if answered.already:
        return Reply(_("Already noted, thank you! /report reaches the team any time."))
    if answered.said == "fine":
        return Reply(fmt(_("Lovely to hear, {first}! Keep it up."), first=answered.person.first_name))
    return Reply(
        fmt(
            _("Thank you for being honest, {first}. Someone from {office} will get in touch with you privately, soon."),
            first=answered.person.first_name,
            office=env.programme.office,
        )
    )


CHECKIN_ANSWERS = {
    "fine": N_("it's going well"),
    "meh": N_("it could be better"),
    "help": N_("they would like help"),
}


@renders(CheckinAccount)
def _checkin_account(account: CheckinAccount, env: RenderEnv) -> Reply:
    """The line staff read about an answer; when it asks for help, with the last contact (it files a case)."""
    text = _("<b>Check-in</b> for ") + pair_names(account.mentor, account.mentee) + ": "
    text += fmt(_("{name} says {answer}."), name=account.person.name, answer=_(CHECKIN_ANSWERS[account.said]))
    if account.said != "fine":
        text += "\n" + fmt(_("Last contact: {day}."), day=day_text(account.pair.last_contact_at, env.settings))
    return Reply(text)
