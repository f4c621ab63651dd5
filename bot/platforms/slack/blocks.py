"""Block Kit: replies as messages, forms as modals (in pages when long), the dashboard as the Home tab.

Slack's limits shape this file: section text up to 3,000 characters, button labels 75, modal titles and
submit labels 24, at most 10 radio buttons or checkboxes, 100 options in a select, 100 blocks a view.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Collection
from typing import Any

from bot.core.markup import fmt, shorten
from bot.core.replies import Button, FormFieldView, FormView, Reply
from bot.i18n import _
from bot.platforms.console import to_plain
from bot.platforms.slack.commands import slack_commands

SECTION_LIMIT = 3000
PAGE_SIZE = 8  # fields per modal page: a longer form is split into pages of about this size
FORM_CALLBACK = "mb.form"
BUTTON_PREFIX = "mb."  # action_id of a core button: mb.<row>.<column>; its value is Button.data
OPEN_FORM = "mb-open-form"  # the adapter's own button: open the form in progress as a modal
VALUE = "v"  # the action_id of every modal input (its block_id is the field name)
RADIO_LIMIT = 5  # up to this many choices show as radio buttons, more as a select menu
CHECKBOX_LIMIT = 10
OPTION_LIMIT = 100


def to_slack_mrkdwn(text: str) -> str:
    """The markup subset as Slack mrkdwn: *bold*, _italic_, `code`; Slack escapes &, < and > exactly as
    HTML does, so the escapes stay as they are."""
    text = re.sub(r"</?b>", "*", text)
    text = re.sub(r"</?i>", "_", text)
    return re.sub(r"</?code>", "`", text)


def plain(text: str, limit: int = 2000) -> dict[str, Any]:
    return {"type": "plain_text", "text": shorten(text, limit) or " ", "emoji": True}


def mrkdwn_text(text: str) -> str:
    return slack_commands(to_slack_mrkdwn(text))


def _chunks(text: str, limit: int = SECTION_LIMIT) -> list[str]:
    """Split long text at paragraph (or line) breaks so each piece fits in one section."""
    pieces: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > limit:
            pieces.append(line[:limit])
            line = line[limit:]
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            pieces.append(current)
            current = line
        else:
            current = candidate
    if current.strip():
        pieces.append(current)
    return [p for p in pieces if p.strip()]


def button_element(button: Button, action_id: str) -> dict[str, Any]:
    element: dict[str, Any] = {
        "type": "button",
        "text": plain(button.label, 75),
        "action_id": action_id,
        "value": button.data,
    }
    if button.style in ("primary", "danger"):
        element["style"] = button.style
    return element


def reply_blocks(reply: Reply, *, key: str = "") -> list[dict[str, Any]]:
    """A reply as blocks: its text in sections, each row of buttons as an actions block.

    `key` makes action_ids unique when several replies share one view (the Home tab)."""
    blocks: list[dict[str, Any]] = []
    if reply.errors:
        problems = "\n".join(f"• {mrkdwn_text(message)}" for message in reply.errors.values())
        blocks += [{"type": "section", "text": {"type": "mrkdwn", "text": c}} for c in _chunks(problems)]
    for chunk in _chunks(mrkdwn_text(reply.text)):
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": chunk}})
    for r, row in enumerate(reply.buttons):
        elements = [button_element(b, f"{BUTTON_PREFIX}{key}{r}.{c}") for c, b in enumerate(row)]
        if elements:
            blocks.append({"type": "actions", "block_id": f"row{key}{r}", "elements": elements})
    return blocks


def fallback_text(reply: Reply) -> str:
    """The notification text Slack shows where blocks can't be (push notifications, screen readers).

    Still mrkdwn, with &, < and > escaped: unescaped, a name like '<!channel>' would ping everyone."""
    return shorten(mrkdwn_text(reply.text) or _("A message from the mentorship programme"), 3000)


def open_form_message(view: FormView) -> Reply:
    """Where no modal can be opened (a typed message has no trigger): a button that opens it."""
    return Reply(
        fmt(_("<b>{title}</b>\nTap the button to fill it in; what you saved before is kept."), title=view.title)
    )


def open_form_blocks(view: FormView) -> list[dict[str, Any]]:
    blocks = reply_blocks(open_form_message(view))
    blocks.append(
        {
            "type": "actions",
            "block_id": "open",
            "elements": [
                {
                    "type": "button",
                    "text": plain(_("Open the form"), 75),
                    "action_id": OPEN_FORM,
                    "value": view.form,
                    "style": "primary",
                }
            ],
        }
    )
    return blocks


# --- forms as modals -------------------------------------------------------------------------------


def shown(field: FormFieldView) -> bool:
    """A choice with nothing to choose from can't be drawn (topics of an area without topics)."""
    return field.kind not in ("choice", "multi") or bool(field.choices)


def next_page(view: FormView, done: Collection[str]) -> list[FormFieldView]:
    """The fields of the next page: what is left, in even pages of at most PAGE_SIZE."""
    remaining = [f for f in view.fields if f.name not in done and shown(f)]
    if not remaining:
        return []
    pages = math.ceil(len(remaining) / PAGE_SIZE)
    return remaining[: math.ceil(len(remaining) / pages)]


def pages_left(view: FormView, done: Collection[str]) -> int:
    remaining = [f for f in view.fields if f.name not in done and shown(f)]
    return math.ceil(len(remaining) / PAGE_SIZE)


def _option(value: str, label: str) -> dict[str, Any]:
    return {"text": plain(label, 75), "value": value[:150]}


