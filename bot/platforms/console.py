"""The terminal chat: buttons are numbered choices, `/as NAME` switches who you are, and messages the bot
sends to other people are printed with their addressee. It reads a script from standard input too.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import html
import os
import re
import sys
from pathlib import Path
from typing import TextIO

from bot.config import Settings
from bot.core.app import Core
from bot.core.events import MAX_FILE_BYTES, Actor, Event, IncomingFile, Origin
from bot.core.replies import Attachment, Button, Reply
from bot.i18n import _, moment_text, ngettext
from bot.platforms.base import ChatKind, register
from storage.models import Identity

PLATFORM = "console"
_TAG = re.compile(r"</?(b|i|code)>")


def to_plain(text: str) -> str:
    """The markup subset as the terminal shows it: no markup, the escapes undone. Telegram's fallback
    and Slack's plain-text fields read the same words."""
    return html.unescape(_TAG.sub("", text))


@register
class ConsoleChat:
    """One terminal, many people: whoever `/as` names is the one typing."""

    platform = PLATFORM

    @classmethod
    def configured(cls, settings: Settings) -> bool:
        """Never started beside the others: `mentorbot run` falls back to the terminal when no other
        platform is configured (with its demo data and its own clock), and `mentorbot console` asks for it."""
        return False

    def __init__(self, core: Core, out: TextIO | None = None, *, echo: bool = False) -> None:
        self.core = core
        self.out = out or sys.stdout
        self.echo = echo  # a script is being replayed: show each line as if typed
        self.me = "guest"
        self._buttons: dict[str, list[Button]] = {}  # last numbered choices shown to each person
        self._expects_text: dict[str, bool] = {}
        core.delivery.add_transport(self)

    # --- Transport: messages the bot sends to other people -------------------------------------------

    async def send_to_user(self, identity: Identity, reply: Reply) -> None:
        # Named as in every other heading, whoever is typing: "you" read as a different person from "alex".
        name = identity.external_id
        self._show(reply, heading=f"[bot → {name}]", person=name)

    async def send_to_staff(self, reply: Reply) -> bool:
        return False  # no staff chat in a terminal: each staff member gets the message as a person

    async def send_answer(self, origin: Origin, reply: Reply) -> None:
        # The terminal answers at once (Core.handle), so this only ever sees an answer queued elsewhere.
        self._show(reply, heading=f"[bot → {origin.chat_id}]", person=origin.chat_id)

    def chat_kind(self, chat_id: str) -> ChatKind:
        return "private"  # each person typing here is alone with the bot

    # --- running -----------------------------------------------------------------------------------

    async def run(self, stream: TextIO | None = None) -> None:
        """Read lines (from standard input unless `stream`) until end of input or /quit."""
        stream = stream or sys.stdin
        interactive = stream.isatty()
        self._print(
            _(
                "mentorbot in your terminal, running the {title}. /as NAME switches who you are (try /as alex, "
                "a student, or /as aigerim, a mentor, or /as sam, from {office}); /start begins, /help lists "
                "what you can do, /clock +31d moves time on and runs the reminders. Buttons are numbered: type "
                "the number. /quit ends."
            ).format(title=self.core.programme.title, office=self.core.programme.office)
        )
        loop = asyncio.get_running_loop()
        while True:
            if interactive:
                print(f"{self.me}> ", end="", flush=True)
            line = await loop.run_in_executor(None, stream.readline)
            if not line:
                break
            if not await self.handle_line(line):
                break

    async def stop(self) -> None:
        """Nothing to let go of: the terminal stays the terminal."""

    # --- the chat ----------------------------------------------------------------------------------

    def actor(self) -> Actor:
        # The terminal's own language (LANGUAGE, LC_ALL, LC_MESSAGES, LANG) is the person's at first contact.
        return Actor(
            platform=PLATFORM,
            external_id=self.me,
            chat_id=self.me,
            display_name=self.me.capitalize(),
            language=_terminal_language(),
        )

    async def handle_line(self, line: str) -> bool:
        """Handle one typed line; False when the person asked to quit."""
        text = line.rstrip("\n")
        if self.echo:
            self._print(f"{self.me}> {text}")
        stripped = text.strip()
        if not stripped:
            return True
        if stripped in ("/quit", "/exit"):
            return False
        if stripped.startswith("/as"):
            self._switch(stripped[3:].strip())
            return True
        if stripped.split(" ", 1)[0] == "/clock":
            await self._move_clock(stripped[6:].strip())
            return True
        head, _sep, rest = stripped.partition(" ")
        event = self._file_event(rest.strip()) if head == "/import" and rest.strip() else self._event_for(stripped)
        if event is None:
            return True
        # One answer may be several messages with buttons (a card per waiting mentor): number them on, so
        # every card's buttons can be typed, as every message's buttons can be tapped elsewhere.
        batch: list[Button] = []
        for reply in await self.core.handle(event):
            self._show(reply, heading=f"[bot → {self.me}]", person=self.me, batch=batch)
        await self.core.delivery.flush()
        return True

    def _event_for(self, text: str) -> Event | None:
        buttons = self._buttons.get(self.me, [])
        explicit = text.startswith("#") and text[1:].isdigit()
        bare = text.isdigit() and not self._expects_text.get(self.me, False)
        if explicit or bare:
            index = int(text.lstrip("#")) - 1
            if 0 <= index < len(buttons):
                button = buttons[index]
                return Event(actor=self.actor(), kind="action", action=button.action, payload=button.payload)
            if explicit:
                self._print(_("There's no choice with that number here."))
                return None
        # Typing a button's label presses it, as tapping it would ("Skip" under a question that can be skipped);
        # where no answer is typed, so do its first words ("Yes" for "Yes, we met", "Confirm" for "Confirm 3
        # Dec") when no other button starts so.
        named = _button_named(buttons, text, whole_only=self._expects_text.get(self.me, False))
        if named is not None:
            return Event(actor=self.actor(), kind="action", action=named.action, payload=named.payload)
        return Event.command_from_text(self.actor(), text)

    def _file_event(self, args: str) -> Event | None:
        """`/import PATH [words]`: the file at PATH sent to the bot, with the words after it."""
        path_text, _sep, words = args.partition(" ")
        path = Path(path_text).expanduser()
        try:
            size = path.stat().st_size
            content = path.read_bytes() if size <= MAX_FILE_BYTES else b""
        except OSError as exc:
            self._print(
                _("I couldn't open {path} ({error}). Usage: /import path/to/file.csv").format(
                    path=path_text, error=exc.strerror or exc
                )
            )
            return None
        file = IncomingFile(path.name, content, size)
        return Event(actor=self.actor(), kind="file", text=words.strip(), file=file)

    async def _move_clock(self, how: str) -> None:
        """`/clock +31d` (or +2w, +5h, +30m), `/clock 2027-04-01` (a later day, at the same time of day) or
        `/clock 2027-04-01 10:00` (a later moment, UTC): move time forward, run the scheduler's sweeps, deliver."""
        from bot.core.clock import save_clock_offset
        from scheduler.sweeps import sweep_core

        clock = self.core.clock
        step = _clock_step(how, clock.now())
        if how and (step is None or not hasattr(clock, "advance")):
            self._print(
                _(
                    "Usage: /clock +31d moves time 31 days on (also +2w, +5h, +30m), /clock 2027-04-01 moves it "
                    "to that day and /clock 2027-04-01 10:00 to that moment (UTC); each runs the reminders. Time "
                    "only moves forward."
                )
            )
            return
        if step:
            clock.advance(step)  # type: ignore[attr-defined]
            if hasattr(clock, "offset"):
                await save_clock_offset(self.core.sessions, clock.offset)
        result = await sweep_core(self.core)
        sent = await self.core.delivery.flush()
        found = ngettext("{n} new reminder", "{n} new reminders", result.total).format(n=result.total)
        delivered = ngettext("{n} message delivered", "{n} messages delivered", sent).format(n=sent)
        self._print(
            _("— it is now {time} (UTC); {found}, {delivered} —").format(
                time=moment_text(clock.now(), "EEE dd MMM y HH:mm"), found=found, delivered=delivered
            )
        )
        if await self._waiting_for_daytime():
            self._print(_("  (some messages wait for the person's daytime, 9:00 to 20:00: try /clock +12h)"))

    async def _waiting_for_daytime(self) -> int:
        from sqlalchemy import func, select

        from storage.models import Outbox

        async with self.core.sessions() as session:
            count = await session.scalar(
                select(func.count(Outbox.id)).where(
                    Outbox.status == "pending", Outbox.not_before > self.core.clock.now()
                )
            )
        return int(count or 0)

    def _switch(self, name: str) -> None:
        name = name.strip().lower()
        if not name or not name.replace("_", "").replace("-", "").isalnum() or len(name) > 32:
            self._print(_("Usage: /as NAME, e.g. /as alex (letters and digits)."))
            return
        self.me = name
        now_you_are = _("you are now")  # outside the f-string, where the catalogue finds it
        self._print(f"— {now_you_are} {name} —")
        choices = self._buttons.get(name)
        if choices:
            self._print(self._choices_line(choices, self._expects_text.get(name, False)))

    # --- printing ----------------------------------------------------------------------------------

    def _save(self, person: str, file: Attachment) -> str:
        """Write a file the bot sent to the person's folder, so it can be opened; where it is, to print."""
        folder = self.core.settings.files_folder() / person
        name = Path(file.filename).name or "file"  # a name, never a path out of the folder
        try:
            folder.mkdir(parents=True, exist_ok=True)
            (folder / name).write_bytes(file.content)
        except OSError as exc:
            return _("could not be saved ({error})").format(error=exc.strerror or exc)
        return _("saved to {path}").format(path=folder / name)

    def _show(self, reply: Reply, *, heading: str, person: str, batch: list[Button] | None = None) -> None:
        lines = [heading + (" " + _("(updated)") if reply.edit else "")]
        if reply.errors:
            lines += [f"  ! {to_plain(message)}" for message in reply.errors.values()]
        lines += ["  " + line for line in to_plain(reply.text).splitlines()]
        if reply.attachment is not None:
            saved = self._save(person, reply.attachment)
            lines.append(f"  📎 {reply.attachment.filename} ({len(reply.attachment.content)} bytes): {saved}")
        flat = [button for row in reply.buttons for button in row]
        if flat:
            earlier = batch if batch is not None else []
            lines.append(self._choices_line(flat, reply.expects_text, start=len(earlier) + 1))
            earlier.extend(flat)
            self._buttons[person] = list(earlier)
            self._expects_text[person] = reply.expects_text
        elif not reply.edit and person == self.me:
            self._expects_text[person] = reply.expects_text
        self._print("\n".join(lines))

    @staticmethod
    def _choices_line(buttons: list[Button], expects_text: bool, start: int = 1) -> str:
        mark = "#" if expects_text else ""
        return "  " + "   ".join(f"[{mark}{i}] {b.label}" for i, b in enumerate(buttons, start))

    def _print(self, text: str) -> None:
        print(text, file=self.out, flush=True)


