"""The processor's pattern alerts, newest first, keyset-paged on ``(at, alert_id)``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

from sqlalchemy import Connection, and_, or_, select

from eventtide.core.db.models import Base
from eventtide.core.db.processor_tables import AlertRow

ALERTS: Final = Base.metadata.tables[AlertRow.__tablename__]


def list_alerts(
    conn: Connection,
    *,
    user_ids: Sequence[str] | None = None,
    rule: str | None = None,
    before: tuple[int, str] | None = None,
    limit: int = 50,
) -> list[dict[str, Any]]:
    """Alerts strictly older than ``before`` (all when None), newest first; of the given
    ids only when ``user_ids`` is set (a person's: every id of it)."""
    query = select(ALERTS)
    if user_ids is not None:
        query = query.where(ALERTS.c.user_id.in_(user_ids))
    if rule is not None:
        query = query.where(ALERTS.c.rule == rule)
    if before is not None:
        at, alert_id = before
        query = query.where(
            or_(ALERTS.c.at < at, and_(ALERTS.c.at == at, ALERTS.c.alert_id < alert_id))
        )
    query = query.order_by(ALERTS.c.at.desc(), ALERTS.c.alert_id.desc()).limit(limit)
    return [dict(row._mapping) for row in conn.execute(query)]