def _initial_text(value: Any) -> str | None:
    if value in (None, "", []):
        return None
    return str(value)


def field_element(field: FormFieldView) -> dict[str, Any]:
    initial = field.initial
    if field.kind == "date":
        element: dict[str, Any] = {"type": "datepicker", "action_id": VALUE}
        if isinstance(initial, str) and len(initial) == 10:
            element["initial_date"] = initial
        return element
    if field.kind in ("text", "number"):
        element = {"type": "plain_text_input", "action_id": VALUE, "multiline": field.multiline}
        text = _initial_text(initial)
        if text is not None:
            element["initial_value"] = text
        return element
    options = [_option(v, label) for v, label in field.choices[:OPTION_LIMIT]]
    if field.kind == "multi":
        chosen = {str(v) for v in (initial or [])}
        kind = "checkboxes" if len(options) <= CHECKBOX_LIMIT else "multi_static_select"
        element = {"type": kind, "action_id": VALUE, "options": options}
        if kind == "multi_static_select":
            element["placeholder"] = plain(_("Choose…"), 150)
        picked = [o for o in options if o["value"] in chosen]
        if picked:
            element["initial_options"] = picked
        return element
    if field.kind == "yes_no" and isinstance(initial, bool):
        initial = "yes" if initial else "no"
    kind = "radio_buttons" if len(options) <= RADIO_LIMIT else "static_select"
    element = {"type": kind, "action_id": VALUE, "options": options}
    if kind == "static_select":
        element["placeholder"] = plain(_("Choose…"), 150)
    match = [o for o in options if o["value"] == _initial_text(initial)]
    if match:
        element["initial_option"] = match[0]
    return element


def input_block(field: FormFieldView) -> dict[str, Any]:
    block: dict[str, Any] = {
        "type": "input",
        "block_id": field.name,
        "optional": not field.required,
        "label": plain(field.label),
        "element": field_element(field),
    }
    if field.help:
        block["hint"] = plain(field.help)
    return block


def modal(view: FormView, page: list[FormFieldView], *, done: list[str], number: int, more: bool) -> dict[str, Any]:
    """One page of a form as a modal. The private metadata remembers which fields earlier pages saved."""
    blocks: list[dict[str, Any]] = []
    if number > 1 or more:
        total = number - 1 + pages_left(view, done)
        blocks.append(
            {
                "type": "context",
                "elements": [plain(_("Part {n} of {total}").format(n=number, total=max(total, number)))],
            }
        )
    blocks += [input_block(f) for f in page]
    metadata = {"form": view.form, "done": done, "page": [f.name for f in page], "n": number}
    return {
        "type": "modal",
        "callback_id": FORM_CALLBACK,
        "title": plain(view.title, 24),
        "submit": plain(_("Next") if more else view.submit_label, 24),
        "close": plain(_("Cancel"), 24),
        "private_metadata": json.dumps(metadata, separators=(",", ":")),
        "blocks": blocks,
    }


def notice_modal(text: str, title: str = "") -> dict[str, Any]:
    """A modal with a line of text and a Close button: 'one moment', or why there is no form."""
    return {
        "type": "modal",
        "title": plain(title or _("Mentorship"), 24),
        "close": plain(_("Close"), 24),
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": mrkdwn_text(text) or " "}}],
    }


def first_modal(view: FormView) -> dict[str, Any]:
    page = next_page(view, [])
    return modal(view, page, done=[], number=1, more=pages_left(view, []) > 1)


def submitted_values(state: dict[str, Any], names: Collection[str]) -> dict[str, Any]:
    """The raw values of a modal's inputs, by field name, as the core's form engine reads them."""
    values: dict[str, Any] = {}
    for name in names:
        element = (state.get(name) or {}).get(VALUE) or {}
        kind = element.get("type")
        if kind in ("checkboxes", "multi_static_select"):
            values[name] = [o["value"] for o in element.get("selected_options") or []]
        elif kind in ("radio_buttons", "static_select"):
            values[name] = (element.get("selected_option") or {}).get("value")
        elif kind == "datepicker":
            values[name] = element.get("selected_date")
        else:
            values[name] = element.get("value")
    return values


def field_errors(errors: dict[str, str], page: Collection[str], labels: dict[str, str]) -> dict[str, str]:
    """Errors for the inputs on this page; an error about a field of an earlier page is shown on the
    first input, naming the question, since Slack can only mark inputs of the page on screen."""
    shown_errors = {name: to_plain(message) for name, message in errors.items() if name in page}
    first = next(iter(page), None)
    for name, message in errors.items():
        if name in page or first is None:
            continue
        earlier = f"{labels.get(name, name)}: {to_plain(message)}"
        shown_errors[first] = f"{shown_errors[first]} {earlier}" if first in shown_errors else earlier
    return {k: shorten(v, 2000) for k, v in shown_errors.items()}


# --- the Home tab --------------------------------------------------------------------------------


def home_view(cards: list[Reply]) -> dict[str, Any]:
    blocks: list[dict[str, Any]] = []
    for index, card in enumerate(cards):
        if index and not card.buttons and card.text.startswith("<b>") and blocks:
            blocks.append({"type": "divider"})
        blocks += reply_blocks(card, key=f"h{index}.")
    blocks.append(
        {
            "type": "context",
            "elements": [{"type": "mrkdwn", "text": mrkdwn_text(_("/help lists everything you can do."))}],
        }
    )
    return {"type": "home", "blocks": blocks[:100]}
