"""The answer a policy gives: yes, or no with the reason a person is told.

Each rule of the programme that decides "may this happen?" is one function returning a Decision (may this
student request this mentor, has this mentor a free place, may this person see that person's contact
details, is this pair overdue for contact), and every caller asks that function.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.errors import Refusal


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str = ""  # markup for the person asking, when not allowed

    def __bool__(self) -> bool:
        return self.allowed

    def or_refuse(self) -> None:
        """Stop the action with the reason (the transaction is rolled back, nothing changes)."""
        if not self.allowed:
            raise Refusal(self.reason)


YES = Decision(True)


def no(reason: str) -> Decision:
    return Decision(False, reason)
