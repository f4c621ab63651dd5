"""Refusals: bad input or a forbidden action, answered kindly, with nothing changed."""

from __future__ import annotations

from bot.core.replies import Button, Reply


class Refusal(Exception):
    """Raised by a handler or service to refuse; the event's transaction is rolled back.

    `text` is markup (escape anything a person typed with bot.core.markup.esc/fmt).
    """

    def __init__(self, text: str, buttons: list[list[Button]] | None = None) -> None:
        super().__init__(text)
        self.text = text
        self.buttons = buttons or []

    def reply(self) -> Reply:
        return Reply(text=self.text, buttons=self.buttons)
