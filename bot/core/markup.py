"""The one small markup subset replies are written in, and its rendering per platform.

Reply text is a tiny HTML subset: <b>, <i>, <code> and newlines. Everything a person typed enters it
only through `esc`/`fmt`, which escape &, < and >. Each platform renders the subset its own way.
"""

from __future__ import annotations

import html
import re

_TAG = re.compile(r"</?(b|i|code)>")


def esc(value: object) -> str:
    """Escape text someone typed so it is shown as typed, never read as markup."""
    return html.escape(str(value), quote=False)


def fmt(template: str, **values: object) -> str:
    """Fill a catalogue template with escaped values: fmt("Hi {name}", name=user_text)."""
    return template.format(**{key: esc(value) for key, value in values.items()})


def to_telegram_html(text: str) -> str:
    """Telegram's HTML parse mode understands the subset and the same three escapes as it is."""
    return text


def to_slack_mrkdwn(text: str) -> str:
    """Slack mrkdwn: *bold*, _italic_, `code`; Slack escapes &, < and > exactly as HTML does."""
    text = re.sub(r"</?b>", "*", text)
    text = re.sub(r"</?i>", "_", text)
    return re.sub(r"</?code>", "`", text)


def to_plain(text: str) -> str:
    """The terminal: no markup, the escapes undone."""
    return html.unescape(_TAG.sub("", text))


def shorten(text: str, limit: int) -> str:
    """Cut plain text to `limit` characters with an ellipsis."""
    return text if len(text) <= limit else text[: max(0, limit - 1)].rstrip() + "…"
