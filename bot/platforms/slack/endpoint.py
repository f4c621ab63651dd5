"""The HTTP endpoint Slack posts to, in front of Bolt.

Bolt parses a request's body before it checks the signature, so a timestamp that is not a number or a
correctly signed body that is not JSON or form data ends in a 500 there. Here a request is checked
first: no timestamp, one that is not a number or is more than five minutes off, or a wrong signature is a
401; a body that is not UTF-8 (Slack's signature is over text), or a signed one that cannot be read, is a
400; only then is it dispatched to the Bolt app.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.signature import SignatureVerifier

log = logging.getLogger(__name__)

_TIMESTAMP = re.compile(r"[0-9]{1,12}")
MAX_BODY = 1024 * 1024  # Slack's payloads are a few kilobytes

Dispatch = Callable[[AsyncBoltRequest], Awaitable[BoltResponse]]


def handler(signing_secret: str, dispatch: Dispatch) -> Callable[[web.Request], Awaitable[web.Response]]:
    """An aiohttp handler that checks a request the way Slack signs it, then hands it to `dispatch`."""
    verifier = SignatureVerifier(signing_secret)

    async def handle(request: web.Request) -> web.Response:
        raw = await request.read()
        stamp = request.headers.get("X-Slack-Request-Timestamp", "")
        signature = request.headers.get("X-Slack-Signature", "")
        if not _TIMESTAMP.fullmatch(stamp) or not signature:
            return web.Response(status=401, text="invalid request")
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:  # Slack sends UTF-8 only (and the signature is over the text)
            return web.Response(status=400, text="unreadable body")
        if not verifier.is_valid(text, stamp, signature):
            return web.Response(status=401, text="invalid request")
        try:
            # Bolt reads the body exactly so: its reading failing is a body Slack never sends.
            bolt_request = AsyncBoltRequest(
                body=text,
                query=request.query_string,
                headers=request.headers,  # type: ignore[arg-type]
            )
        except (ValueError, TypeError, AttributeError, KeyError, RecursionError) as exc:
            log.warning("Slack: a signed request could not be read: %r", exc)
            return web.Response(status=400, text="unreadable body")
        if not isinstance(bolt_request.body, dict):
            return web.Response(status=400, text="unreadable body")
        try:
            response = await dispatch(bolt_request)
        except Exception:
            # The listeners answer their own failures; this is Bolt itself failing on a strange body.
            log.exception("Slack: a signed request could not be dispatched")
            return web.Response(status=400, text="unreadable body")
        if response.status == 404 and bolt_request.body.get("type") == "event_callback":
            # An event the bot has no listener for (a reaction, someone joining): Slack counts anything but
            # a 2xx as a failure, retries it, and turns a failing app's events off.
            return web.Response(status=200)
        return await to_aiohttp_response(response)

    return handle


def application(path: str, handler: Callable[[web.Request], Awaitable[web.Response]]) -> web.Application:
    server = web.Application(client_max_size=MAX_BODY)
    server.router.add_post(path, handler)
    return server
