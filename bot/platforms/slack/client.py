"""The Slack Web API client: slack_sdk's AsyncWebClient with its retry handlers, and Slack's errors turned
into what the delivery worker understands (wait and retry, or this person can't be reached)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse

from bot.core.delivery import Pace, Paces, RetryLater, Undeliverable, Unreachable

log = logging.getLogger(__name__)

Sleep = Callable[[float], Awaitable[None]]

# The person is gone or can't be written to: the outbox records it and tells staff once.
UNREACHABLE_ERRORS = frozenset(
    {"account_inactive", "user_not_found", "cannot_dm_bot", "user_disabled", "user_not_visible", "is_archived"}
)
# This message can never be sent as it is: to a channel the bot is not in (a DM between two people), or
# with content Slack refuses. Failed at once instead of retried ten times.
UNDELIVERABLE_ERRORS = frozenset(
    {
        "channel_not_found",
        "not_in_channel",
        "invalid_blocks",
        "invalid_blocks_format",
        "msg_too_long",
        "no_text",
        "invalid_arguments",
    }
)
# Waiting longer than this inside a request would hold up everyone else: hand the message back to the
# outbox instead, which retries it after the time Slack asked for.
MAX_INLINE_WAIT = 10.0
DEFAULT_RETRY_AFTER = 30.0


def retry_after(headers: Any) -> float | None:
    """Slack's Retry-After header (seconds), whatever the header mapping's shape."""
    for key in list(headers or {}):
        if key.lower() == "retry-after":
            value = headers[key]
            value = value[0] if isinstance(value, list | tuple) else value
            try:
                return float(value)
            except (TypeError, ValueError):
                return None
    return None


class RateLimitRetryHandler(AsyncRateLimitErrorRetryHandler):
    """slack_sdk's 429 handler, waiting exactly what Retry-After says (no jitter on top) through an
    injectable sleep, and only for short waits; a long wait is the outbox's job."""

    def __init__(self, *, max_retry_count: int = 2, sleep: Sleep = asyncio.sleep, max_wait: float = MAX_INLINE_WAIT):
        super().__init__(max_retry_count=max_retry_count)
        self.sleep = sleep
        self.max_wait = max_wait

    async def _can_retry_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if response is None or response.status_code != 429:
            return False
        wait = retry_after(response.headers)
        return wait is None or wait <= self.max_wait

    async def prepare_for_next_attempt_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> None:
        wait = retry_after(response.headers if response is not None else {})
        state.next_attempt_requested = True
        await self.sleep(1.0 if wait is None else wait)
        state.increment_current_attempt()


class ConnectionRetryHandler(AsyncConnectionErrorRetryHandler):
    """slack_sdk's handler for dropped connections (reset, disconnected), with its back-off slept through
    the same injectable sleep."""

    def __init__(self, *, max_retry_count: int = 2, sleep: Sleep = asyncio.sleep) -> None:
        super().__init__(max_retry_count=max_retry_count)
        self.sleep = sleep

    async def prepare_for_next_attempt_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> None:
        state.next_attempt_requested = True
        await self.sleep(self.interval_calculator.calculate_sleep_duration(state.current_attempt))
        state.increment_current_attempt()


# Slack's rate limits for the methods the bot calls most (api.slack.com/apis/rate-limits): chat.postMessage
# about one message a second in a channel, with short bursts; the others per workspace, by tier.
POST_PER_SECOND, POST_BURST = 1.0, 3
TIERS: dict[str, float] = {  # requests a minute
    "views.publish": 100,  # tier 4
    "chat.update": 50,  # tier 3
    "views.update": 50,  # tier 3
    "conversations.open": 50,  # tier 3
}


class PacedWebClient(AsyncWebClient):
    """slack_sdk's client, keeping to Slack's limits before Slack has to refuse: each chat.postMessage takes
    a place in its channel's pace, each call of a tiered method a place in that method's pace (see `Pace`).
    A 429 that still comes waits its Retry-After (the retry handler, or the outbox for a long wait)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.channels = Paces(lambda _channel: Pace(POST_PER_SECOND, POST_BURST))
        self.methods = {method: Pace(per_minute / 60, int(per_minute)) for method, per_minute in TIERS.items()}

    async def api_call(self, api_method: str, **kwargs: Any) -> AsyncSlackResponse:  # type: ignore[override]
        pace = self._pace(api_method, kwargs)
        if pace is None:
            return await super().api_call(api_method, **kwargs)
        async with pace.slot():
            return await super().api_call(api_method, **kwargs)

    def _pace(self, api_method: str, kwargs: dict[str, Any]) -> Pace | None:
        if api_method == "chat.postMessage":
            for body in (kwargs.get("json"), kwargs.get("data"), kwargs.get("params")):
                if isinstance(body, dict) and body.get("channel"):
                    return self.channels(str(body["channel"]))
            return None
        return self.methods.get(api_method)


def make_client(token: str, base_url: str, *, sleep: Sleep = asyncio.sleep, paced: bool = True) -> AsyncWebClient:
    """The client the bot talks to Slack with; `paced=False` only where nothing is counted (a test's fake)."""
    handlers: list[AsyncRetryHandler] = [RateLimitRetryHandler(sleep=sleep), ConnectionRetryHandler(sleep=sleep)]
    if not base_url.endswith("/"):
        base_url += "/"
    kind = PacedWebClient if paced else AsyncWebClient
    return kind(token=token, base_url=base_url, retry_handlers=handlers, timeout=10)


def error_code(error: SlackApiError) -> str:
    """Slack's error code ('ratelimited', 'account_inactive'...), or the HTTP status when the body had none."""
    data = getattr(error.response, "data", None)
    if isinstance(data, dict) and data.get("error"):
        return str(data["error"])
    return f"http_{getattr(error.response, 'status_code', 0)}"


def translate(error: SlackApiError) -> Exception:
    """A Slack API failure as the delivery worker's exceptions (wait, the person is gone, never as it is);
    other failures pass through for back-off."""
    response = error.response
    code = error_code(error)
    status = getattr(response, "status_code", 0)
    if status == 429 or code == "ratelimited":
        return RetryLater(retry_after(getattr(response, "headers", {})) or DEFAULT_RETRY_AFTER, "slack: ratelimited")
    if code in UNREACHABLE_ERRORS:
        return Unreachable(f"slack: {code}")
    if code in UNDELIVERABLE_ERRORS:
        return Undeliverable(f"slack: {code}")
    return error
