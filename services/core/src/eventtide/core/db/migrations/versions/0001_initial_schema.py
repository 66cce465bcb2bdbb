"""The first schema: users, user_events, user_stats, dead_letters, consumer_offsets.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "consumer_offsets",
        sa.Column("group_id", sa.String(length=255), nullable=False),
        sa.Column("topic", sa.String(length=255), nullable=False),
        sa.Column("partition", sa.Integer(), nullable=False),
        sa.Column("next_offset", sa.BigInteger(), nullable=False),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("group_id", "topic", "partition", name=op.f("pk_consumer_offsets")),
    )
    op.create_table(
        "dead_letters",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("source_topic", sa.String(length=255), nullable=False),
        sa.Column("source_partition", sa.Integer(), nullable=False),
        sa.Column("source_offset", sa.BigInteger(), nullable=False),
        sa.Column("message_key", sa.LargeBinary(), nullable=True),
        sa.Column("payload", sa.LargeBinary(), nullable=True),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("field", sa.Text(), nullable=False),
        sa.Column("rule", sa.String(length=64), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.Column("replayed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("replay_result", sa.String(length=32), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dead_letters")),
        sa.UniqueConstraint(
            "source_topic",
            "source_partition",
            "source_offset",
            name=op.f("uq_dead_letters_source_topic_source_partition_source_offset"),
        ),
    )
    with op.batch_alter_table("dead_letters", schema=None) as batch_op:
        batch_op.create_index("ix_dead_letters_created", ["created_at"], unique=False)

    op.create_table(
        "user_events",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.String(length=128), nullable=False),
        sa.Column("session_id", sa.String(length=128), nullable=False),
        sa.Column("event_type", sa.String(length=32), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("schema_version", sa.Integer(), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=True),
        sa.Column("context", sa.JSON(), nullable=False),
        sa.Column("properties", sa.JSON(), nullable=False),
        sa.Column("kafka_partition", sa.Integer(), nullable=True),
        sa.Column("kafka_offset", sa.BigInteger(), nullable=True),
        sa.Column(
            "stored_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_events")),
        sa.UniqueConstraint("event_id", name=op.f("uq_user_events_event_id")),
    )
    with op.batch_alter_table("user_events", schema=None) as batch_op:
        batch_op.create_index(
            "ix_user_events_type_time", ["event_type", "occurred_at"], unique=False
        )
        batch_op.create_index("ix_user_events_user_time", ["user_id", "occurred_at"], unique=False)

    op.create_table(
        "user_stats",
        sa.Column("user_id", sa.String(length=128), nullable=False),
        sa.Column("total_events", sa.BigInteger(), nullable=False),
        sa.Column("total_spent_cents", sa.BigInteger(), nullable=False),
        sa.Column("first_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("page_view_count", sa.BigInteger(), nullable=False),
        sa.Column("click_count", sa.BigInteger(), nullable=False),
        sa.Column("search_count", sa.BigInteger(), nullable=False),
        sa.Column("add_to_cart_count", sa.BigInteger(), nullable=False),
        sa.Column("remove_from_cart_count", sa.BigInteger(), nullable=False),
        sa.Column("checkout_started_count", sa.BigInteger(), nullable=False),
        sa.Column("purchase_count", sa.BigInteger(), nullable=False),
        sa.Column("signup_count", sa.BigInteger(), nullable=False),
        sa.Column("login_count", sa.BigInteger(), nullable=False),
        sa.Column("logout_count", sa.BigInteger(), nullable=False),
        sa.Column("video_play_count", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_user_stats")),
    )
    op.create_table(
        "users",
        sa.Column("user_id", sa.String(length=128), nullable=False),
        sa.Column("first_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=True),
        sa.Column("platform", sa.String(length=16), nullable=True),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_users")),
    )


def downgrade() -> None:
    op.drop_table("users")
    op.drop_table("user_stats")
    with op.batch_alter_table("user_events", schema=None) as batch_op:
        batch_op.drop_index("ix_user_events_user_time")
        batch_op.drop_index("ix_user_events_type_time")

    op.drop_table("user_events")
    with op.batch_alter_table("dead_letters", schema=None) as batch_op:
        batch_op.drop_index("ix_dead_letters_created")

    op.drop_table("dead_letters")
    op.drop_table("consumer_offsets")
