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


_LZ4 = """
DO $$ BEGIN
    EXECUTE 'ALTER TABLE outbox ALTER COLUMN records SET COMPRESSION lz4';
EXCEPTION WHEN others THEN NULL;
END $$
"""
"""A window-closing batch of the processor stores about 6 MB of records; PostgreSQL's
default TOAST compression (pglz) took 70 ms per such row, lz4 20-27 ms, no compression
32-44 ms (docs/processor.md, "Output topics"). lz4 needs PostgreSQL 14+ built with it
(Debian's, RDS); elsewhere the statement fails inside this block and pglz stays."""


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
        sa.Column("partitions", sa.Text(), nullable=False),
        sa.Column("record_count", sa.Integer(), nullable=False),
        sa.Column("records", sa.LargeBinary(), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.PrimaryKeyConstraint("row_id", name="pk_outbox"),
    )
    op.create_index("ix_outbox_group_id_topic", "outbox", ["group_id", "topic"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_LZ4)


def downgrade() -> None:
    op.drop_index("ix_outbox_group_id_topic", table_name="outbox")
    op.drop_table("outbox")
