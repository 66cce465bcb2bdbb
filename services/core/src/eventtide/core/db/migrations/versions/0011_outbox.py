"""The transactional ``outbox`` of the loops that send results to Kafka
(see ``core/db/outbox.py``).

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "outbox",
        sa.Column(
            "row_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("group_id", sa.String(length=255), nullable=False),
        sa.Column("topic", sa.String(length=255), nullable=False),
        sa.Column("partitions", sa.String(length=1024), nullable=False),
        sa.Column("record_count", sa.Integer(), nullable=False),
        sa.Column("records", sa.LargeBinary(), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.PrimaryKeyConstraint("row_id", name="pk_outbox"),
    )
    op.create_index("ix_outbox_group_id_topic", "outbox", ["group_id", "topic"])


def downgrade() -> None:
    op.drop_index("ix_outbox_group_id_topic", table_name="outbox")
    op.drop_table("outbox")
