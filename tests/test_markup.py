"""The neutral pieces replies are made of: text people type enters the markup subset only escaped, and
button data fits every platform. How each platform renders the subset is tested beside it
(tests/telegram/test_rendering.py, tests/slack/test_slack_rendering.py, tests/test_console_rendering.py)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.markup import esc, fmt, shorten
from bot.core.replies import Button


@given(st.text())
def test_filled_in_text_carries_no_markup_of_its_own(text: str) -> None:
    body = fmt("<b>Name:</b> {name}", name=text).removeprefix("<b>Name:</b> ")
    assert body == esc(text)
    assert "<" not in body and ">" not in body
    assert "&" not in body.replace("&amp;", "").replace("&lt;", "").replace("&gt;", "")


def test_shorten_cuts_with_an_ellipsis() -> None:
    assert shorten("short", 10) == "short"
    assert shorten("a rather long sentence", 10) == "a rather…"


def test_button_data_must_fit_telegram() -> None:
    Button("ok", "req.accept", "1234567890")
    with pytest.raises(ValueError, match="64 bytes"):
        Button("too long", "req.accept", "é" * 40)
    with pytest.raises(ValueError):
        Button("bad", "req|accept")
    assert Button.parse(Button("x", "req.accept", "12").data) == ("req.accept", "12")
