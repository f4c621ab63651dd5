"""The one small markup subset replies are written in, and the helpers that write it safely.

Reply text is a tiny HTML subset: <b>, <i>, <code> and newlines. Everything a person typed enters it
only through `esc`/`fmt`, which escape &, < and >. Each platform renders the subset its own way, in its
own module (Telegram's HTML, Slack's mrkdwn, the terminal's plain text); nothing here knows them.
"""

from __future__ import annotations

import html


def esc(value: object) -> str:
    """Escape text someone typed so it is shown as typed, never read as markup."""
    return html.escape(str(value), quote=False)


def fmt(template: str, **values: object) -> str:
    """Fill a catalogue template with escaped values: fmt("Hi {name}", name=user_text)."""
    return template.format(**{key: esc(value) for key, value in values.items()})


def shorten(text: str, limit: int) -> str:
    """Cut plain text to `limit` characters with an ellipsis."""
    return text if len(text) <= limit else text[: max(0, limit - 1)].rstrip() + "…"
