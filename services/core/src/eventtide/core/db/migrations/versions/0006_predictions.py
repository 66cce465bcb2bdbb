"""The ML scorer's ``predictions`` (see ``core/db/predictions.py``).

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "predictions",
        sa.Column("prediction_id", sa.String(length=36), nullable=False),
        sa.Column("model_name", sa.String(length=64), nullable=False),
        sa.Column("model_version", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(length=128), nullable=False),
        sa.Column("source_id", sa.String(length=36), nullable=False),
        sa.Column("as_of", sa.BigInteger(), nullable=False),
        sa.Column("scored_at", sa.BigInteger(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("contributions", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("prediction_id", name="pk_predictions"),
    )
    op.create_index(
        "ix_predictions_model_user_as_of", "predictions", ["model_name", "user_id", "as_of"]
    )
    op.create_index("ix_predictions_model_score", "predictions", ["model_name", "score"])


def downgrade() -> None:
    op.drop_index("ix_predictions_model_score", table_name="predictions")
    op.drop_index("ix_predictions_model_user_as_of", table_name="predictions")
    op.drop_table("predictions")
