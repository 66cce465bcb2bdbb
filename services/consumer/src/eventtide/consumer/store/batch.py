"""What one consumer batch asks the database to store, and what it stored."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from eventtide.core.db.deltas import UserDelta
from eventtide.core.db.offsets import OffsetRow
from eventtide.core.db.rows import EventRow

BulkMethod = Literal["copy", "insert"]
"""How events go into PostgreSQL: binary COPY (the default) or multi-row INSERT."""


@dataclass(frozen=True, slots=True)
class DeadLetterRow:
    """One ``dead_letters`` row: where the input came from, its bytes and the reason."""

    source_topic: str
    source_partition: int
    source_offset: int
    message_key: bytes | None
    payload: bytes | None
    kind: str
    field: str
    rule: str
    message: str
    details: dict[str, Any]


@dataclass(frozen=True, slots=True)
class StorageBatch:
    """Rows for one database transaction.

    ``deltas``, when given, must be ``aggregate(events)``: the statistics change if every
    event turns out new, which is the usual case. The consumer computes it while the
    previous batch is in the database, taking it off the database thread's critical
    path; :func:`~eventtide.consumer.store.write.write_batch` uses it only when every event was
    inserted and aggregates the inserted ones otherwise.
    """

    events: list[EventRow] = field(default_factory=list)
    dead_letters: list[DeadLetterRow] = field(default_factory=list)
    offsets: list[OffsetRow] = field(default_factory=list)
    deltas: list[UserDelta] | None = None


@dataclass(frozen=True, slots=True)
class WriteResult:
    """What the transaction did: the events it inserted (not the duplicates it skipped)."""

    inserted: list[EventRow]
    duplicates: int
    dead_letters: int


def first_of_each(rows: list[EventRow]) -> list[EventRow]:
    """Drop repeats of an ``event_id`` within one batch; the first delivery wins."""
    seen: set[object] = set()
    unique = []
    for row in rows:
        if row.event_id not in seen:
            seen.add(row.event_id)
            unique.append(row)
    return unique
