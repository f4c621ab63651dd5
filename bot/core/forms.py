"""The form engine: forms declared once, walked step by step (Telegram, terminal) or shown whole (Slack).

Progress is a row in `form_progress`, written at every answer, so a restart resumes at the same question.
Button payloads carry the form and step they belong to, so a stale button cannot answer a later question.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import delete

from bot.core.context import Context
from bot.core.dates import parse_past_date
from bot.core.errors import Refusal
from bot.core.markup import esc, fmt
from bot.core.payloads import index_in, quoted, storable
from bot.core.replies import Button, FormFieldView, FormView, Reply, rows
from bot.i18n import _
from bot.programme import Programme
from storage.models import FormProgress

FieldKind = Literal["text", "choice", "multi", "date", "number", "yes_no"]


@dataclass(frozen=True)
class Choice:
    value: str
    label: str  # plain text


@dataclass
class FormEnv:
    """What a field's callbacks may look at."""

    ctx: Context
    answers: dict[str, Any]
    context: dict[str, Any]

    @property
    def programme(self):  # type: ignore[no-untyped-def]
        return self.ctx.programme


ChoicesFn = Callable[[FormEnv], list[Choice]]


@dataclass(frozen=True)
class Field:
    name: str
    kind: FieldKind
    prompt: str  # catalogue msgid
    help: str = ""  # catalogue msgid: an example, or who will see the answer
    choices: list[Choice] | ChoicesFn | None = None
    required: bool = True
    max_length: int = 1000
    multiline: bool = False
    min_value: int | None = None
    max_value: int | None = None
    allow_future: bool = False  # dates: by default only today or earlier
    # A question answered in words (a name, a programme of study): a number alone is refused, as it is most
    # likely a button's number typed where no button is meant ("2" as a name, "2015" as a programme).
    words: bool = False
    when: Callable[[dict[str, Any]], bool] | None = None  # asked only when this holds
    check: Callable[[Any, FormEnv], str | None] | None = None  # extra rule: an error message or None
    # After this answer the form may end early: given the answers so far, the replies that end it (nothing more
    # is asked and the form's completion does not run), or None to go on.
    ends: Callable[[Context, dict[str, Any]], Awaitable[Reply | list[Reply] | None]] | None = None

    def applies(self, answers: dict[str, Any]) -> bool:
        return self.when is None or self.when(answers)

    def choice_list(self, env: FormEnv) -> list[Choice]:
        if self.kind == "yes_no":
            return [Choice("yes", _("Yes")), Choice("no", _("No"))]
        choices = self.choices(env) if callable(self.choices) else list(self.choices or [])
        return [Choice(c.value, words(env.programme, c.label)) for c in choices]


Completion = Callable[[Context, dict[str, Any], dict[str, Any]], Awaitable["Reply | list[Reply] | None"]]
Prefill = Callable[[Context, dict[str, Any]], Awaitable[dict[str, Any]]]


@dataclass(frozen=True)
class Form:
    name: str  # short: it travels in button payloads
    title: str  # catalogue msgid
    fields: list[Field]
    on_complete: Completion
    intro: str = ""  # catalogue msgid shown above the first question
    cancelled: str = ""  # catalogue msgid shown on Cancel (default: nothing was changed)
    submit_label: str = "Save"
    # Answered question by question in a chat, the answers are shown together to check before they are saved
    # (a profile others will read); Save saves them, Back goes to the questions again, answers kept.
    review: bool = False
    # About one mentorship (its id in the progress' context or answers as "pair", or a goal's as "goal"): the
    # form is closed when that mentorship ends, so the person's next words aren't taken as its answers.
    about_pair: bool = False


FORMS: dict[str, Form] = {}


def forms_about_a_pair() -> tuple[str, ...]:
    return tuple(name for name, form in FORMS.items() if form.about_pair)


def register_form(form: Form) -> Form:
    if form.name in FORMS:
        raise ValueError(f"form {form.name} registered twice")
    if len(form.name) > 16 or "." in form.name:
        raise ValueError(f"form name {form.name!r} must be short and without dots")
    FORMS[form.name] = form
    return form


