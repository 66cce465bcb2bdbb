"""Custom event names: ``user_events.event_type`` holds up to 200 characters.

Schema version 2 lets applications send any event name (docs/events.md). The column
grows from 32 to 200 characters; PostgreSQL widens a varchar without rewriting the
table, and SQLite does not enforce the length (batch mode rebuilds it there).

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("user_events") as batch:
        batch.alter_column(
            "event_type",
            existing_type=sa.String(length=32),
            type_=sa.String(length=200),
            existing_nullable=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("user_events") as batch:
        batch.alter_column(
            "event_type",
            existing_type=sa.String(length=200),
            type_=sa.String(length=32),
            existing_nullable=False,
        )
