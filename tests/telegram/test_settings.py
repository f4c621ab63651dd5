"""Telegram's settings as an operator writes them: .env.example copied as it is starts nothing on
Telegram; empty lines mean "not set"."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import ConfigError, load_settings

ROOT = Path(__file__).resolve().parents[2]


def test_env_example_copied_as_is_is_valid_and_leaves_telegram_off(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text((ROOT / ".env.example").read_text())
    settings = load_settings(_env_file=env)
    assert settings.telegram_bot_token is None and not settings.telegram_enabled
    assert settings.telegram_staff_chat_id is None and settings.telegram_webhook_url is None
    assert settings.telegram_webhook_listen == "0.0.0.0"


def test_a_filled_in_telegram_section_is_read(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text(
        "TELEGRAM_BOT_TOKEN=123:abc\nTELEGRAM_STAFF_CHAT_ID=-100123\n"
        "TELEGRAM_WEBHOOK_URL=https://bot.example.org/tg\nTELEGRAM_WEBHOOK_SECRET=abc_DEF-1\n"
    )
    settings = load_settings(_env_file=env)
    assert settings.telegram_enabled and settings.telegram_staff_chat_id == -100123
    assert settings.telegram_webhook_secret is not None
    assert settings.telegram_webhook_secret.get_secret_value() == "abc_DEF-1"


def test_the_webhook_listen_address_is_a_setting(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text("TELEGRAM_WEBHOOK_LISTEN=127.0.0.1\n")
    assert load_settings(_env_file=env).telegram_webhook_listen == "127.0.0.1"


def test_the_overall_message_rate_is_30_unless_set_and_must_be_a_positive_number(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text((ROOT / ".env.example").read_text())
    assert load_settings(_env_file=env).telegram_max_messages_per_second == 30
    env.write_text("TELEGRAM_MAX_MESSAGES_PER_SECOND=1000\n")  # a local Bot API server
    assert load_settings(_env_file=env).telegram_max_messages_per_second == 1000
    for wrong in ("0", "-5", "unlimited"):
        env.write_text(f"TELEGRAM_MAX_MESSAGES_PER_SECOND={wrong}\n")
        with pytest.raises(ConfigError, match="TELEGRAM_MAX_MESSAGES_PER_SECOND"):
            load_settings(_env_file=env)