# --- starting and resuming -------------------------------------------------------------------------


async def start_form(
    ctx: Context, name: str, context: dict[str, Any] | None = None, answers: dict[str, Any] | None = None
) -> Reply:
    """Begin a form for the acting person and return its first question.

    A form already under way with answers given is never dropped by a button: the same form about the
    same thing (its button pressed again, on a stale copy or twice) carries on where the person is, and
    so does another one when a button would start something else; only a command typed on purpose (or
    /cancel) replaces it."""
    form = FORMS[name]
    answers = dict(answers or {})
    step = _next_step(form, answers, -1)
    progress = await current_progress(ctx)
    if progress is not None and _answered(progress):
        same = progress.form == name and dict(progress.context or {}) == dict(context or {})
        if same or ctx.event.kind == "action":
            return _carrying_on(ctx, FORMS[progress.form], progress, other=not same)
    if progress is None:
        progress = FormProgress(user_id=ctx.user.id, form=name, updated_at=ctx.now)
        ctx.session.add(progress)
    progress.form = name
    progress.step = step
    progress.answers = answers
    progress.context = dict(context or {})
    progress.platform = ctx.event.actor.platform
    progress.updated_at = ctx.now
    # The intro welcomes someone to an empty form; editing what is there (answers given) needs none.
    reply = _question(ctx, form, progress, intro=not answers)
    return reply


async def current_progress(ctx: Context) -> FormProgress | None:
    progress = await ctx.session.get(FormProgress, ctx.user.id)
    if progress is not None and progress.form not in FORMS:
        await ctx.session.delete(progress)
        return None
    return progress


def _answered(progress: FormProgress) -> bool:
    return bool(progress.answers) and progress.step <= len(FORMS[progress.form].fields)


def _reviewing(form: Form, progress: FormProgress) -> bool:
    """Past the last question: the answers are shown to check (`Form.review`)."""
    return progress.step >= len(form.fields)


def _carrying_on(ctx: Context, form: Form, progress: FormProgress, *, other: bool) -> Reply:
    reply = _question(ctx, form, progress, intro=False)
    said = (
        _(
            "You're part-way through something else, so let's finish it first: your answers so far are kept. "
            "(To leave it, send /cancel, then press that button again.)"
        )
        if other
        else _("You're part-way through this, so let's carry on where you left off: your answers so far are kept.")
    )
    reply.text = said + "\n\n" + reply.text
    return reply


async def resume(ctx: Context) -> Reply | None:
    """The question the person was at, if they are in the middle of a form."""
    progress = await current_progress(ctx)
    if progress is None:
        return None
    return _question(ctx, FORMS[progress.form], progress, intro=False)


# --- answers ---------------------------------------------------------------------------------------


async def on_text(ctx: Context, progress: FormProgress) -> list[Reply]:
    form = FORMS[progress.form]
    if _reviewing(form, progress):
        if ctx.event.text.strip().lower() in {"yes", "save", _("Yes").lower(), _("Save").lower()}:
            return await _finish(ctx, form, progress, dict(progress.answers))
        return [Reply(_("Press Save to keep these answers, or « Back to change one.")), _review(ctx, form, progress)]
    fld = form.fields[progress.step]
    env = FormEnv(ctx, dict(progress.answers), dict(progress.context))
    try:
        value = _parse_text(fld, ctx.event.text, env)
    except Refusal as refusal:
        # Bad input changes nothing: say what was wrong and ask the same question again.
        return [Reply(refusal.text), _question(ctx, form, progress, intro=False)]
    return await _store_and_advance(ctx, form, progress, fld, value)


