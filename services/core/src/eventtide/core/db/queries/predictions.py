"""What the API asks of the ML scorer's output: a user's latest churn score, the
highest-risk users (each by their latest score), and anomaly alerts in a time range.

"Latest" is by the scored record's ``as_of``: a user's risk is what their newest
session says, not what an older, higher score once said. A window function keeps it
portable between PostgreSQL and SQLite.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, func, select

from eventtide.core.db.predictions import Prediction
from eventtide.core.db.processor_tables import AlertRow

PREDICTIONS = Prediction.__table__
ALERTS = AlertRow.__table__
_COLUMNS = (
    PREDICTIONS.c.user_id,
    PREDICTIONS.c.model_name,
    PREDICTIONS.c.model_version,
    PREDICTIONS.c.as_of,
    PREDICTIONS.c.scored_at,
    PREDICTIONS.c.score,
    PREDICTIONS.c.contributions,
)


def latest_for_user(
    conn: Connection, *, model: str, user_ids: Sequence[str]
) -> dict[str, Any] | None:
    """The newest prediction by ``model`` of any of ``user_ids`` (a person's ids), or None
    if none was scored. Scores are per id, as the features they come from are."""
    row = conn.execute(
        select(*_COLUMNS)
        .where(PREDICTIONS.c.model_name == model, PREDICTIONS.c.user_id.in_(user_ids))
        .order_by(PREDICTIONS.c.as_of.desc(), PREDICTIONS.c.prediction_id)
        .limit(1)
    ).first()
    return None if row is None else dict(row._mapping)


def highest_risk(conn: Connection, *, model: str, limit: int) -> list[dict[str, Any]]:
    """Users ordered by their newest score, highest first (ties by user id)."""
    rank = (
        func.row_number()
        .over(
            partition_by=PREDICTIONS.c.user_id,
            order_by=(PREDICTIONS.c.as_of.desc(), PREDICTIONS.c.prediction_id),
        )
        .label("rank")
    )
    newest = select(*_COLUMNS, rank).where(PREDICTIONS.c.model_name == model).subquery()
    rows = conn.execute(
        select(*(newest.c[c.name] for c in _COLUMNS))
        .where(newest.c.rank == 1)
        .order_by(newest.c.score.desc(), newest.c.user_id)
        .limit(limit)
    )
    return [dict(r._mapping) for r in rows]


def anomalies(
    conn: Connection, *, start: int, end: int, rule: str | None, limit: int
) -> list[dict[str, Any]]:
    """Alerts with ``start <= at < end`` (microseconds), oldest first."""
    query = select(ALERTS).where(ALERTS.c.at >= start, ALERTS.c.at < end)
    if rule is not None:
        query = query.where(ALERTS.c.rule == rule)
    rows = conn.execute(query.order_by(ALERTS.c.at, ALERTS.c.alert_id).limit(limit))
    return [dict(r._mapping) for r in rows]
