"""Logging for `mentorbot`: one format, and no secret in any line at any level.

python-telegram-bot puts the bot token in request URLs, and PTB logs setWebhook's parameters (the
webhook secret) at DEBUG; an exception's text or traceback can carry either. Rather than trusting every
library logger to stay quiet, every line the handlers write is passed through `hide_secrets`, which
replaces each configured secret value wherever it appears, tracebacks included.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

MASK = "[secret]"
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class SecretsHidden(logging.Formatter):
    """A formatter whose output never contains one of the given secret values."""

    def __init__(self, secrets: Iterable[str], fmt: str = FORMAT) -> None:
        super().__init__(fmt)
        # Longest first, so a secret that contains another is masked whole.
        self.secrets = sorted({s for s in secrets if len(s) >= 6}, key=len, reverse=True)

    def format(self, record: logging.LogRecord) -> str:
        return hide_secrets(super().format(record), self.secrets)


def hide_secrets(text: str, secrets: Iterable[str]) -> str:
    for secret in secrets:
        if secret in text:
            text = text.replace(secret, MASK)
    return text


def configure(level: int, secrets: Iterable[str]) -> None:
    """Log to standard error at `level`, every handler of the root logger hiding the secrets."""
    logging.basicConfig(level=level, format=FORMAT)
    formatter = SecretsHidden(list(secrets))
    for handler in logging.getLogger().handlers:
        handler.setFormatter(formatter)