async def on_action(ctx: Context) -> list[Reply]:
    """A form button: f.pick / f.tog / f.done / f.back / f.skip / f.keep / f.cancel with 'form.step[.index]'."""
    verb = ctx.event.action.removeprefix("f.")
    parts = ctx.event.payload.split(".")
    progress = await current_progress(ctx)
    if progress is None:
        raise Refusal(_("That form is closed. Nothing was changed."))
    if len(parts) < 2 or parts[0] != progress.form or parts[1] != str(progress.step):
        raise _StaleButton(ctx, progress)
    form = FORMS[progress.form]
    if _reviewing(form, progress):
        return await _on_review_action(ctx, form, progress, verb)
    fld = form.fields[progress.step]
    env = FormEnv(ctx, dict(progress.answers), dict(progress.context))
    found = index_in(parts[2]) if len(parts) > 2 else None
    index = -1 if found is None else found

    if verb == "cancel":
        await ctx.session.delete(progress)
        return [Reply(_t(ctx, form.cancelled) if form.cancelled else _("Cancelled. Nothing was changed."), edit=True)]
    if verb == "back":
        previous = _previous_step(form, progress.answers, progress.step)
        progress.step = previous
        progress.updated_at = ctx.now
        return [_question(ctx, form, progress, intro=False, edit=True)]
    if verb == "skip":
        if fld.required:
            raise _StaleButton(ctx, progress)
        return await _store_and_advance(ctx, form, progress, fld, None)
    if verb == "keep":
        if fld.name not in progress.answers:
            raise _StaleButton(ctx, progress)
        return await _store_and_advance(ctx, form, progress, fld, progress.answers[fld.name])
    choices = fld.choice_list(env)
    if verb == "pick" and fld.kind in ("choice", "yes_no") and 0 <= index < len(choices):
        value: Any = choices[index].value
        if fld.kind == "yes_no":
            value = value == "yes"
        return await _store_and_advance(ctx, form, progress, fld, value)
    if verb == "tog" and fld.kind == "multi" and 0 <= index < len(choices):
        selected = list(progress.answers.get(fld.name) or [])
        value = choices[index].value
        selected = [v for v in selected if v != value] if value in selected else [*selected, value]
        progress.answers = {**progress.answers, fld.name: selected}
        progress.updated_at = ctx.now
        return [_question(ctx, form, progress, intro=False, edit=True)]
    if verb == "done" and fld.kind == "multi":
        selected = list(progress.answers.get(fld.name) or [])
        try:
            _check_multi(fld, selected, env)
        except Refusal as refusal:
            return [Reply(refusal.text), _question(ctx, form, progress, intro=False)]
        return await _store_and_advance(ctx, form, progress, fld, selected)
    raise _StaleButton(ctx, progress)


async def _on_review_action(ctx: Context, form: Form, progress: FormProgress, verb: str) -> list[Reply]:
    if verb == "done":
        return await _finish(ctx, form, progress, dict(progress.answers))
    if verb == "back":
        progress.step = _previous_step(form, progress.answers, progress.step)
        progress.updated_at = ctx.now
        return [_question(ctx, form, progress, intro=False, edit=True)]
    if verb == "cancel":
        await ctx.session.delete(progress)
        return [Reply(_t(ctx, form.cancelled) if form.cancelled else _("Cancelled. Nothing was changed."), edit=True)]
    raise _StaleButton(ctx, progress)


async def on_submit(ctx: Context) -> list[Reply]:
    """A whole form sent at once (a Slack modal): every field validated, errors returned in place."""
    progress = await current_progress(ctx)
    form = FORMS.get(ctx.event.form)
    if form is None:
        raise Refusal(_("That form is closed. Nothing was changed."))
    context = dict(progress.context) if progress and progress.form == form.name else {}
    answers: dict[str, Any] = dict(progress.answers) if progress and progress.form == form.name else {}
    if ctx.event.form_page == "page":
        return await _save_page(ctx, form, progress, answers, context)
    saved = dict(answers) if ctx.event.form_page == "last" else {}
    errors: dict[str, str] = {}
    for fld in form.fields:
        if not fld.applies(answers):
            answers.pop(fld.name, None)
            continue
        raw = ctx.event.values[fld.name] if fld.name in ctx.event.values else saved.get(fld.name)
        env = FormEnv(ctx, answers, context)
        try:
            answers[fld.name] = _parse_submitted(fld, raw, env)
        except Refusal as refusal:
            errors[fld.name] = refusal.text
    if errors:
        return [Reply(_("Some answers need another look."), errors=errors)]
    if progress is not None:
        await ctx.session.delete(progress)
    return _as_list(await form.on_complete(ctx, answers, context))


