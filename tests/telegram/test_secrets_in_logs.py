"""No log line carries the bot token or the webhook secret, at any level (the libraries do log them)."""

from __future__ import annotations

import io
import logging

import pytest

from bot.config import load_settings
from bot.logs import MASK, SecretsHidden
from tests.telegram.conftest import WEBHOOK_SECRET, TelegramWorld
from tests.telegram.fake_api import TOKEN

pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")


@pytest.fixture
def logs() -> tuple[io.StringIO, io.StringIO]:
    """What a plain handler and the bot's own handler write, from DEBUG up, while the test runs."""
    plain, hidden = io.StringIO(), io.StringIO()
    handlers = [logging.StreamHandler(plain), logging.StreamHandler(hidden)]
    handlers[1].setFormatter(SecretsHidden([TOKEN, WEBHOOK_SECRET]))
    root = logging.getLogger()
    old_level = root.level
    root.setLevel(logging.DEBUG)
    for handler in handlers:
        root.addHandler(handler)
    yield plain, hidden
    for handler in handlers:
        root.removeHandler(handler)
    root.setLevel(old_level)


async def test_the_token_and_the_webhook_secret_never_reach_the_log(
    logs: tuple[io.StringIO, io.StringIO], webhook_world: TelegramWorld
) -> None:
    plain, hidden = logs
    someone = webhook_world.person(5003, "Dana")
    await webhook_world.feed(webhook_world.fake.message_update(someone.user, "/help"), via_webhook=True)
    logging.getLogger("mentorbot.test").error("failed calling %s/bot%s/getMe", "https://api", TOKEN, exc_info=False)
    # The libraries do write them (so this test can tell)...
    assert TOKEN in plain.getvalue() and WEBHOOK_SECRET in plain.getvalue()
    # ...and the bot's handlers never let them out.
    assert TOKEN not in hidden.getvalue() and WEBHOOK_SECRET not in hidden.getvalue()
    assert MASK in hidden.getvalue()


def test_every_secret_setting_is_hidden() -> None:
    settings = load_settings(
        database_url="postgresql+asyncpg://bot:hunter22pw@db.example.org/mentorbot",
        telegram_bot_token=TOKEN,
        telegram_webhook_secret=WEBHOOK_SECRET,
        slack_bot_token="xoxb-1234567890-abcdef",
        slack_signing_secret="8f742231b10e8888abcd99yyyzzz85a5",
        _env_file=None,
    )
    secrets = set(settings.secret_values())
    expected = {TOKEN, WEBHOOK_SECRET, "xoxb-1234567890-abcdef", "8f742231b10e8888abcd99yyyzzz85a5", "hunter22pw"}
    assert secrets >= expected
