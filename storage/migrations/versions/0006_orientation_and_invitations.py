"""orientation sessions with their attendance, and invitations from a cohort's list

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 07:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.models


revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "orientation_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("starts_at", storage.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("place", sa.Text(), nullable=False),
        sa.Column("about", sa.Text(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", storage.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_orientation_sessions_created_by_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_orientation_sessions")),
    )
    with op.batch_alter_table("orientation_sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_orientation_sessions_starts_at"), ["starts_at"], unique=False)
    op.create_table(
        "orientation_attendance",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("mentor_id", sa.Integer(), nullable=False),
        sa.Column("answer", sa.String(length=16), nullable=True),
        sa.Column("attended", sa.Boolean(), nullable=False),
        sa.Column("answered_at", storage.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("recorded_at", storage.models.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["mentor_id"], ["users.id"], name=op.f("fk_orientation_attendance_mentor_id_users"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["orientation_sessions.id"],
            name=op.f("fk_orientation_attendance_session_id_orientation_sessions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_orientation_attendance")),
        sa.UniqueConstraint("session_id", "mentor_id", name=op.f("uq_orientation_attendance_session_id")),
    )
    with op.batch_alter_table("orientation_attendance", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_orientation_attendance_mentor_id"), ["mentor_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_orientation_attendance_session_id"), ["session_id"], unique=False)
    op.create_table(
        "invitations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=40), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("email", sa.String(length=200), nullable=False),
        sa.Column("handle", sa.String(length=120), nullable=False),
        sa.Column("programme_of_study", sa.String(length=120), nullable=False),
        sa.Column("year", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", storage.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("sent_at", storage.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("accepted_by", sa.Integer(), nullable=True),
        sa.Column("accepted_at", storage.models.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["accepted_by"], ["users.id"], name=op.f("fk_invitations_accepted_by_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_invitations_created_by_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invitations")),
        sa.UniqueConstraint("token", name=op.f("uq_invitations_token")),
    )


def downgrade() -> None:
    op.drop_table("invitations")
    with op.batch_alter_table("orientation_attendance", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_orientation_attendance_session_id"))
        batch_op.drop_index(batch_op.f("ix_orientation_attendance_mentor_id"))
    op.drop_table("orientation_attendance")
    with op.batch_alter_table("orientation_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_orientation_sessions_starts_at"))
    op.drop_table("orientation_sessions")