async def _save_page(
    ctx: Context, form: Form, progress: FormProgress | None, answers: dict[str, Any], context: dict[str, Any]
) -> list[Reply]:
    """One page of a form shown in pages: validate and save its fields, then show the form again, since
    later fields (topics after areas) may depend on these answers. Errors save nothing."""
    errors: dict[str, str] = {}
    for fld in form.fields:
        if fld.name not in ctx.event.values or not fld.applies(answers):
            continue
        try:
            value = _parse_submitted(fld, ctx.event.values[fld.name], FormEnv(ctx, answers, context))
        except Refusal as refusal:
            errors[fld.name] = refusal.text
            continue
        answers[fld.name] = value
    if errors:
        return [Reply(_("Some answers need another look."), errors=errors)]
    if progress is None:
        progress = FormProgress(user_id=ctx.user.id, updated_at=ctx.now)
        ctx.session.add(progress)
    if progress.form != form.name:  # a modal opened on purpose replaces a form left half-filled, as a command does
        progress.form = form.name
        progress.step = _next_step(form, {}, -1)
        progress.context = context
    progress.answers = answers
    progress.platform = ctx.event.actor.platform
    progress.updated_at = ctx.now
    return [Reply(form=form_view(ctx, form, answers, context))]


# --- rendering -------------------------------------------------------------------------------------


def words(programme: Programme, message: str) -> str:
    """A form's words in the reader's language: the catalogue's, or the programme's own translation of what
    its file defines (a question, an area, an industry)."""
    translated = _(message)
    return programme.text(message) if translated == message else translated


def _t(ctx: Context, message: str) -> str:
    """A form's words, naming the programme's own office where they speak of it ("Only {office} reads this")."""
    return words(ctx.programme, message).replace("{office}", ctx.programme.office)


def form_view(ctx: Context, form: Form, answers: dict[str, Any], context: dict[str, Any]) -> FormView:
    env = FormEnv(ctx, answers, context)
    fields = [
        FormFieldView(
            name=f.name,
            kind=f.kind,
            label=_t(ctx, f.prompt),
            help=_t(ctx, f.help) if f.help else "",
            required=f.required,
            choices=[(c.value, c.label) for c in f.choice_list(env)],
            initial=answers.get(f.name),
            multiline=f.multiline,
        )
        for f in form.fields
        if f.applies(answers)
    ]
    return FormView(form=form.name, title=_t(ctx, form.title), fields=fields, submit_label=_(form.submit_label))


def _review(ctx: Context, form: Form, progress: FormProgress, *, edit: bool = False) -> Reply:
    """Every answer given, under its question, to check before saving."""
    answers = dict(progress.answers)
    env = FormEnv(ctx, answers, dict(progress.context))
    lines = [fmt(_("<b>{title}</b> · please check before I save it"), title=_t(ctx, form.title)), ""]
    for fld in form.fields:
        if not fld.applies(answers) or answers.get(fld.name) in (None, "", []):
            continue
        question = _t(ctx, fld.prompt).split("?")[0].strip() + ("?" if "?" in _t(ctx, fld.prompt) else "")
        lines.append(fmt("<b>{question}</b> {answer}", question=question, answer=_answer_text(fld, answers, env)))
    lines += ["", _("Is this right? Save it, or go back to change an answer.")]
    tag = f"{form.name}.{progress.step}"
    return Reply(
        "\n".join(lines),
        buttons=[
            [Button(_("Save"), "f.done", tag, style="primary")],
            [Button(_("« Back"), "f.back", tag), Button(_("Cancel"), "f.cancel", tag)],
        ],
        edit=edit,
    )


