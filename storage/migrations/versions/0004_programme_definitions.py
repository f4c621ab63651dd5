"""what programme definitions add: milestones, the programme's own profile and agreement questions

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 06:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.models


revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "milestone_progress",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pair_id", sa.Integer(), nullable=False),
        sa.Column("milestone", sa.String(length=24), nullable=False),
        sa.Column("opens_on", sa.Date(), nullable=False),
        sa.Column("closes_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=True),
        sa.Column("form_answers", sa.JSON(), nullable=False),
        sa.Column("form_sent_at", storage.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("evaluation", sa.JSON(), nullable=False),
        sa.Column("evaluated_at", storage.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("met_at", storage.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", storage.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", storage.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["meeting_id"], ["meetings.id"], name=op.f("fk_milestone_progress_meeting_id_meetings"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["pair_id"], ["pairs.id"], name=op.f("fk_milestone_progress_pair_id_pairs"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_milestone_progress")),
        sa.UniqueConstraint("pair_id", "milestone", name=op.f("uq_milestone_progress_pair_id")),
    )
    with op.batch_alter_table("milestone_progress", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_milestone_progress_pair_id"), ["pair_id"], unique=False)
        batch_op.create_index("ix_milestone_progress_status_closes", ["status", "closes_on"], unique=False)
    # Existing rows hold no answers to questions that did not exist: an empty object.
    for table in ("mentor_profiles", "mentee_profiles"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("extra", sa.JSON(), nullable=False, server_default=sa.text("'{}'")))
    with op.batch_alter_table("pairs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("agreement_answers", sa.JSON(), nullable=False, server_default=sa.text("'{}'")))


def downgrade() -> None:
    with op.batch_alter_table("pairs", schema=None) as batch_op:
        batch_op.drop_column("agreement_answers")
    for table in ("mentee_profiles", "mentor_profiles"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("extra")
    with op.batch_alter_table("milestone_progress", schema=None) as batch_op:
        batch_op.drop_index("ix_milestone_progress_status_closes")
        batch_op.drop_index(batch_op.f("ix_milestone_progress_pair_id"))
    op.drop_table("milestone_progress")
