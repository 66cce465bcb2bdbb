"""Statistics recomputed from ``user_events``: the definition ``user_stats`` must equal.

Tests, the reliability suite and ``eventtide db check`` compare the two; any difference
means an event was counted twice or not at all.
"""

from __future__ import annotations

from datetime import UTC
from typing import Any

from sqlalchemy import Connection, case, func, select

from eventtide.core.db.models import TYPE_COUNT_COLUMNS
from eventtide.core.db.tables import EVENTS, STATS

_COMPARED = (
    "total_events",
    "total_spent_cents",
    "first_seen_at",
    "last_seen_at",
    *TYPE_COUNT_COLUMNS.values(),
)


def recomputed_stats(conn: Connection) -> dict[str, dict[str, Any]]:
    """Per user, the statistics as a full scan of ``user_events`` gives them."""
    e = EVENTS.c
    columns = [
        e.user_id,
        func.count().label("total_events"),
        func.coalesce(
            func.sum(case((e.event_type == "purchase", e.amount_cents), else_=0)), 0
        ).label("total_spent_cents"),
        func.min(e.occurred_at).label("first_seen_at"),
        func.max(e.occurred_at).label("last_seen_at"),
    ]
    columns += [
        func.sum(case((e.event_type == event_type, 1), else_=0)).label(column)
        for event_type, column in TYPE_COUNT_COLUMNS.items()
    ]
    rows = conn.execute(select(*columns).group_by(e.user_id))
    return {row.user_id: _plain(row._mapping) for row in rows}


def stored_stats(conn: Connection) -> dict[str, dict[str, Any]]:
    """Per user, the statistics the consumer maintained."""
    rows = conn.execute(select(STATS))
    return {row.user_id: _plain(row._mapping) for row in rows}


def stats_differences(conn: Connection, limit: int = 10) -> list[str]:
    """Human-readable differences between stored and recomputed statistics (empty if equal)."""
    stored, expected = stored_stats(conn), recomputed_stats(conn)
    problems = []
    for user_id in sorted(set(stored) | set(expected)):
        have, want = stored.get(user_id), expected.get(user_id)
        if have != want:
            problems.append(f"{user_id}: stored {have} != recomputed {want}")
            if len(problems) >= limit:
                break
    return problems


def _plain(mapping: Any) -> dict[str, Any]:
    values = {name: mapping[name] for name in _COMPARED}
    for name in _COMPARED:
        if name.endswith("_at") and values[name] is not None and values[name].tzinfo is not None:
            values[name] = values[name].astimezone(UTC).replace(tzinfo=None)
        elif not name.endswith("_at"):
            values[name] = int(values[name] or 0)
    return values
