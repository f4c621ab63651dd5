"""Slack speaks one slash command, `/mentor`, whose first word names the core's command; DMs to the bot
may name a command with or without a slash. Texts that mention `/help` are shown as `/mentor help`."""

from __future__ import annotations

import re
from collections.abc import Collection

SLASH = "/mentor"

# Friendly words people try first, each mapped to the core commands it may mean (the first that exists).
ALIASES: dict[str, tuple[str, ...]] = {
    "": ("start",),
    "browse": ("mentors", "browse"),
    "find": ("mentors", "browse"),
    "search": ("mentors", "browse"),
    "mentors": ("mentors", "browse"),
    "me": ("profile",),
    "edit": ("profile",),
    "hi": ("start",),
    "hello": ("start",),
    "menu": ("help",),
    "commands": ("help",),
    "?": ("help",),
    "stop": ("cancel",),
    "problem": ("report",),
    "issue": ("report",),
}


def resolve(text: str, known: Collection[str]) -> tuple[str, str]:
    """'/mentor browse' text -> ('mentors', ''); 'log met yesterday' -> ('log', 'met yesterday').

    An unknown word is passed on as it is, so the core answers it kindly like any unknown command."""
    head, _, rest = text.strip().partition(" ")
    word = head.lstrip("/").lower()
    if word in known:
        return word, rest.strip()
    for candidate in ALIASES.get(word, ()):
        if candidate in known:
            return candidate, rest.strip()
    return word, rest.strip()


def command_in_dm(text: str, known: Collection[str]) -> tuple[str, str] | None:
    """A DM that names a command ('help', 'browse', '/log met yesterday'); None for other words.

    Slack keeps '/word' for slash commands, so people write the bare word in a DM."""
    stripped = text.strip()
    if not stripped:
        return None
    if stripped.lower().startswith(SLASH + " ") or stripped.lower() == SLASH:
        stripped = stripped[len(SLASH) :]
        return resolve(stripped, known)
    word = stripped.partition(" ")[0].lstrip("/").lower()
    if stripped.startswith("/") or word in known or (word in ALIASES and word):
        name, args = resolve(stripped, known)
        return (name, args) if stripped.startswith("/") or name in known else None
    return None


_MENTION = re.compile(r"(?<![\w/`])/([a-z][a-z_]*)\b")


def slack_commands(text: str, known: Collection[str]) -> str:
    """'/help lists...' -> '`/mentor help` lists...' for the commands the core knows."""
    return _MENTION.sub(lambda m: f"`{SLASH} {m.group(1)}`" if m.group(1) in known else m.group(0), text)
