"""Slack: slash command, DMs, modals and the App Home tab on slack-bolt's async app."""

from bot.platforms.slack.platform import SlackPlatform

__all__ = ["SlackPlatform"]