def _answer_text(fld: Field, answers: dict[str, Any], env: FormEnv) -> str:
    value = answers.get(fld.name)
    if fld.kind == "yes_no":
        return _("Yes") if value else _("No")
    if fld.kind in ("choice", "multi"):
        labels = {c.value: c.label for c in fld.choice_list(env)}
        picked = value if isinstance(value, list) else [value]
        return ", ".join(labels.get(str(v), str(v)) for v in picked)
    return str(value)


def _question(ctx: Context, form: Form, progress: FormProgress, *, intro: bool, edit: bool = False) -> Reply:
    if _reviewing(form, progress):
        return _review(ctx, form, progress, edit=edit)
    fld = form.fields[progress.step]
    answers = dict(progress.answers)
    env = FormEnv(ctx, answers, dict(progress.context))
    # The count stays put as the form goes on: a question still ahead counts even if an answer not yet given
    # might skip it (the topics after the areas); only those already passed over are left out.
    steps = [i for i, f in enumerate(form.fields) if f.applies(answers) or i > progress.step]
    position = steps.index(progress.step) + 1 if progress.step in steps else 1
    lines = []
    if intro and form.intro:
        lines += [_t(ctx, form.intro), ""]
    lines.append(fmt(_("<b>{title}</b> · {n} of {total}"), title=_t(ctx, form.title), n=position, total=len(steps)))
    lines.append(esc(_t(ctx, fld.prompt)))
    if fld.help:
        lines.append(f"<i>{esc(_t(ctx, fld.help))}</i>")
    if fld.kind == "multi":
        tap = _("Tap each one that applies, then Done.")  # outside the f-string, where the catalogue finds it
        lines.append(f"<i>{esc(tap)}</i>")
    current = answers.get(fld.name)
    if current not in (None, "", []) and fld.kind in ("text", "number", "date"):
        lines.append(fmt(_("Now: {value}"), value=current))
    tag = f"{form.name}.{progress.step}"
    buttons: list[list[Button]] = []
    choices = fld.choice_list(env)
    if fld.kind in ("choice", "yes_no"):
        # Editing: the answer given before carries a check mark, so "keep it" is one visible tap.
        chosen = current if fld.kind == "choice" else None
        picks = [
            Button(("✓ " if c.value == chosen else "") + c.label, "f.pick", f"{tag}.{i}") for i, c in enumerate(choices)
        ]
        buttons += rows(picks, 3 if max((len(c.label) for c in choices), default=0) <= 14 else 1)
    elif fld.kind == "multi":
        selected = set(answers.get(fld.name) or [])
        toggles = [
            Button(("✓ " if c.value in selected else "") + c.label, "f.tog", f"{tag}.{i}")
            for i, c in enumerate(choices)
        ]
        buttons += rows(toggles, 2 if max((len(c.label) for c in choices), default=0) <= 18 else 1)
        buttons.append([Button(_("Done"), "f.done", tag, style="primary")])
    nav: list[Button] = []
    if _previous_step(form, answers, progress.step) != progress.step:
        nav.append(Button(_("« Back"), "f.back", tag))
    if current not in (None, "", []) and fld.kind in ("text", "number", "date"):
        nav.append(Button(_("Keep"), "f.keep", tag))
    if not fld.required:
        nav.append(Button(_("Skip"), "f.skip", tag))
    nav.append(Button(_("Cancel"), "f.cancel", tag))
    buttons.append(nav)
    return Reply(
        text="\n".join(lines),
        buttons=buttons,
        edit=edit,
        form=form_view(ctx, form, answers, dict(progress.context)),
        expects_text=fld.kind in ("text", "number", "date"),
    )


# --- parsing and validation ------------------------------------------------------------------------


