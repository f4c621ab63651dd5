"""Text people type is shown as typed on every platform and never read as markup."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.markup import esc, fmt, to_plain, to_slack_mrkdwn, to_telegram_html
from bot.core.replies import Button


@given(st.text())
def test_escaped_text_round_trips_to_plain(text: str) -> None:
    assert to_plain(esc(text)) == text


@given(st.text())
def test_escaped_text_has_no_markup_characters(text: str) -> None:
    rendered = to_telegram_html(fmt("<b>Name:</b> {name}", name=text))
    body = rendered.removeprefix("<b>Name:</b> ")
    assert "<" not in body and ">" not in body
    assert "&" not in body.replace("&amp;", "").replace("&lt;", "").replace("&gt;", "")


def test_slack_gets_its_own_emphasis_and_keeps_escapes() -> None:
    text = fmt("<b>{name}</b> wrote: <i>{message}</i>", name="Ann <admin>", message="a & b *c*")
    assert to_slack_mrkdwn(text) == "*Ann &lt;admin&gt;* wrote: _a &amp; b *c*_"


def test_button_data_must_fit_telegram() -> None:
    Button("ok", "req.accept", "1234567890")
    with pytest.raises(ValueError, match="64 bytes"):
        Button("too long", "req.accept", "é" * 40)
    with pytest.raises(ValueError):
        Button("bad", "req|accept")
    assert Button.parse(Button("x", "req.accept", "12").data) == ("req.accept", "12")
