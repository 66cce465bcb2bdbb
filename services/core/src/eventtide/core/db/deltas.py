"""Per-batch aggregation: the change a set of newly stored events makes to each user.

Pure: the same function feeds the database upsert and the tests' model of it. Only
events the database actually inserted are aggregated, which is what keeps the
statistics exact under redeliveries.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from eventtide.core.db.columns import TYPE_COUNT_COLUMNS
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
    """One delta per user, sorted by user id (a fixed lock order avoids deadlocks).

    Runs once per stored event: rows are unpacked as the tuples they are (one bytecode
    instead of an attribute lookup per field), and a user's first event in the batch
    starts the delta already counted.
    """
    deltas: dict[str, UserDelta] = {}
    get = deltas.get
    for _id, user, _s, kind, at, _r, _v, cents, _c, _x, _p, _pa, _o, country, platform in rows:
        spent = cents if cents is not None and kind == "purchase" else 0
        delta = get(user)
        if delta is None:
            deltas[user] = UserDelta(user, 1, spent, at, at, country, platform, {kind: 1})
            continue
        delta.total_events += 1
        by_type = delta.by_type
        by_type[kind] = by_type.get(kind, 0) + 1
        if spent:
            delta.total_spent_cents += spent
        if at >= delta.last_seen_at:
            delta.last_seen_at = at
            delta.country, delta.platform = country, platform
        elif at < delta.first_seen_at:
            delta.first_seen_at = at
    return [deltas[user_id] for user_id in sorted(deltas)]