def _parse_text(fld: Field, text: str, env: FormEnv) -> Any:
    raw = text.strip()
    if fld.kind in ("choice", "yes_no"):
        choices = fld.choice_list(env)
        found = _match_choice(raw, choices)
        if found is None:
            labels = ", ".join(c.label for c in choices[:6])
            raise Refusal(fmt(_("Please pick one of the buttons ({labels})."), labels=labels))
        value: Any = found.value == "yes" if fld.kind == "yes_no" else found.value
        return value
    if fld.kind == "multi":
        choices = fld.choice_list(env)
        if raw.lower() in ("done", _("Done").lower()):
            picked = list(env.answers.get(fld.name) or [])
            _check_multi(fld, picked, env)
            return picked
        picked = []
        for part in filter(None, (p.strip() for p in raw.replace(";", ",").split(","))):
            found = _match_choice(part, choices)
            if found is None:
                raise Refusal(
                    fmt(
                        _("I don't know '{part}'. Tap the options, then Done, or type numbers like 1, 3."),
                        part=quoted(part),
                    )
                )
            if found.value not in picked:
                picked.append(found.value)
        _check_multi(fld, picked, env)
        return picked
    return _parse_submitted(fld, raw, env)


def _parse_submitted(fld: Field, raw: Any, env: FormEnv) -> Any:
    """Validate one raw value (typed text, or a modal's value) into what the form stores."""
    if fld.kind == "multi":
        if isinstance(raw, str):
            raw = [raw]  # one option given on its own
        if raw is not None and not isinstance(raw, list | tuple):
            raw = [raw]  # a forged value (True, 1): no option of ours, refused below
        picked = [v if isinstance(v, str) else repr(v) for v in (raw or [])]
        allowed = {c.value for c in fld.choice_list(env)}
        if any(v not in allowed for v in picked):
            raise Refusal(_("One of those options is not offered any more; please choose again."))
        _check_multi(fld, picked, env)
        return picked
    if fld.kind in ("choice", "yes_no") and not isinstance(raw, str | bool):
        raw = None
    if fld.kind in ("text", "date") and raw is not None and not isinstance(raw, str):
        raw = None  # a forged submission's number or list is no answer to a question of words
    if fld.kind == "number" and raw is not None and not isinstance(raw, str | int):
        raw = None
    text = storable(raw).strip() if isinstance(raw, str) else raw
    if text in (None, ""):
        if fld.required:
            raise Refusal(_("This one is needed. Please write a short answer."))
        return None
    value: Any
    if fld.kind == "text":
        if len(text) > fld.max_length:
            raise Refusal(fmt(_("That's a bit long: please keep it under {n} characters."), n=fld.max_length))
        if fld.words and _NUMBER_ONLY.fullmatch(text):
            raise Refusal(
                _(
                    "That's only a number: please answer in words. (To press a button here, type # and its "
                    "number, e.g. #1.)"
                )
            )
        value = text
    elif fld.kind == "number":
        number = _number_in(str(text))
        try:
            if number is None:
                raise ValueError(text)
            value = number
        except ValueError:
            raise Refusal(
                fmt(
                    _("Please write a whole number, like {example}."),
                    example=fld.min_value if fld.min_value is not None else 2,
                )
            ) from None
        if (fld.min_value is not None and value < fld.min_value) or (
            fld.max_value is not None and value > fld.max_value
        ):
            raise Refusal(fmt(_("Please choose a number from {low} to {high}."), low=fld.min_value, high=fld.max_value))
    elif fld.kind == "date":
        value = parse_past_date(str(text), env.ctx.zone, env.ctx.now, allow_future=fld.allow_future).isoformat()
    elif fld.kind == "yes_no":
        if isinstance(text, bool):
            value = text
        else:
            found = _match_choice(str(text), fld.choice_list(env))
            if found is None:
                raise Refusal(_("Please answer yes or no."))
            value = found.value == "yes"
    else:  # choice
        allowed = {c.value for c in fld.choice_list(env)}
        if text not in allowed:
            found = _match_choice(str(text), fld.choice_list(env))
            if found is None:
                raise Refusal(_("Please pick one of the options."))
            text = found.value
        value = text
    if fld.check is not None:
        problem = fld.check(value, env)
        if problem:
            raise Refusal(problem)
    return value