async def run_console(core: Core, stream: TextIO | None = None) -> None:
    """The terminal chat over `core`: a script from a pipe is echoed line by line, as if typed."""
    stream = stream or sys.stdin
    await ConsoleChat(core, echo=not stream.isatty()).run(stream)


def _clock_step(how: str, now: dt.datetime) -> dt.timedelta | None:
    """How far `/clock` moves time: "+31d" (m, h, d, w), a later day "2027-04-01" (at the same time of day) or
    a later moment "2027-04-01 10:00" (UTC); None when unreadable or in the past, an empty step for a bare
    `/clock` (run the reminders now)."""
    if not how:
        return dt.timedelta()
    found = re.fullmatch(r"\+(\d{1,4})([mhdw])", how)
    if found is not None:
        unit = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}[found.group(2)]
        return dt.timedelta(**{unit: int(found.group(1))})
    day_text, _sep, time_text = how.partition(" ")
    try:
        day = dt.date.fromisoformat(day_text)
        at = dt.time.fromisoformat(time_text.strip()).replace(tzinfo=dt.UTC) if time_text.strip() else now.timetz()
    except ValueError:
        return None
    target = dt.datetime.combine(day, at)
    return target - now if target > now else None


def _button_named(buttons: list[Button], typed: str, *, whole_only: bool) -> Button | None:
    wanted = typed.strip().lower()
    labels = [button.label.lower().removeprefix("✓ ") for button in buttons]
    for button, label in zip(buttons, labels, strict=True):
        if label == wanted:
            return button
    if whole_only:
        return None
    starting = [
        button
        for button, label in zip(buttons, labels, strict=True)
        if label.startswith(wanted) and not label[len(wanted) : len(wanted) + 1].isalnum()
    ]
    return starting[0] if len(starting) == 1 and wanted else None


def _terminal_language() -> str | None:
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(name, "").split(":")[0]
        if value and value not in ("C", "POSIX") and not value.startswith("C."):
            return value
    return None
