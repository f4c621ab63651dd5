"""Settings, read from the environment and `.env` (every one is documented in `.env.example`)."""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from storage.db import DEFAULT_URL, POOL_SIZE, async_url

# The platforms a STAFF_IDS entry may name; a new platform adds its name here with its other settings.
PLATFORMS = ("telegram", "slack", "console")


class ConfigError(Exception):
    """Bad configuration: the message is one sentence naming the setting, shown instead of a traceback."""


class Settings(BaseSettings):
    # An empty line in .env (as .env.example has them) means "not set", not "set to the empty string".
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore", env_ignore_empty=True)

    database_url: str = DEFAULT_URL
    # The database connections one process keeps open for reuse (storage.db.POOL_SIZE says why 24); it may
    # open 10 more at a peak. On PostgreSQL, every process's share together must stay under the server's
    # max_connections (100 by default): lower it when many processes share one server.
    database_pool_size: int = Field(default=POOL_SIZE, ge=1, le=1000)
    programme: str = "university"
    timezone: str = "UTC"
    staff_ids: str = Field(default="", description="comma-separated platform:id pairs")
    demo_data: bool = True
    log_level: str = "INFO"
    # Where the terminal chat saves the files the bot sends (calendar files, certificates, CSVs), so they can
    # be opened; empty: a folder "mentorbot-files" beside the SQLite database, or in the working directory.
    files_dir: str = ""

    telegram_bot_token: SecretStr | None = None
    telegram_api_base_url: str = "https://api.telegram.org/bot"
    telegram_staff_chat_id: int | None = None
    telegram_webhook_url: str | None = None
    telegram_webhook_port: int = 8443
    # All interfaces, as the webhook server has always listened: it sits behind the TLS reverse proxy.
    telegram_webhook_listen: str = "0.0.0.0"  # noqa: S104
    telegram_webhook_secret: SecretStr | None = None
    # The bot's @username without the @, for the t.me links in invitations; empty: what Telegram's getMe says.
    telegram_bot_username: str | None = None
    # Telegram's overall flood limit (about 30 messages a second); more for a local Bot API server or paid
    # broadcasts. Outgoing messages are paced to it, so a higher number only helps where Telegram allows it.
    telegram_max_messages_per_second: float = Field(default=30, gt=0)

    slack_bot_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_api_url: str = "https://slack.com/api/"
    slack_staff_channel: str | None = None
    slack_port: int = 3000
    slack_listen: str = "0.0.0.0"  # noqa: S104 - HTTP mode: where Slack's requests arrive (behind TLS)
    # Where a person opens the bot in Slack (the app's page or its direct messages), for invitations.
    slack_app_url: str | None = None

    # Sending invitations by e-mail. No SMTP_HOST: staff get the invitation texts to send themselves.
    smtp_host: str | None = None
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_user: str | None = None
    smtp_password: SecretStr | None = None
    smtp_from: str | None = None
    smtp_starttls: bool = True

    sweep_interval_minutes: int = Field(default=60, ge=1)
    # Several processes on one database: the delivery worker and the scheduler run in the one process holding
    # their lease; it renews the lease every LEASE_RENEW_SECONDS, and LEASE_SECONDS after its last renewal
    # (it died) another process takes over.
    lease_seconds: float = Field(default=45.0, gt=0)
    lease_renew_seconds: float = Field(default=15.0, gt=0)
    # How this process is named in the leases table; empty: host:pid, which also lets a process restarted on
    # the same machine take back at once a lease its killed predecessor held.
    lease_holder: str = Field(default="", max_length=120)

    def files_folder(self) -> Path:
        if self.files_dir:
            return Path(self.files_dir).expanduser().resolve()
        url = self.database_url
        if url.startswith("sqlite") and ":///" in url and ":memory:" not in url:
            return Path(url.split(":///", 1)[1]).expanduser().resolve().parent / "mentorbot-files"
        return Path.cwd() / "mentorbot-files"

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}; use a name like 'Europe/London'") from exc
        return value

    @field_validator("staff_ids")
    @classmethod
    def _staff_pairs(cls, value: str) -> str:
        for item in filter(None, (part.strip() for part in value.split(","))):
            platform, sep, ident = item.partition(":")
            if not sep or platform not in PLATFORMS or not ident:
                raise ValueError(
                    f"{item!r} is not platform:id (platform one of {', '.join(PLATFORMS)}), e.g. telegram:12345"
                )
        return value

    @field_validator("database_url")
    @classmethod
    def _async_driver(cls, value: str) -> str:
        return async_url(value)

    @cached_property
    def staff_identities(self) -> set[tuple[str, str]]:
        pairs = set()
        for item in filter(None, (part.strip() for part in self.staff_ids.split(","))):
            platform, _, ident = item.partition(":")
            pairs.add((platform, ident))
        return pairs

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def telegram_enabled(self) -> bool:
        return self.telegram_bot_token is not None

    @property
    def mail_enabled(self) -> bool:
        return bool(self.smtp_host and self.smtp_from)

    @property
    def slack_enabled(self) -> bool:
        # Socket Mode (an app token) needs no signing secret: Slack's own connection carries the events.
        return self.slack_bot_token is not None and (
            self.slack_signing_secret is not None or self.slack_app_token is not None
        )

    def secret_values(self) -> list[str]:
        """Every secret the settings hold (tokens, signing and webhook secrets, the database password), for
        the log formatter that hides them."""
        values = [value.get_secret_value() for value in self.__dict__.values() if isinstance(value, SecretStr)]
        password = urlsplit(self.database_url).password
        return [value for value in [*values, password] if value]


def load_settings(**overrides: object) -> Settings:
    """Read the settings, turning pydantic's report into one plain sentence naming the setting."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        first = exc.errors()[0]
        name = str(first["loc"][0]).upper() if first["loc"] else "configuration"
        message = first["msg"].removeprefix("Value error, ")
        raise ConfigError(f"The setting {name} is not valid: {message}.") from None
