"""Identity: links from identify/alias, each linked id's person, traits on users.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "identity_links",
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("user_id", sa.String(length=128), nullable=False),
        sa.Column("other_id", sa.String(length=128), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("set_traits", sa.JSON(), nullable=False),
        sa.Column("set_once_traits", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_identity_links")),
    )
    op.create_index("ix_identity_links_user_id", "identity_links", ["user_id"])
    op.create_index("ix_identity_links_other_id", "identity_links", ["other_id"])
    op.create_table(
        "person_distinct_ids",
        sa.Column("distinct_id", sa.String(length=128), nullable=False),
        sa.Column("person_id", sa.String(length=128), nullable=False),
        sa.PrimaryKeyConstraint("distinct_id", name=op.f("pk_person_distinct_ids")),
    )
    op.create_index("ix_person_distinct_ids_person_id", "person_distinct_ids", ["person_id"])
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("traits", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_column("traits")
    op.drop_index("ix_person_distinct_ids_person_id", table_name="person_distinct_ids")
    op.drop_table("person_distinct_ids")
    op.drop_index("ix_identity_links_other_id", table_name="identity_links")
    op.drop_index("ix_identity_links_user_id", table_name="identity_links")
    op.drop_table("identity_links")
