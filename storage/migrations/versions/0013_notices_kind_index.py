"""the notices' index on kind alone goes: the index on (kind, answered_at, created_at) begins with it

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 09:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Every look-up by kind is served by ix_notices_kind_open, whose first column it is; the one on kind alone
    # only cost each notice written one more index entry (a sweep writes thousands, all of a few kinds).
    op.drop_index("ix_notices_kind", table_name="notices")


def downgrade() -> None:
    op.create_index("ix_notices_kind", "notices", ["kind"])
