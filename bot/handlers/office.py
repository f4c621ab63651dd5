"""/office: a student asks the office for what the programme offers (`office_request`: an individual
interview with the alumni career department ...). Staff receive it as a request, apart from problem
reports, with the usual take and resolve buttons (bot.handlers.cases); /office shows staff those still open.

Who may ask comes from the programme definition: the command's roles and its line in /help are set when a
core starts with a programme, and the service asks the same policy again (`cases.may_ask_office`)."""

from __future__ import annotations

import dataclasses

from bot.conversations.office import send_office_request
from bot.core import forms
from bot.core.context import Context
from bot.core.markup import fmt
from bot.core.payloads import storable
from bot.core.registry import command, on_programme, registry
from bot.core.replies import Reply
from bot.i18n import N_, _, ngettext
from bot.programme import Programme
from bot.services import cases
from bot.services.cases import card

ASK_HELP = N_("ask for {label}")


@command("office", roles=("any",), menu=False)
async def office(ctx: Context) -> list[Reply]:
    if ctx.user.is_staff:
        return await _open_requests(ctx)
    cases.may_ask_office(ctx.user, ctx.programme).or_refuse()
    offer = ctx.programme.office_request
    assert offer is not None  # the policy said yes
    if ctx.event.args.strip():
        return [await send_office_request(ctx, storable(ctx.event.args).strip())]
    question = await forms.start_form(ctx, "office")
    intro = fmt(
        _("You're asking {office} for {label}. Only they read your message."),
        office=ctx.programme.office,
        label=offer.label,
    )
    return [Reply(intro + "\n\n" + question.text, buttons=question.buttons, form=question.form, expects_text=True)]


async def _open_requests(ctx: Context) -> list[Reply]:
    """Staff: the requests to the office still open, each with its buttons, apart from problem reports."""
    waiting = await cases.open_office_requests(ctx.session)
    if not waiting:
        return [Reply(_("No requests to the office are open. New ones arrive in the staff chat."))]
    head = Reply(
        ngettext(
            "{n} request to the office is open:", "{n} requests to the office are open, oldest first:", len(waiting)
        ).format(n=len(waiting))
    )
    return [head, *[ctx.render(await card(ctx.session, report)) for report in waiting]]


@on_programme
def offer_office_requests(programme: Programme) -> None:
    """/office is for the roles the programme names, listed in their /help as what it offers; staff use it to
    see the open requests. Without an offer it is listed nowhere and says so plainly when sent."""
    spec = registry.commands["office"]
    offer = programme.office_request
    if offer is None:
        registry.commands["office"] = dataclasses.replace(spec, roles=frozenset({"any"}), help="", menu=False)
        return
    registry.commands["office"] = dataclasses.replace(
        spec,
        roles=frozenset({*offer.roles, "staff"}),
        help=_(ASK_HELP).format(label=offer.label),
        menu=True,
    )
