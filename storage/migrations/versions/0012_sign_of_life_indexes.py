"""indexes a mentor card's signs of life read through

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 21:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The latest contact a mentor logged and goal note they wrote, read with every card of theirs: one look-up
    # each instead of a read of the whole table.
    op.create_index("ix_contact_logs_author_created", "contact_logs", ["author_id", "created_at"])
    op.create_index("ix_goal_notes_author_created", "goal_notes", ["author_id", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_goal_notes_author_created", table_name="goal_notes")
    op.drop_index("ix_contact_logs_author_created", table_name="contact_logs")
