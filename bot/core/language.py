"""Which language a person reads: the one they chose (or their platform reported at first contact),
else the programme's own. One rule, used by the core for answers and by the outbox for everything else."""

from __future__ import annotations

from bot.i18n import supported
from bot.programme import Programme


def reader_language(chosen: str | None, programme: Programme) -> str:
    """`chosen`: the person's own setting (User.language), None when they have none."""
    return supported(chosen) or programme.language


def staff_language(programme: Programme) -> str:
    """The staff chat is read by the whole career team: it speaks the programme's language."""
    return programme.language
