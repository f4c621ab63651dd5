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
    """A DM that names a command ('help', 'log met yesterday', '/mentor browse', or a greeting on its
    own); None for other words. Slack keeps '/word' for slash commands, so people write the bare word."""
    stripped = text.strip()
    lowered = stripped.lower()
    if lowered == SLASH or lowered.startswith(SLASH + " "):
        return resolve(stripped[len(SLASH) :], known)
    word, _, rest = lowered.partition(" ")
    word = word.lstrip("/")
    if word in known:
        return resolve(stripped.lstrip("/"), known)
    if word and not rest and word in ALIASES:  # 'hi', 'browse', 'menu': an alias alone, not a sentence
        name, args = resolve(word, known)
        return (name, args) if name in known else None
    return None


_MENTION = re.compile(r"(?<![\w/`])/([a-z][a-z_]*)\b")


def slack_commands(text: str) -> str:
    """'/help lists...' -> '`/mentor help` lists...': on Slack every command is a word after /mentor
    (an unknown one too: "I don't know `/mentor blah`" names what the person typed)."""
    return _MENTION.sub(lambda m: m.group(0) if m.group(1) == SLASH[1:] else f"`{SLASH} {m.group(1)}`", text)
