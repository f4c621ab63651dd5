"""indexes the scheduler's due-queries read through

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 14:15:00
"""

from __future__ import annotations

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The agreements sweep: matches still agreeing, by the day they were made (no full read of pairs).
    op.create_index("ix_pairs_status_created", "pairs", ["status", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_pairs_status_created", table_name="pairs")
