"""A person's copy of their data is made of sections each capability declares (`registry.export`); these
turn database rows into the plain JSON values such a section holds."""

from __future__ import annotations

import datetime as dt
from typing import Any


def plain(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value


def row(obj: Any, *, skip: tuple[str, ...] = ()) -> dict[str, Any]:
    """A database row as plain JSON values."""
    return {c.key: plain(getattr(obj, c.key)) for c in obj.__table__.columns if c.key not in skip}
