"""a person's message of the day is claimed on its outbox row (day_key), not by a notice of its own

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 12:00:00
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

# The tables as this step sees them, whatever the models say later.
_NOTICES: Any = sa.table(
    "notices",
    sa.column("key", sa.String),
    sa.column("kind", sa.String),
    sa.column("data", sa.JSON),
)
_OUTBOX: Any = sa.table(
    "outbox",
    sa.column("id", sa.Integer),
    sa.column("day_key", sa.String),
)
_SET = sa.text("day_key IS NOT NULL")


def upgrade() -> None:
    # The day's "notice" was a second row written beside the message only to hold its unique key, nearly half
    # the rows a sweep wrote. The message's own row holds the key now; the days already claimed move onto
    # their messages, so nobody gets a second message on the day of the upgrade.
    op.add_column("outbox", sa.Column("day_key", sa.String(80), nullable=True))
    op.create_index("uq_outbox_day_key", "outbox", ["day_key"], unique=True, sqlite_where=_SET, postgresql_where=_SET)
    bind = op.get_bind()
    days = bind.execute(sa.select(_NOTICES.c.key, _NOTICES.c.data).where(_NOTICES.c.kind == "day")).all()
    moved = [
        {"row_id": data["outbox_id"], "claimed": key}
        for key, data in days
        if isinstance(data, dict) and isinstance(data.get("outbox_id"), int)
    ]
    if moved:
        bind.execute(
            sa.update(_OUTBOX).where(_OUTBOX.c.id == sa.bindparam("row_id")).values(day_key=sa.bindparam("claimed")),
            moved,
        )
    bind.execute(sa.delete(_NOTICES).where(_NOTICES.c.kind == "day"))


def downgrade() -> None:
    bind = op.get_bind()
    as_json = {"postgresql": "json_build_object"}.get(bind.dialect.name, "json_object")
    copy_back = (
        "INSERT INTO notices (key, kind, user_id, data, created_at) "
        "SELECT day_key, 'day', user_id, {}('outbox_id', id), created_at FROM outbox WHERE day_key IS NOT NULL"
    )
    bind.execute(sa.text(copy_back.format(as_json)))  # the function's name is one of the two above
    op.drop_index("uq_outbox_day_key", table_name="outbox")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("day_key")
