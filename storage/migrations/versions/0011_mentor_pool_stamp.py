"""stamps: a token the database changes whenever the mentors a student could be offered may have changed

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 17:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

# What the ranking reads: every column of a mentor profile (status, capacity, answer time, what they
# offer), and a user's name (the tie-break) and role. Triggers, not application code, so that no
# writer is missed: bulk UPDATEs, other processes, a psql session.
_SQLITE_TRIGGERS = {
    "mentor_pool_profile_insert": "AFTER INSERT ON mentor_profiles",
    "mentor_pool_profile_update": "AFTER UPDATE ON mentor_profiles",
    "mentor_pool_profile_delete": "AFTER DELETE ON mentor_profiles",
    "mentor_pool_user_update": "AFTER UPDATE OF name, role ON users",
    "mentor_pool_user_delete": "AFTER DELETE ON users",
}
_SQLITE_BUMP = "UPDATE stamps SET value = random() WHERE name = 'mentor_pool'"

# On PostgreSQL once per statement, and BEFORE it: the statement takes the stamp's row lock before any row
# of its own, so two writers queue on the stamp instead of each holding a row the other needs.
_PG_TRIGGERS = {
    "mentor_pool_profile": "BEFORE INSERT OR UPDATE OR DELETE ON mentor_profiles",
    "mentor_pool_user": "BEFORE UPDATE OF name, role OR DELETE ON users",
}
_PG_FUNCTION = """
CREATE FUNCTION bump_mentor_pool() RETURNS trigger AS $$
BEGIN
    UPDATE stamps SET value = floor(random() * 9.0e18)::bigint WHERE name = 'mentor_pool';
    RETURN NULL;
END
$$ LANGUAGE plpgsql
"""


def upgrade() -> None:
    stamps = op.create_table(
        "stamps",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_stamps")),
    )
    op.bulk_insert(stamps, [{"name": "mentor_pool", "value": 0}])
    if op.get_bind().dialect.name == "sqlite":
        for name, when in _SQLITE_TRIGGERS.items():
            op.execute(f"CREATE TRIGGER {name} {when} BEGIN {_SQLITE_BUMP}; END")
    else:
        op.execute(_PG_FUNCTION)
        for name, when in _PG_TRIGGERS.items():
            op.execute(f"CREATE TRIGGER {name} {when} FOR EACH STATEMENT EXECUTE FUNCTION bump_mentor_pool()")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in _SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER {name}")
    else:
        for name, when in _PG_TRIGGERS.items():
            op.execute(f"DROP TRIGGER {name} ON {when.rsplit(' ', 1)[1]}")
        op.execute("DROP FUNCTION bump_mentor_pool()")
    op.drop_table("stamps")
