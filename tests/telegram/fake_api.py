"""A fake Telegram Bot API on 127.0.0.1: it serves updates, answers the methods the bot uses the way
Telegram does (including its refusals), records every call, and injects faults on request."""

from __future__ import annotations

import asyncio
import contextlib
import html
import itertools
import json
import re
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

TOKEN = "123456:TEST-token"
BOT_USER = {"id": 999000, "is_bot": True, "first_name": "Mentorbot", "username": "mentor_test_bot"}
JSON_FIELDS = {"reply_markup", "commands", "scope", "allowed_updates", "link_preview_options", "entities"}
WRITES = ("sendMessage", "editMessageText", "editMessageReplyMarkup", "sendDocument", "sendPhoto")
PHOTO_LIMIT = 10 * 1024 * 1024
# Telegram's HTML mode: these tags, and only the named entities below, are understood.
_HTML_TAGS = {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "code", "pre", "tg-spoiler"}
_MARKUP = re.compile(r"<(/?)([a-zA-Z-]*)>|&(lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);|[<>&]")


class Refused(Exception):
    def __init__(self, status: int, description: str, parameters: dict[str, Any] | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters


class TooSlow(Refused):
    """Answered after the client stopped waiting: recorded with status 0, "nothing arrived"."""


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    status: int  # what the fake answered: 200, 400, 429, 500, ... or 0 when the client gave up waiting
    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.status == 200

    @property
    def chat_id(self) -> int | None:
        value = self.params.get("chat_id")
        return int(value) if value is not None else None

    @property
    def text(self) -> str:
        """What the person reads: the text with the markup applied (plain, unescaped)."""
        raw = self.params.get("text", self.params.get("caption", ""))
        return visible(raw) if self.params.get("parse_mode") == "HTML" else raw

    @property
    def buttons(self) -> list[dict[str, Any]]:
        markup = self.params.get("reply_markup") or {}
        return [b for row in markup.get("inline_keyboard", []) for b in row]


@dataclass
class Fault:
    method: str
    kind: str  # "429" | "500" | "slow" | "403"
    times: int = 1
    retry_after: int = 3
    delay: float = 30.0
    chat_id: int | None = None
    skip: int = 0  # let this many matching calls through first


@dataclass
class FloodLimits:
    """Telegram's flood limits as its FAQ gives them: `overall` writes in any second, all chats together;
    in a private chat a burst of `chat_burst`, then `per_chat` a second; `group_per_minute` in a group. A
    write over a limit gets 429 with `retry_after` (whole seconds, as Telegram sends it)."""

    overall: float = 30
    per_chat: float = 1
    chat_burst: int = 3
    group_per_minute: int = 20
    retry_after: int = 1


class _Flood:
    def __init__(self, limits: FloodLimits) -> None:
        self.limits = limits
        self.overall: deque[float] = deque()  # when the writes of the last second were accepted
        self.chats: dict[int, tuple[float, float]] = {}  # private chat -> (tokens, when counted)
        self.groups: dict[int, deque[float]] = {}

    def admit(self, chat_id: int | None, now: float) -> bool:
        limits = self.limits
        while self.overall and self.overall[0] <= now - 1:
            self.overall.popleft()
        if len(self.overall) >= limits.overall:
            return False
        if chat_id is not None and chat_id < 0:
            stamps = self.groups.setdefault(chat_id, deque())
            while stamps and stamps[0] <= now - 60:
                stamps.popleft()
            if len(stamps) >= limits.group_per_minute:
                return False
            stamps.append(now)
        elif chat_id is not None:
            tokens, then = self.chats.get(chat_id, (float(limits.chat_burst), now))
            tokens = min(float(limits.chat_burst), tokens + (now - then) * limits.per_chat)
            if tokens < 1:
                self.chats[chat_id] = (tokens, now)
                return False
            self.chats[chat_id] = (tokens - 1, now)
        self.overall.append(now)
        return True


def visible(text: str) -> str:
    return html.unescape(re.sub(r"</?[a-zA-Z-]+>", "", text))


def check_html(text: str) -> None:
    """Refuse what Telegram refuses: unknown or unbalanced tags, a bare <, > or &."""
    stack: list[str] = []
    for match in _MARKUP.finditer(text):
        closing, tag, entity = match.group(1), match.group(2), match.group(3)
        if entity is not None:
            continue
        if tag is None:
            raise Refused(
                400, f"Bad Request: can't parse entities: unexpected {match.group(0)!r} at byte offset {match.start()}"
            )
        if tag.lower() not in _HTML_TAGS:
            raise Refused(400, f'Bad Request: can\'t parse entities: Unsupported start tag "{tag}"')
        if closing:
            if not stack or stack.pop() != tag.lower():
                raise Refused(400, f'Bad Request: can\'t parse entities: Unmatched end tag "{tag}"')
        else:
            stack.append(tag.lower())
    if stack:
        raise Refused(400, "Bad Request: can't parse entities: Can't find end tag corresponding to start tag")


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


class FakeTelegram:
    def __init__(self, limits: FloodLimits | None = None) -> None:
        self.calls: list[Call] = []
        # Telegram's flood limits, enforced on every write once set (`limits`), and the 429s they gave.
        self._flood = _Flood(limits) if limits is not None else None
        self.flooded = 0
        self.faults: list[Fault] = []
        self.blocked: set[int] = set()  # chats whose person blocked the bot: every write gets 403
        self.updates: list[dict[str, Any]] = []
        self.webhook: dict[str, Any] = {}
        self.max_poll_wait = 0.2  # getUpdates long-polls at most this long, however long the bot asks
        self.messages: dict[tuple[int, int], dict[str, Any]] = {}
        self.polls: list[dict[str, Any]] = []  # getUpdates calls, kept apart so they don't crowd `calls`
        self.files: dict[str, bytes] = {}  # file_id -> the bytes a person sent, served by getFile and the download
        self.downloads: list[str] = []  # the file paths the bot downloaded
        self._update_ids = itertools.count(1000)
        self._message_ids = itertools.count(1)
        self._new_update = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self.port = 0

    # --- the server ---------------------------------------------------------------------------------

    async def start(self, port: int = 0) -> None:
        """Listen on 127.0.0.1, on `port` (a free one by default)."""
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._dispatch)
        app.router.add_get("/file/bot{token}/{path:.+}", self._download)
        # No access log (Telegram's own logs are not ours to check); a slow answer stops when the bot hangs up.
        self._runner = web.AppRunner(app, access_log=None, handler_cancellation=True)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", port)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    async def _dispatch(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        if request.match_info["token"] != TOKEN:
            return web.json_response({"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401)
        params, files = await _read_params(request)
        if method == "getUpdates":
            self.polls.append(params)
            return _ok(await self._get_updates(params))
        call = Call(method, params, 0, files)  # 0 until answered
        self.calls.append(call)
        try:
            await self._inject_fault(call)
            result = self._answer(call)
            call.status = 200
        except Refused as refused:
            call.status = 0 if isinstance(refused, TooSlow) else refused.status
            body: dict[str, Any] = {"ok": False, "error_code": refused.status, "description": refused.description}
            if refused.parameters:
                body["parameters"] = refused.parameters
            return web.json_response(body, status=refused.status)
        return _ok(result)

    async def _download(self, request: web.Request) -> web.Response:
        """The file download Telegram serves under /file/bot<token>/<file_path>."""
        if request.match_info["token"] != TOKEN:
            return web.Response(status=401)
        path = request.match_info["path"]
        file_id = path.rsplit("/", 1)[-1]
        if file_id not in self.files:
            return web.Response(status=404)
        self.downloads.append(path)
        return web.Response(body=self.files[file_id])

    @property
    def limits(self) -> FloodLimits | None:
        return self._flood.limits if self._flood is not None else None

    @limits.setter
    def limits(self, limits: FloodLimits | None) -> None:
        self._flood = _Flood(limits) if limits is not None else None

    async def _inject_fault(self, call: Call) -> None:
        if call.method in WRITES and call.chat_id in self.blocked:
            raise Refused(403, "Forbidden: bot was blocked by the user")
        for fault in self.faults:
            if fault.method != call.method or fault.times <= 0:
                continue
            if fault.chat_id is not None and call.chat_id != fault.chat_id:
                continue
            if fault.skip > 0:
                fault.skip -= 1
                continue
            fault.times -= 1
            if fault.kind == "429":
                raise Refused(
                    429,
                    f"Too Many Requests: retry after {fault.retry_after}",
                    {"retry_after": fault.retry_after},
                )
            if fault.kind == "500":
                raise Refused(500, "Internal Server Error")
            if fault.kind == "403":
                raise Refused(403, "Forbidden: bot was blocked by the user")
            if fault.kind == "slow":
                await asyncio.sleep(fault.delay)
                raise TooSlow(504, "Gateway Timeout")  # nobody is listening any more
            raise AssertionError(f"unknown fault {fault.kind}")
        self._check_flood(call)

    def _check_flood(self, call: Call) -> None:
        if self._flood is None or call.method not in WRITES or self._flood.admit(call.chat_id, time.monotonic()):
            return
        self.flooded += 1
        wait = self._flood.limits.retry_after
        raise Refused(429, f"Too Many Requests: retry after {wait}", {"retry_after": wait})

    # --- methods ------------------------------------------------------------------------------------

    def _answer(self, call: Call) -> Any:
        p = call.params
        match call.method:
            case "getMe":
                return BOT_USER
            case "sendMessage":
                self._check_text(p.get("text", ""), p.get("parse_mode"))
                self._check_markup(p.get("reply_markup"))
                return self._store(int(p["chat_id"]), {"text": p["text"]}, p)
            case "sendDocument":
                self._check_markup(p.get("reply_markup"))
                if "document" not in call.files:
                    raise Refused(400, "Bad Request: there is no document in the request")
                filename, _content = call.files["document"]
                return self._store(
                    int(p["chat_id"]), {"document": {"file_id": "f1", "file_unique_id": "u1", "file_name": filename}}, p
                )
            case "sendPhoto":
                self._check_markup(p.get("reply_markup"))
                if "photo" not in call.files:
                    raise Refused(400, "Bad Request: there is no photo in the request")
                _filename, content = call.files["photo"]
                if len(content) > PHOTO_LIMIT:
                    raise Refused(400, "Bad Request: PHOTO_SAVE_FILE_INVALID")
                if not content.startswith((b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff")):
                    raise Refused(400, "Bad Request: IMAGE_PROCESS_FAILED")
                photo = {"file_id": "p1", "file_unique_id": "pu1", "width": 1280, "height": 864}
                return self._store(int(p["chat_id"]), {"photo": [photo]}, p)
            case "editMessageText" | "editMessageReplyMarkup":
                return self._edit(call)
            case "getFile":
                file_id = str(p.get("file_id", ""))
                if file_id not in self.files:
                    raise Refused(400, "Bad Request: invalid file_id")
                content = self.files[file_id]
                return {
                    "file_id": file_id,
                    "file_unique_id": "u" + file_id,
                    "file_size": len(content),
                    "file_path": f"documents/{file_id}",
                }
            case "answerCallbackQuery" | "setMyCommands" | "deleteMyCommands":
                return True
            case "setWebhook":
                self.webhook = {"url": p.get("url", ""), "secret_token": p.get("secret_token")}
                return True
            case "deleteWebhook":
                self.webhook = {}
                return True
            case "getWebhookInfo":
                return {"url": self.webhook.get("url", ""), "has_custom_certificate": False, "pending_update_count": 0}
        raise Refused(404, "Not Found")

    def _check_text(self, text: str, parse_mode: str | None) -> None:
        if parse_mode == "HTML":
            check_html(text)
            text = visible(text)
        if not text.strip():
            raise Refused(400, "Bad Request: message text is empty")
        if utf16_len(text) > 4096:
            raise Refused(400, "Bad Request: message is too long")

    @staticmethod
    def _check_markup(markup: dict[str, Any] | None) -> None:
        for row in (markup or {}).get("inline_keyboard", []):
            for button in row:
                data = button.get("callback_data")
                if data is not None and not 1 <= len(data.encode()) <= 64:
                    raise Refused(400, "Bad Request: BUTTON_DATA_INVALID")

    def _store(self, chat_id: int, content: dict[str, Any], p: dict[str, Any]) -> dict[str, Any]:
        message = {
            "message_id": next(self._message_ids),
            "date": 1_700_000_000,
            "chat": _chat(chat_id),
            "from": BOT_USER,
            **content,
        }
        if p.get("reply_markup"):
            message["reply_markup"] = p["reply_markup"]
        self.messages[(chat_id, message["message_id"])] = {**message, "_html": p.get("text", "")}
        return message

    def _edit(self, call: Call) -> dict[str, Any]:
        p = call.params
        key = (int(p["chat_id"]), int(p["message_id"]))
        stored = self.messages.get(key)
        if stored is None:
            raise Refused(400, "Bad Request: message to edit not found")
        new_html = p["text"] if call.method == "editMessageText" else stored["_html"]
        if call.method == "editMessageText":
            self._check_text(new_html, p.get("parse_mode"))
        self._check_markup(p.get("reply_markup"))
        markup = p.get("reply_markup")
        if new_html == stored["_html"] and markup == stored.get("reply_markup"):
            raise Refused(
                400,
                "Bad Request: message is not modified: specified new message content and reply markup are exactly "
                "the same as a current content and reply markup of the message",
            )
        stored["_html"] = new_html
        stored["text"] = new_html
        if markup:
            stored["reply_markup"] = markup
        else:
            stored.pop("reply_markup", None)
        return {k: v for k, v in stored.items() if not k.startswith("_")}

    async def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        if offset:  # Telegram forgets what the bot confirmed
            self.updates = [u for u in self.updates if u["update_id"] >= offset]
        if not self.updates:
            self._new_update.clear()
            wait = min(float(params.get("timeout") or 0), self.max_poll_wait)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._new_update.wait(), wait)
        limit = int(params.get("limit") or 100)
        return self.updates[:limit]

    # --- feeding updates ----------------------------------------------------------------------------

    def push(self, update: dict[str, Any]) -> dict[str, Any]:
        """Queue an update for getUpdates (a copy with the same update_id is a redelivery)."""
        self.updates.append(update)
        self._new_update.set()
        return update

    def message_update(
        self, user: dict[str, Any], text: str, chat_id: int | None = None, reply_to: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        chat_id = chat_id if chat_id is not None else user["id"]
        message: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "date": 1_700_000_000,
            "chat": _chat(chat_id),
            "from": user,
            "text": text,
        }
        if reply_to is not None:
            message["reply_to_message"] = {k: v for k, v in reply_to.items() if not k.startswith("_")}
        if text.startswith("/"):
            command = text.split()[0]
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        return {"update_id": next(self._update_ids), "message": message}

    def document_update(
        self, user: dict[str, Any], name: str, content: bytes, caption: str = "", *, size: int | None = None
    ) -> dict[str, Any]:
        """A person sends a file in their private chat (`size`: what Telegram says it weighs, if not its bytes)."""
        file_id = f"doc{next(self._message_ids)}"
        self.files[file_id] = content
        message: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "date": 1_700_000_000,
            "chat": _chat(user["id"]),
            "from": user,
            "document": {
                "file_id": file_id,
                "file_unique_id": "u" + file_id,
                "file_name": name,
                "mime_type": "text/csv",
                "file_size": len(content) if size is None else size,
            },
        }
        if caption:
            message["caption"] = caption
        return {"update_id": next(self._update_ids), "message": message}

    def callback_update(self, user: dict[str, Any], message: dict[str, Any], data: str) -> dict[str, Any]:
        shown = {k: v for k, v in message.items() if not k.startswith("_")}
        query = {"id": str(next(self._update_ids)), "from": user, "chat_instance": "ci", "data": data}
        query["message"] = shown
        return {"update_id": next(self._update_ids), "callback_query": query}

    # --- what was received --------------------------------------------------------------------------

    def fail(self, method: str, kind: str, **options: Any) -> Fault:
        fault = Fault(method, kind, **options)
        self.faults.append(fault)
        return fault

    def delivered(self, chat_id: int | None = None, methods: tuple[str, ...] = WRITES) -> list[Call]:
        return [c for c in self.calls if c.ok and c.method in methods and (chat_id is None or c.chat_id == chat_id)]

    def called(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    def chat_messages(self, chat_id: int) -> list[dict[str, Any]]:
        return [m for (chat, _), m in sorted(self.messages.items()) if chat == chat_id]


def _chat(chat_id: int) -> dict[str, Any]:
    if chat_id < 0:
        return {"id": chat_id, "type": "supergroup", "title": "Career team"}
    return {"id": chat_id, "type": "private", "first_name": "Person"}


def _ok(result: Any) -> web.Response:
    return web.json_response({"ok": True, "result": result})


async def _read_params(request: web.Request) -> tuple[dict[str, Any], dict[str, tuple[str, bytes]]]:
    params: dict[str, Any] = {}
    files: dict[str, tuple[str, bytes]] = {}
    if request.content_type == "application/json":
        params = await request.json()
    elif request.can_read_body:
        form = await request.post()
        for key, value in form.items():
            if isinstance(value, web.FileField):
                files[key] = (value.filename, value.file.read())
            else:
                params[key] = value
    for key in JSON_FIELDS & params.keys():
        if isinstance(params[key], str):
            params[key] = json.loads(params[key])
    return params, files
