"""What the terminal prints: the markup subset as plain text, with what a person typed shown as typed."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.core.markup import esc, fmt
from bot.platforms.console import to_plain


@given(st.text())
def test_escaped_text_round_trips_to_plain(text: str) -> None:
    assert to_plain(esc(text)) == text


def test_emphasis_is_dropped_and_escapes_undone() -> None:
    assert to_plain(fmt("<b>{name}</b> wrote: <i>{message}</i>", name="Ann <admin>", message="a & b")) == (
        "Ann <admin> wrote: a & b"
    )
