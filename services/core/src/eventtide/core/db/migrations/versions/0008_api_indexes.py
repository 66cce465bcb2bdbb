"""Indexes for the API's analytics: one user's events of one type, in time order.

The funnel's steps and the retention matrix's cohorts and returns all ask "the events
of type T of user U, by time" (``min(occurred_at) ... GROUP BY user_id`` and joins on
``user_id`` with a type): with ``(event_type, user_id, occurred_at)`` PostgreSQL reads
them from the index alone, in order, instead of filtering ``(user_id, occurred_at)``
or ``(event_type, occurred_at)`` rows one by one. Figures: docs/api.md (bench/api).

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_user_events_type_user_time",
        "user_events",
        ["event_type", "user_id", "occurred_at"],
    )


def downgrade() -> None:
    op.drop_index("ix_user_events_type_user_time", table_name="user_events")
