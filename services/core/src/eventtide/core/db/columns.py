"""The per-event-type count columns of ``user_stats``, as plain data.

Pure so that the statistics arithmetic (:mod:`eventtide.core.db.deltas`) imports without
SQLAlchemy; the table definition (:mod:`eventtide.core.db.models`) reads the same map.
"""

from __future__ import annotations

from typing import Final

from eventtide.core.events.models import ACTIVITY_TYPES

TYPE_COUNT_COLUMNS: Final = {event_type: f"{event_type}_count" for event_type in ACTIVITY_TYPES}
"""``user_stats`` column counting each typed activity (a new type needs a migration).

Custom events (open-ended names) and the identity calls (identify, alias: not
activity) count in ``total_events`` only."""
