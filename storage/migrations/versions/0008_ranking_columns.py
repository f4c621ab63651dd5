"""each mentor's usual answer time kept on the profile, for ranking without reading history

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 14:40:00
"""

from __future__ import annotations

import statistics

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

RECENT_ANSWERS = 10  # as bot.services.matching counts them when this was written


def upgrade() -> None:
    with op.batch_alter_table("mentor_profiles", schema=None) as batch_op:
        batch_op.add_column(sa.Column("answer_days", sa.Float(), nullable=True))
    # Backfill: the median of each mentor's latest answers (accepted or declined), newest first.
    bind = op.get_bind()
    rows = bind.execute(
        sa.text(
            "SELECT mentor_id, created_at, answered_at FROM requests "
            "WHERE status IN ('accepted', 'declined') AND answered_at IS NOT NULL ORDER BY answered_at DESC"
        )
    ).all()
    waits: dict[int, list[float]] = {}
    for mentor_id, created, answered in rows:
        if isinstance(created, str):
            created, answered = _moment(created), _moment(answered)
        bucket = waits.setdefault(mentor_id, [])
        if len(bucket) < RECENT_ANSWERS:
            bucket.append(max(0.0, (answered - created).total_seconds() / 86400))
    update = sa.text("UPDATE mentor_profiles SET answer_days = :days WHERE user_id = :mentor_id")
    values = [{"mentor_id": mentor_id, "days": statistics.median(days)} for mentor_id, days in waits.items()]
    if values:
        bind.execute(update, values)


def _moment(value):  # type: ignore[no-untyped-def]
    """SQLite hands back text; both sides are UTC, so the zone does not change the difference."""
    import datetime as dt

    return dt.datetime.fromisoformat(value).replace(tzinfo=None)


def downgrade() -> None:
    with op.batch_alter_table("mentor_profiles", schema=None) as batch_op:
        batch_op.drop_column("answer_days")
