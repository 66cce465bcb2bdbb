"""Per-batch aggregation: the change a set of newly stored events makes to each user.

Pure: the same function feeds the database upsert and the tests' model of it. Only
events the database actually inserted are aggregated, which is what keeps the
statistics exact under redeliveries.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from eventtide.core.db.models import TYPE_COUNT_COLUMNS
from eventtide.core.db.rows import EventRow


@dataclass(slots=True)
class UserDelta:
    """What one batch adds to one user's statistics and profile."""

    user_id: str
    total_events: int
    total_spent_cents: int
    first_seen_at: datetime
    last_seen_at: datetime
    country: str
    platform: str
    by_type: dict[str, int] = field(default_factory=dict)

    def stats_row(self) -> dict[str, object]:
        """Column values for a ``user_stats`` upsert."""
        row: dict[str, object] = {
            "user_id": self.user_id,
            "total_events": self.total_events,
            "total_spent_cents": self.total_spent_cents,
            "first_seen_at": self.first_seen_at,
            "last_seen_at": self.last_seen_at,
        }
        for event_type, column in TYPE_COUNT_COLUMNS.items():
            row[column] = self.by_type.get(event_type, 0)
        return row

    def user_row(self) -> dict[str, object]:
        """Column values for a ``users`` upsert (country/platform of the latest event)."""
        return {
            "user_id": self.user_id,
            "first_seen_at": self.first_seen_at,
            "last_seen_at": self.last_seen_at,
            "country": self.country,
            "platform": self.platform,
        }


def aggregate(rows: Iterable[EventRow]) -> list[UserDelta]:
    """One delta per user, sorted by user id (a fixed lock order avoids deadlocks)."""
    deltas: dict[str, UserDelta] = {}
    for row in rows:
        delta = deltas.get(row.user_id)
        if delta is None:
            delta = deltas[row.user_id] = UserDelta(
                row.user_id, 0, 0, row.occurred_at, row.occurred_at, row.country, row.platform
            )
        delta.total_events += 1
        delta.by_type[row.event_type] = delta.by_type.get(row.event_type, 0) + 1
        if row.amount_cents is not None and row.event_type == "purchase":
            delta.total_spent_cents += row.amount_cents
        if row.occurred_at < delta.first_seen_at:
            delta.first_seen_at = row.occurred_at
        if row.occurred_at >= delta.last_seen_at:
            delta.last_seen_at = row.occurred_at
            delta.country, delta.platform = row.country, row.platform
    return [deltas[user_id] for user_id in sorted(deltas)]
