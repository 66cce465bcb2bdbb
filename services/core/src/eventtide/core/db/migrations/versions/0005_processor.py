"""The stream processor's results and checkpoint (see ``core/db/processor_tables.py``).

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def _int(name: str, *, pk: bool = False, nullable: bool = False) -> sa.Column[int]:
    return sa.Column(name, sa.BigInteger(), primary_key=pk, nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "window_aggregates",
        sa.Column("partition", sa.Integer(), primary_key=True, nullable=False),
        sa.Column("window", sa.String(length=64), primary_key=True, nullable=False),
        _int("window_start", pk=True),
        sa.Column("dimension", sa.String(length=32), primary_key=True, nullable=False),
        sa.Column("value", sa.String(length=512), primary_key=True, nullable=False),
        _int("window_end"),
        _int("count"),
        _int("unique_users"),
        _int("revenue_cents"),
        _int("orders"),
        _int("average_order_value_cents", nullable=True),
        sa.Column("final", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint(
            "partition", "window", "window_start", "dimension", "value",
            name="pk_window_aggregates",
        ),
    )  # fmt: skip
    op.create_index(
        "ix_window_aggregates_window_start", "window_aggregates", ["window", "window_start"]
    )
    op.create_table(
        "sessions",
        sa.Column("session_id", sa.String(length=36), primary_key=True, nullable=False),
        sa.Column("user_id", sa.String(length=128), nullable=False),
        _int("started_at"),
        _int("ended_at"),
        sa.Column("events", sa.Integer(), nullable=False),
        sa.Column("page_views", sa.Integer(), nullable=False),
        sa.Column("entry_page", sa.Text(), nullable=False),
        sa.Column("exit_page", sa.Text(), nullable=False),
        sa.Column("converted", sa.Boolean(), nullable=False),
        _int("revenue_cents"),
        sa.Column("purchases", sa.Integer(), nullable=False),
        sa.Column("final", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("session_id", name="pk_sessions"),
    )
    op.create_index("ix_sessions_user_start", "sessions", ["user_id", "started_at"])
    op.create_table(
        "attributions",
        sa.Column("attribution_id", sa.String(length=36), primary_key=True, nullable=False),
        sa.Column("model", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=128), nullable=False),
        sa.Column("purchase_event_id", sa.String(length=36), nullable=False),
        _int("purchase_ts"),
        sa.Column("product_id", sa.String(length=128), nullable=False),
        _int("value_cents"),
        sa.Column("touch_event_id", sa.String(length=36), nullable=True),
        _int("touch_ts", nullable=True),
        sa.Column("source", sa.String(length=255), nullable=False),
        sa.PrimaryKeyConstraint("attribution_id", name="pk_attributions"),
    )
    op.create_index("ix_attributions_user", "attributions", ["user_id"])
    op.create_table(
        "conversion_counts",
        sa.Column("partition", sa.Integer(), primary_key=True, nullable=False),
        _int("day", pk=True),
        sa.Column("source", sa.String(length=255), primary_key=True, nullable=False),
        _int("touches"),
        _int("conversions"),
        sa.PrimaryKeyConstraint("partition", "day", "source", name="pk_conversion_counts"),
    )
    op.create_table(
        "alerts",
        sa.Column("alert_id", sa.String(length=36), primary_key=True, nullable=False),
        sa.Column("rule", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=128), nullable=False),
        sa.Column("severity", sa.String(length=16), nullable=False),
        _int("at"),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("alert_id", name="pk_alerts"),
    )
    op.create_index("ix_alerts_user_at", "alerts", ["user_id", "at"])
    op.create_table(
        "cart_abandonments",
        sa.Column("cart_id", sa.String(length=36), primary_key=True, nullable=False),
        sa.Column("user_id", sa.String(length=128), nullable=False),
        _int("started"),
        _int("at"),
        sa.Column("products", sa.JSON(), nullable=False),
        _int("value_cents"),
        sa.PrimaryKeyConstraint("cart_id", name="pk_cart_abandonments"),
    )
    op.create_table(
        "user_features",
        sa.Column("feature_id", sa.String(length=36), primary_key=True, nullable=False),
        sa.Column("user_id", sa.String(length=128), nullable=False),
        _int("as_of"),
        sa.Column("recency_s", sa.Float(), nullable=True),
        sa.Column("sessions_7d", sa.Integer(), nullable=False),
        sa.Column("sessions_30d", sa.Integer(), nullable=False),
        sa.Column("events_7d", sa.Integer(), nullable=False),
        sa.Column("purchases_30d", sa.Integer(), nullable=False),
        _int("monetary_30d_cents"),
        sa.Column("activity_trend", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("feature_id", name="pk_user_features"),
    )
    op.create_index("ix_user_features_user_as_of", "user_features", ["user_id", "as_of"])
    op.create_table(
        "processor_state",
        sa.Column("group_id", sa.String(length=255), primary_key=True, nullable=False),
        sa.Column("topic", sa.String(length=255), primary_key=True, nullable=False),
        sa.Column("partition", sa.Integer(), primary_key=True, nullable=False),
        sa.Column("kind", sa.String(length=16), primary_key=True, nullable=False),
        sa.Column("key", sa.Text(), primary_key=True, nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint(
            "group_id", "topic", "partition", "kind", "key", name="pk_processor_state"
        ),
    )


def downgrade() -> None:
    op.drop_table("processor_state")
    op.drop_index("ix_user_features_user_as_of", table_name="user_features")
    op.drop_table("user_features")
    op.drop_table("cart_abandonments")
    op.drop_index("ix_alerts_user_at", table_name="alerts")
    op.drop_table("alerts")
    op.drop_table("conversion_counts")
    op.drop_index("ix_attributions_user", table_name="attributions")
    op.drop_table("attributions")
    op.drop_index("ix_sessions_user_start", table_name="sessions")
    op.drop_table("sessions")
    op.drop_index("ix_window_aggregates_window_start", table_name="window_aggregates")
    op.drop_table("window_aggregates")
