"""The contact log form: which mentorship (when there are several), when, how, notes, private?

What a one-line `/log met yesterday on zoom` already said is carried in the form's context and its
question skipped, so the person is only asked for what is missing.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from bot.core.context import Context
from bot.core.forms import Choice, Field, Form, FormEnv, register_form
from bot.core.markup import fmt
from bot.core.replies import Button, Reply
from bot.i18n import N_, _, date_text
from bot.services import contacts
from bot.services.contacts import METHODS, before_start
from bot.services.pairs import pair_for
from bot.views.pair_choice import other_of

FORM = "contact"

# The longest notes kept with a contact, typed in the form or after /log.
NOTES_MAX = 2000


def _pairs(env: FormEnv) -> list[Choice]:
    return [Choice(str(pid), name) for pid, name in env.context.get("pairs", [])]


def _methods(env: FormEnv) -> list[Choice]:
    return [Choice(key, _(label)) for key, label in METHODS.items()]


def _asked(name: str):  # type: ignore[no-untyped-def]
    """A field asked only when the one-line /log didn't already answer it (marker '_has_<name>')."""
    return lambda answers: not answers.get(f"_has_{name}")


def too_early(day: str, context: dict[str, Any], pair: object = None) -> str | None:
    """A refusal when the (ISO) day is before the chosen mentorship began ('since' in the context)."""
    chosen = pair if pair is not None else context.get("pair")
    started = (context.get("since") or {}).get(str(chosen))
    if not day or not started:
        return None
    return before_start(dt.date.fromisoformat(str(day)), dt.date.fromisoformat(str(started)))


def _day_after_start(value: Any, env: FormEnv) -> str | None:
    return too_early(str(value), env.context, env.answers.get("pair"))


def _pair_after_start(value: Any, env: FormEnv) -> str | None:
    """'/log 12 March' with several mentorships: the date was said before the mentorship was chosen."""
    return too_early(str(env.context.get("happened_on") or ""), env.context, value)


async def _done(ctx: Context, answers: dict[str, Any], context: dict[str, Any]) -> list[Reply]:
    pair_id = answers.get("pair") or context.get("pair")
    happened = answers.get("happened_on") or context.get("happened_on")
    method = answers.get("method") or context.get("method")
    notes = answers.get("notes") or context.get("notes") or ""
    return await save_logged_contact(
        ctx,
        pair_id=str(pair_id),
        happened_on=dt.date.fromisoformat(str(happened)),
        method=str(method),
        notes=str(notes),
        private=bool(answers.get("private")),
    )


async def save_logged_contact(
    ctx: Context, *, pair_id: str, happened_on: dt.date, method: str, notes: str, private: bool
) -> list[Reply]:
    pair = await pair_for(ctx.session, ctx.user, pair_id)
    other = await other_of(ctx, pair)
    if not notes.strip() and await contacts.already_logged(ctx.session, pair, ctx.user, happened_on, method):
        # The same talk sent twice (a forgotten earlier /log): one entry is the truth, not two.
        return [
            Reply(
                fmt(
                    _("That's already in your log: {method} with {name} on {day}. Nothing new was added."),
                    method=contacts.method_label(method).lower(),
                    name=other.name,
                    day=day_label(happened_on),
                ),
                buttons=[[Button(_("See the history"), "log.hist", str(pair.id))]],
            )
        ]
    await contacts.record_contact(
        ctx.session,
        pair,
        author_id=ctx.user.id,
        happened_on=happened_on,
        method=method,
        notes=notes,
        private=private,
        now=ctx.now,
    )
    lines = [
        fmt(
            _("Logged: {method} with {name} on {day}. Thank you!"),
            method=contacts.method_label(method).lower(),
            name=other.name,
            day=day_label(happened_on),
        )
    ]
    if notes.strip():
        who = (
            _("Only you can read the notes.")
            if private
            else fmt(_("{first} can read the notes too."), first=other.first_name)
        )
        lines.append(who)
    lines.append(_("/history shows everything you've logged together."))
    return [Reply("\n".join(lines), buttons=[[Button(_("See the history"), "log.hist", str(pair.id))]])]


def day_label(day: dt.date) -> str:
    return date_text(day, "EEEE d MMMM y")


CONTACT_FORM = register_form(
    Form(
        name=FORM,
        title=N_("Log a contact"),
        intro=N_("Logging a contact keeps your mentorship on track, and stops reminders you don't need."),
        fields=[
            Field(
                "pair",
                "choice",
                N_("Which mentorship is this about?"),
                choices=_pairs,
                when=_asked("pair"),
                check=_pair_after_start,
            ),
            Field(
                "happened_on",
                "date",
                N_("When did you talk?"),
                help=N_("For example: today, yesterday, last Tuesday, 3 days ago, 12 March"),
                when=_asked("date"),
                check=_day_after_start,
            ),
            Field("method", "choice", N_("How did you talk?"), choices=_methods, when=_asked("method")),
            Field(
                "notes",
                "text",
                N_("Any notes? What you talked about, what's next (optional)."),
                help=N_("Your match can read these, unless you keep them private in the next step."),
                required=False,
                multiline=True,
                max_length=NOTES_MAX,
                when=_asked("notes"),
            ),
            Field(
                "private",
                "yes_no",
                N_("Keep these notes private? Yes: only you will see them. No: your match sees them too."),
                when=lambda answers: bool(answers.get("notes")),
            ),
        ],
        on_complete=_done,
        about_pair=True,
    )
)
