"""Reads one transaction may repeat: the first answer stands until the transaction writes anything.

A page is built from several policies, and each asks the database for what it needs: a student's card asks
for their open mentorships three times (who to leave out, whether contact details show, whether they may
ask). Each round trip costs more than the page's own work, so a read made through `once` is kept in the
session and given again, until the session flushes, executes a statement that is not a SELECT, has
changes waiting to be flushed, or its transaction ends. What a policy decides is never from a state the
transaction has since changed.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable
from typing import Any, TypeVar

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import ORMExecuteState, Session

T = TypeVar("T")

_KEPT = "storage.reads"


async def once(session: AsyncSession, key: Hashable, read: Callable[[], Awaitable[T]]) -> T:
    """`read()`'s answer, read at most once between two writes of this session. `key` names the read and
    everything it depends on (e.g. ("open_pairs", user_id))."""
    sync = session.sync_session
    kept: dict[Hashable, Any] | None = sync.info.get(_KEPT)
    if kept is None or _changes_waiting(sync):  # the read must see them
        kept = sync.info[_KEPT] = {}
    if key in kept:
        return kept[key]  # type: ignore[no-any-return]
    answer = await read()
    # The read may have flushed (autoflush) and so emptied the store: keep the answer in the current one.
    sync.info.setdefault(_KEPT, {})[key] = answer
    return answer


def keep(session: AsyncSession, key: Hashable, answer: object) -> None:
    """Give `once` an answer this transaction has just read some other way (e.g. as part of a larger read),
    so the next `once(session, key, ...)` needs no round trip of its own. The same rules hold: it is
    forgotten at the next write, and kept only if nothing is waiting to be flushed."""
    sync = session.sync_session
    if _changes_waiting(sync):  # the answer may not be what the database will say
        return
    sync.info.setdefault(_KEPT, {})[key] = answer


def _changes_waiting(session: Session) -> bool:
    """Objects added, changed or deleted in the session and not flushed yet: no kept answer stands beside them."""
    return bool(session.new or session.dirty or session.deleted)


def _forget(session: Session) -> None:
    session.info.pop(_KEPT, None)


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, _flush_context: Any) -> None:
    _forget(session)


@event.listens_for(Session, "after_transaction_end")
def _after_transaction_end(session: Session, _transaction: Any) -> None:
    _forget(session)


@event.listens_for(Session, "do_orm_execute")
def _on_execute(state: ORMExecuteState) -> None:
    if not state.is_select:  # an UPDATE, INSERT or DELETE statement, or text() that may be one
        _forget(state.session)
