"""A fake Slack Web API on 127.0.0.1: answers the methods the bot calls, records every call, keeps the
messages of each channel (so edits can be checked) and can answer with 429 + Retry-After or an error.

Like Slack, it refuses (channel_not_found) a post to a DM the bot is not in: the bot is in a person's DM
once conversations.open opened it or the person wrote to the bot there, never in a DM between two people."""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web


@dataclass
class Call:
    method: str
    args: dict[str, Any]
    token: str = ""  # the bearer token the call was made with


class ApiError(Exception):
    """Answered as Slack does: HTTP 200 with ok false and the error code."""

    def __init__(self, error: str) -> None:
        super().__init__(error)
        self.error = error


@dataclass
class Failure:
    error: str
    status: int = 200
    retry_after: int | None = None
    times: int = 1


# Slack's published limits, enforced once `limits_on`: chat.postMessage a burst of 3 then 1 a second in a
# channel; the tiered methods so many a minute in the workspace. Over a limit: 429, Retry-After 1.
POST_BURST, POST_PER_SECOND = 3, 1.0
TIER_PER_MINUTE = {"views.publish": 100, "chat.update": 50, "views.update": 50, "conversations.open": 50}


@dataclass
class _Limits:
    channels: dict[str, tuple[float, float]] = field(default_factory=dict)  # channel -> (tokens, when counted)
    methods: dict[str, deque[float]] = field(default_factory=dict)

    def admit(self, method: str, args: dict[str, Any], now: float) -> bool:
        if method == "chat.postMessage":
            channel = str(args.get("channel", ""))
            tokens, then = self.channels.get(channel, (float(POST_BURST), now))
            tokens = min(float(POST_BURST), tokens + (now - then) * POST_PER_SECOND)
            if tokens < 1:
                self.channels[channel] = (tokens, now)
                return False
            self.channels[channel] = (tokens - 1, now)
            return True
        if method in TIER_PER_MINUTE:
            stamps = self.methods.setdefault(method, deque())
            while stamps and stamps[0] <= now - 60:
                stamps.popleft()
            if len(stamps) >= TIER_PER_MINUTE[method]:
                return False
            stamps.append(now)
        return True


