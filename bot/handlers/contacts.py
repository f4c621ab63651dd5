"""/log a contact (in one line or step by step), /history of a mentorship, and "is this a good fit?"."""

from __future__ import annotations

from bot.conversations.contact_log import NOTES_MAX, save_logged_contact, too_early
from bot.core import forms
from bot.core.context import Context
from bot.core.errors import Refusal
from bot.core.markup import esc, fmt
from bot.core.payloads import storable
from bot.core.registry import RenderEnv, action, command, renders
from bot.core.replies import Button, Reply
from bot.i18n import N_, _, date_text
from bot.services import contacts
from bot.services.contacts import FitConfirmed, FitQuestion
from bot.services.pairs import pair_for
from bot.views.pair_choice import choose_pair, no_pairs_left, other_of, pair_options
from storage.models import Pair, User

SIDES = ("student", "alumnus")
EXAMPLE = N_("For example: /log met yesterday on zoom, talked about my CV")


@command("log", help=N_("log a talk with your mentor or mentee, e.g. /log met yesterday on zoom"), roles=SIDES)
async def log_contact(ctx: Context) -> Reply | list[Reply]:
    options = await pair_options(ctx)
    if not options:
        raise await no_pairs_left(ctx)
    context: dict[str, object] = {
        "pairs": [[pair.id, other.name] for pair, other in options],
        # Each mentorship's first day in the person's zone: no contact can be logged before it.
        "since": {str(pair.id): pair.created_at.astimezone(ctx.zone).date().isoformat() for pair, _o in options},
    }
    answers: dict[str, object] = {}
    if len(options) == 1:
        context["pair"], answers["_has_pair"] = options[0][0].id, True
    if ctx.event.args:
        said = contacts.read_plain_log(storable(ctx.event.args), ctx.zone, ctx.now)
        if len(said.notes) > NOTES_MAX:
            raise Refusal(fmt(_("That's a bit long: please keep it under {n} characters."), n=NOTES_MAX))
        named = _named_pair(ctx.event.args, options)
        if named is not None:
            context["pair"], answers["_has_pair"] = named.id, True
        if said.happened_on is not None:
            context["happened_on"], answers["_has_date"] = said.happened_on.isoformat(), True
        if said.method is not None:
            context["method"], answers["_has_method"] = said.method, True
        if said.notes or (said.happened_on and said.method):  # a whole sentence: no notes question
            context["notes"], answers["_has_notes"] = said.notes, True
        if said.happened_on is not None and context.get("pair") is not None:
            problem = too_early(said.happened_on.isoformat(), context)
            if problem:
                raise Refusal(problem + "\n" + _(EXAMPLE))
        if all(answers.get(f"_has_{key}") for key in ("pair", "date", "method")):
            return await save_logged_contact(
                ctx,
                pair_id=str(context["pair"]),
                happened_on=said.happened_on,  # type: ignore[arg-type]
                method=said.method,  # type: ignore[arg-type]
                notes=said.notes,
                private=False,
            )
    return await forms.start_form(ctx, "contact", context=context, answers=answers)


def _named_pair(text: str, options: list[tuple[Pair, User]]) -> Pair | None:
    """'/log met Zhanna yesterday' with several mentorships: the one whose first name is in the text."""
    words = {w.strip(".,;:!?").lower() for w in text.split()}
    found = [pair for pair, other in options if other.first_name and other.first_name.lower() in words]
    return found[0] if len(found) == 1 else None


@command("history", help=N_("see the contacts logged in your mentorship"), roles=SIDES)
async def history(ctx: Context) -> Reply:
    chosen = await choose_pair(ctx, "log.hist", _("Whose history would you like to see?"), include_ended=True)
    if isinstance(chosen, Reply):
        return chosen
    return await _history_of(ctx, chosen)


@action("log.hist", roles=SIDES)
async def history_button(ctx: Context) -> Reply:
    return await _history_of(ctx, await pair_for(ctx.session, ctx.user, ctx.event.payload))


