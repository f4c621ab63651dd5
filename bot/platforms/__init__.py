"""Thin adapters: turn platform updates into Events and render Replies. No programme rules here.

Each platform is one module or package here, implementing `Platform` and registered with `@register`
(see bot.platforms.base); `platforms.configured(settings)` are the ones `mentorbot run` starts.
"""

from bot.platforms.base import ChatKind, Platform, Platforms, platforms, register

__all__ = ["ChatKind", "Platform", "Platforms", "platforms", "register"]
