"""Tables, migrations, offsets, retries and the queries every service and tool needs.

Import from here: ``from eventtide.core.db import make_engine, load_offsets``; migrations
from ``eventtide.core.db.migrate`` (Alembic is only imported by those who migrate).
"""

from typing import TYPE_CHECKING

from eventtide.core._lazy import lazy_exports

if TYPE_CHECKING:
    from eventtide.core.db.engine import is_sqlite, libpq_url, make_engine, normalize_url
    from eventtide.core.db.models import (
        Base,
        ConsumerOffset,
        DeadLetter,
        User,
        UserEvent,
        UserStats,
    )
    from eventtide.core.db.offsets import OffsetRow, load_offsets, store_offsets
    from eventtide.core.db.recompute import recomputed_stats, stats_differences, stored_stats
    from eventtide.core.db.rows import EventRow, Unstorable, event_row
    from eventtide.core.db.settings import DbSettings

_EXPORTS = {
    "OffsetRow": "eventtide.core.db.offsets",
    "is_sqlite": "eventtide.core.db.engine",
    "libpq_url": "eventtide.core.db.engine",
    "make_engine": "eventtide.core.db.engine",
    "normalize_url": "eventtide.core.db.engine",
    "Base": "eventtide.core.db.models",
    "ConsumerOffset": "eventtide.core.db.models",
    "DeadLetter": "eventtide.core.db.models",
    "User": "eventtide.core.db.models",
    "UserEvent": "eventtide.core.db.models",
    "UserStats": "eventtide.core.db.models",
    "recomputed_stats": "eventtide.core.db.recompute",
    "stats_differences": "eventtide.core.db.recompute",
    "stored_stats": "eventtide.core.db.recompute",
    "EventRow": "eventtide.core.db.rows",
    "Unstorable": "eventtide.core.db.rows",
    "event_row": "eventtide.core.db.rows",
    "DbSettings": "eventtide.core.db.settings",
    "load_offsets": "eventtide.core.db.offsets",
    "store_offsets": "eventtide.core.db.offsets",
}

__getattr__ = lazy_exports(__name__, _EXPORTS)

__all__ = [
    "Base",
    "ConsumerOffset",
    "DbSettings",
    "DeadLetter",
    "EventRow",
    "OffsetRow",
    "Unstorable",
    "User",
    "UserEvent",
    "UserStats",
    "event_row",
    "is_sqlite",
    "libpq_url",
    "load_offsets",
    "make_engine",
    "normalize_url",
    "recomputed_stats",
    "stats_differences",
    "store_offsets",
    "stored_stats",
]