@dataclass
class FakeSlackApi:
    users: dict[str, str] = field(default_factory=dict)  # Slack user id -> real name
    locales: dict[str, str] = field(default_factory=dict)  # Slack user id -> locale ("ru-RU"), if they set one
    calls: list[Call] = field(default_factory=list)
    messages: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # channel -> messages
    views: dict[str, dict[str, Any]] = field(default_factory=dict)  # view id -> view (as shown now)
    opened: dict[str, str] = field(default_factory=dict)  # trigger_id -> the id of the modal it opened
    home: dict[str, dict[str, Any]] = field(default_factory=dict)  # user id -> published Home view
    uploads: dict[str, bytes] = field(default_factory=dict)
    shared: dict[str, bytes] = field(default_factory=dict)  # file id -> a file a person shared, to download
    downloads: list[tuple[str, str]] = field(default_factory=list)  # (file id, the bearer token it was fetched with)
    dms: set[str] = field(default_factory=set)  # the DM channels the bot is in
    failures: dict[str, list[Failure]] = field(default_factory=dict)
    limits_on: bool = False
    ratelimited: int = 0  # 429s given for going over a limit
    base_url: str = ""
    socket_acks: asyncio.Queue[dict[str, Any]] = field(default_factory=asyncio.Queue)
    _socket: web.WebSocketResponse | None = None
    _socket_ready: asyncio.Event = field(default_factory=asyncio.Event)
    _ts: Any = field(default_factory=lambda: itertools.count(1))
    _runner: web.AppRunner | None = None
    _limits: _Limits = field(default_factory=_Limits)

    async def start(self) -> str:
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_post("/upload/{file_id}", self._upload)
        app.router.add_get("/link", self._link)
        app.router.add_get("/files/{file_id}", self._download)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.base_url = f"http://127.0.0.1:{port}/api/"
        return self.base_url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def fail(self, method: str, error: str, *, status: int = 200, retry_after: int | None = None, times: int = 1):  # type: ignore[no-untyped-def]
        self.failures.setdefault(method, []).append(Failure(error, status, retry_after, times))

    def called(self, method: str) -> list[dict[str, Any]]:
        return [c.args for c in self.calls if c.method == method]

    # --- serving -------------------------------------------------------------------------------------

    async def _args(self, request: web.Request) -> dict[str, Any]:
        args: dict[str, Any] = dict(request.query)
        if request.content_type == "application/json":
            args.update(await request.json())
        elif request.method == "POST":
            args.update(await request.post())
        for key in ("blocks", "view"):
            if isinstance(args.get(key), str):
                args[key] = json.loads(args[key])
        return dict(args)

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        args = await self._args(request)
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        self.calls.append(Call(method, args, token))
        queued = self.failures.get(method)
        if queued:
            failure = queued[0]
            failure.times -= 1
            if failure.times <= 0:
                queued.pop(0)
            if failure.error == "disconnect":  # the connection drops before any answer
                assert request.transport is not None
                request.transport.close()
                return web.Response(status=500)
            headers = {"Retry-After": str(failure.retry_after)} if failure.retry_after is not None else {}
            return web.json_response({"ok": False, "error": failure.error}, status=failure.status, headers=headers)
        if self.limits_on and not self._limits.admit(method, args, time.monotonic()):
            self.ratelimited += 1
            return web.json_response({"ok": False, "error": "ratelimited"}, status=429, headers={"Retry-After": "1"})
        handler = getattr(self, "_" + method.replace(".", "_"), None)
        if handler is None:
            return web.json_response({"ok": False, "error": "unknown_method"})
        try:
            return web.json_response({"ok": True, **handler(args)})
        except ApiError as refused:
            return web.json_response({"ok": False, "error": refused.error})

    async def _upload(self, request: web.Request) -> web.Response:
        self.uploads[request.match_info["file_id"]] = await request.read()
        return web.Response(text="OK")

    async def _download(self, request: web.Request) -> web.Response:
        """A shared file's url_private_download: only with a bearer token, as Slack serves it."""
        file_id = request.match_info["file_id"]
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        if not token or file_id not in self.shared:
            return web.Response(status=404)
        self.downloads.append((file_id, token))
        return web.Response(body=self.shared[file_id])

    def share(self, file_id: str, name: str, content: bytes) -> dict[str, Any]:
        """A file as it appears in a file_share message's `files`, downloadable from this fake."""
        self.shared[file_id] = content
        url = self.base_url.removesuffix("api/") + f"files/{file_id}"
        return {"id": file_id, "name": name, "mimetype": "text/csv", "size": len(content), "url_private_download": url}

    async def _link(self, request: web.Request) -> web.WebSocketResponse:
        """Socket Mode: the app's websocket. Slack says hello, sends envelopes, and reads the acks."""
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        await socket.send_json({"type": "hello", "num_connections": 1})
        self._socket = socket
        self._socket_ready.set()
        async for message in socket:
            if message.type.name == "TEXT":
                await self.socket_acks.put(json.loads(message.data))
        return socket

    async def push(self, envelope: dict[str, Any], *, within: float = 5.0) -> dict[str, Any]:
        """Send one envelope over the app's socket; returns the app's acknowledgement."""
        await asyncio.wait_for(self._socket_ready.wait(), within)
        assert self._socket is not None
        await self._socket.send_json(envelope)
        return await asyncio.wait_for(self.socket_acks.get(), within)

    # --- methods -------------------------------------------------------------------------------------

    def _apps_connections_open(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"url": self.base_url.replace("http://", "ws://").replace("/api/", "/link")}

    def _auth_test(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"user_id": "UBOT", "bot_id": "BBOT", "team_id": "T1", "team": "University", "user": "mentorbot"}

    def _users_info(self, args: dict[str, Any]) -> dict[str, Any]:
        uid = str(args.get("user"))
        name = self.users.get(uid, "")
        handle = name.split()[0].lower() if name else uid
        person: dict[str, Any] = {"id": uid, "name": handle, "profile": {"real_name": name}}
        if args.get("include_locale") in (True, "true", "1", 1) and uid in self.locales:
            person["locale"] = self.locales[uid]  # Slack sends it only when asked
        return {"user": person}

    def open_dm(self, user_id: str) -> str:
        """The DM between the bot and this person exists (they wrote to the bot, or the bot opened it)."""
        channel = "D" + user_id
        self.dms.add(channel)
        return channel

    def _check_channel(self, channel: str) -> None:
        if channel.startswith("D") and channel not in self.dms:
            raise ApiError("channel_not_found")

    def _conversations_open(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"channel": {"id": self.open_dm(str(args.get("users")))}}

    def _chat_postMessage(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = str(args["channel"])
        self._check_channel(channel)
        ts = f"1700000000.{next(self._ts):06d}"
        message = {"ts": ts, "text": args.get("text", ""), "blocks": args.get("blocks") or []}
        if args.get("thread_ts"):
            message["thread_ts"] = str(args["thread_ts"])
        self.messages.setdefault(channel, []).append(message)
        return {"channel": channel, "ts": ts, "message": message}

    def _chat_update(self, args: dict[str, Any]) -> dict[str, Any]:
        channel, ts = str(args["channel"]), str(args["ts"])
        for message in self.messages.get(channel, []):
            if message["ts"] == ts:
                message.update(text=args.get("text", ""), blocks=args.get("blocks") or [], edited=True)
        return {"channel": channel, "ts": ts}

    def _new_view(self, view: dict[str, Any], view_id: str | None = None) -> dict[str, Any]:
        view_id = view_id or f"V{next(self._ts):05d}"
        stored = {**view, "id": view_id, "hash": f"h{next(self._ts)}"}
        self.views[view_id] = stored
        return {"view": stored}

    def _views_open(self, args: dict[str, Any]) -> dict[str, Any]:
        answer = self._new_view(args["view"])
        self.opened[str(args["trigger_id"])] = answer["view"]["id"]
        return answer

    def _views_push(self, args: dict[str, Any]) -> dict[str, Any]:
        return self._new_view(args["view"])

    def _views_update(self, args: dict[str, Any]) -> dict[str, Any]:
        if str(args.get("view_id")) not in self.views:
            raise web.HTTPOk(text=json.dumps({"ok": False, "error": "not_found"}), content_type="application/json")
        return self._new_view(args["view"], str(args.get("view_id")))

    def _views_publish(self, args: dict[str, Any]) -> dict[str, Any]:
        self.home[str(args["user_id"])] = args["view"]
        return self._new_view(args["view"])

    def _files_getUploadURLExternal(self, args: dict[str, Any]) -> dict[str, Any]:
        file_id = f"F{next(self._ts)}"
        return {"upload_url": self.base_url.replace("/api/", f"/upload/{file_id}"), "file_id": file_id}

    def _files_completeUploadExternal(self, args: dict[str, Any]) -> dict[str, Any]:
        self._check_channel(str(args.get("channel_id", "")))
        files = json.loads(args["files"]) if isinstance(args.get("files"), str) else args.get("files")
        return {"files": [{"id": f["id"], "title": f.get("title", "")} for f in files]}