_NUMBER_ONLY = re.compile(r"[\d\s.,#+-]+")
# "3", "3rd", "year 3", "3rd year", "3 курс", "3-курс": one whole number, with a few words around it.
_ONE_NUMBER = re.compile(r"\D{0,12}?(\d{1,6})(?:st|nd|rd|th|-?й|-?ші|-?шы)?\b[^\d]{0,16}", re.IGNORECASE)


def _number_in(text: str) -> int | None:
    """The whole number a person wrote, alone or with a word or two around it ('3rd year'); None otherwise."""
    text = text.strip()
    if re.fullmatch(r"[+-]?\d+", text):
        return int(text)
    found = _ONE_NUMBER.fullmatch(text)
    return int(found.group(1)) if found else None


def _typed_number(text: str) -> int | None:
    """'3' (or '٣', typed in another script's digits) picks the third option; anything else is no number."""
    return int(text) if text.isdecimal() and len(text) <= 4 else None


def _check_multi(fld: Field, picked: list[str], env: FormEnv) -> None:
    if fld.required and not picked:
        raise Refusal(_("Please choose at least one option, then tap Done."))
    if fld.check is not None:
        problem = fld.check(picked, env)
        if problem:
            raise Refusal(problem)


def _match_choice(text: str, choices: list[Choice]) -> Choice | None:
    wanted = text.strip().lower()
    number = _typed_number(wanted)
    if number is not None and 1 <= number <= len(choices):
        return choices[number - 1]
    synonyms = {"y": "yes", "yeah": "yes", "yep": "yes", "n": "no", "nope": "no"}
    wanted = synonyms.get(wanted, wanted)
    for choice in choices:
        if wanted in (choice.label.lower(), choice.value.lower()):
            return choice
    return None


# --- moving between steps --------------------------------------------------------------------------


def _next_step(form: Form, answers: dict[str, Any], after: int) -> int:
    for index in range(after + 1, len(form.fields)):
        if form.fields[index].applies(answers):
            return index
    return len(form.fields)


def _previous_step(form: Form, answers: dict[str, Any], before: int) -> int:
    for index in range(before - 1, -1, -1):
        if form.fields[index].applies(answers):
            return index
    return before


async def _store_and_advance(ctx: Context, form: Form, progress: FormProgress, fld: Field, value: Any) -> list[Reply]:
    answers = {**progress.answers, fld.name: value}
    if value is None:
        answers.pop(fld.name, None)
    progress.answers = answers
    progress.updated_at = ctx.now
    if fld.ends is not None:
        ended = await fld.ends(ctx, answers)
        if ended is not None:
            await ctx.session.delete(progress)
            return _as_list(ended)
    step = _next_step(form, answers, progress.step)
    if step < len(form.fields):
        progress.step = step
        return [_question(ctx, form, progress, intro=False)]
    if form.review:
        progress.step = len(form.fields)
        return [_review(ctx, form, progress)]
    return await _finish(ctx, form, progress, answers)


async def _finish(ctx: Context, form: Form, progress: FormProgress, answers: dict[str, Any]) -> list[Reply]:
    context = dict(progress.context)
    await ctx.session.delete(progress)
    await ctx.session.flush()
    applicable = {k: v for k, v in answers.items() if any(f.name == k and f.applies(answers) for f in form.fields)}
    return _as_list(await form.on_complete(ctx, applicable, context))


async def drop_form(ctx: Context) -> bool:
    """Forget the form in progress (when something else makes it pointless). True if there was one."""
    result = await ctx.session.execute(delete(FormProgress).where(FormProgress.user_id == ctx.user.id))
    return bool(result.rowcount)  # type: ignore[attr-defined]


def _StaleButton(ctx: Context, progress: FormProgress) -> Refusal:
    reply = _question(ctx, FORMS[progress.form], progress, intro=False)
    return Refusal(
        _("That button belongs to an earlier question. Here is where you are now:") + "\n\n" + reply.text,
        buttons=reply.buttons,
    )


def _as_list(result: Reply | list[Reply] | None) -> list[Reply]:
    if result is None:
        return []
    return result if isinstance(result, list) else [result]


def today_in(ctx: Context) -> dt.date:
    return ctx.now.astimezone(ctx.zone).date()
