"""All SQL: models, migrations, the batch write path and the queries the tools need.

Import from here: ``from eventtide.core.db import make_engine, write_batch``; migrations
from ``eventtide.core.db.migrate`` (Alembic is only imported by those who migrate).
"""

from eventtide.core.db.batch import DeadLetterRow, OffsetRow, StorageBatch, WriteResult
from eventtide.core.db.engine import is_sqlite, libpq_url, make_engine, normalize_url
from eventtide.core.db.models import (
    Base,
    ConsumerOffset,
    DeadLetter,
    User,
    UserEvent,
    UserStats,
)
from eventtide.core.db.pg_bulk import BulkMethod
from eventtide.core.db.recompute import recomputed_stats, stats_differences, stored_stats
from eventtide.core.db.rows import EventRow, Unstorable, event_row
from eventtide.core.db.settings import DbSettings
from eventtide.core.db.store import load_offsets, store_offsets, write_batch

__all__ = [
    "Base",
    "BulkMethod",
    "ConsumerOffset",
    "DbSettings",
    "DeadLetter",
    "DeadLetterRow",
    "EventRow",
    "OffsetRow",
    "StorageBatch",
    "Unstorable",
    "User",
    "UserEvent",
    "UserStats",
    "WriteResult",
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
    "write_batch",
]