async def _history_of(ctx: Context, pair: Pair) -> Reply:
    other = await other_of(ctx, pair)
    entries = await contacts.history(ctx.session, pair, ctx.user)
    buttons = [[Button(_("Log a contact"), "log.new", str(pair.id))]] if pair.status != "ended" else []
    if not entries and pair.status == "ended":
        return Reply(fmt(_("Your mentorship with {name} has ended; nothing was logged in it."), name=other.name))
    if not entries:
        return Reply(
            fmt(
                _("Nothing logged with {name} yet. After you talk, send /log, e.g. /log met yesterday on zoom."),
                name=other.name,
            ),
            buttons=buttons,
        )
    lines = [fmt(_("<b>Your contacts with {name}</b>, newest first:"), name=other.name)]
    for entry in entries:
        author = _("you") if entry.author_id == ctx.user.id else other.first_name
        lines.append(
            fmt(
                _("• {day} · {method} · logged by {author}"),
                day=date_text(entry.happened_on, "dd MMM y"),
                method=contacts.method_label(entry.method),
                author=author,
            )
        )
        if entry.notes:
            lock = "🔒 " if entry.private else ""
            lines.append(f"  {lock}<i>{esc(entry.notes)}</i>")
    if any(e.private and e.author_id == ctx.user.id for e in entries):
        lines.append("")
        lines.append(_("🔒 = a private note: only you can see it."))
    return Reply("\n".join(lines), buttons=buttons)


@action("log.new", roles=SIDES)
async def log_button(ctx: Context) -> Reply:
    pair = await pair_for(ctx.session, ctx.user, ctx.event.payload)
    if pair.status == "ended":
        raise Refusal(_("That mentorship has ended, so there is nothing more to log for it."))
    since = {str(pair.id): pair.created_at.astimezone(ctx.zone).date().isoformat()}
    return await forms.start_form(
        ctx, "contact", context={"pair": pair.id, "since": since}, answers={"_has_pair": True}
    )


# --- is this a good fit? -------------------------------------------------------------------------------


@renders(FitQuestion)
def _fit_question(question: FitQuestion, env: RenderEnv) -> Reply:
    return Reply(
        fmt(
            _(
                "You've had your first conversation with {name}. Is this a good fit for you?\n"
                "If it isn't, just say so: we'll end the match kindly and help find a better one. "
                "Nobody has to explain."
            ),
            name=question.other.name,
        ),
        buttons=[
            [
                Button(_("Yes, a good fit"), "fit.yes", str(question.pair.id), style="primary"),
                Button(_("Not really"), "fit.no", str(question.pair.id)),
            ]
        ],
    )


@action("fit.yes", roles=SIDES)
async def fit_yes(ctx: Context) -> Reply:
    reply = ctx.render(await contacts.confirm_fit(ctx.session, ctx.user, ctx.event.payload))
    reply.edit = True
    return reply


@renders(FitConfirmed)
def _fit_confirmed(confirmed: FitConfirmed, env: RenderEnv) -> Reply:
    return Reply(
        fmt(
            _("Wonderful! Next, set a goal or two with {first}: /goals. Log each talk with /log."),
            first=confirmed.other.first_name,
        )
    )


@action("fit.no", roles=SIDES)
async def fit_no(ctx: Context) -> Reply:
    pair = await contacts.fit_pair(ctx.session, ctx.user, ctx.event.payload)
    other = await other_of(ctx, pair)
    # The place that frees up is always the mentor's: say so in the words of whoever is asking.
    if ctx.user.id == pair.mentor_id:
        question = _(
            "Thanks for being honest. Shall we end your mentorship with {name}? {first} and {office} "
            "will be told kindly that it wasn't the right fit, and your place frees up for another student."
        )
    else:
        question = _(
            "Thanks for being honest. Shall we end your mentorship with {name}? {first} and {office} "
            "will be told kindly that it wasn't the right fit, and {first}'s place frees up."
        )
    return Reply(
        fmt(question, name=other.name, first=other.first_name, office=ctx.programme.office),
        buttons=[
            [
                Button(_("Keep going for now"), "fit.keep", str(pair.id)),
                Button(_("Yes, end it"), "fit.end", str(pair.id), style="danger"),
            ]
        ],
        edit=True,
    )


@action("fit.keep", roles=SIDES)
async def fit_keep(ctx: Context) -> Reply:
    await contacts.fit_pair(ctx.session, ctx.user, ctx.event.payload)
    return Reply(
        _("Alright, nothing was changed. If it still doesn't feel right later, /end is always there."), edit=True
    )


@action("fit.end", roles=SIDES)
async def fit_end(ctx: Context) -> Reply:
    return ctx.render(await contacts.end_poor_fit(ctx.session, ctx.user, ctx.event.payload, ctx.now, ctx.programme))
