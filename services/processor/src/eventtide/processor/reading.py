"""Reading a consumed record: an event, or a record that is none (the windows count those).

The storage consumer is the judge of what is an event; this is the part of its
judgement the processor can afford on every record (docs/processor.md, "Records that
are no event"): the shape it needs and the schema version.
"""

from __future__ import annotations

from typing import Any, Final

import orjson
from confluent_kafka import TIMESTAMP_NOT_AVAILABLE

from eventtide.core.events.models import EVENT_TYPES
from eventtide.core.events.versions import (
    CURRENT_SCHEMA_VERSION,
    OPEN_VOCABULARY_SINCE,
    is_supported,
)
from eventtide.processor.model import Event, from_mapping

TYPED_NAMES: Final = frozenset(EVENT_TYPES)
"""The typed vocabulary: all a version-1 writer may name."""


def read_record(value: bytes | None, failure_types: tuple[str, ...] = ()) -> Event | None:
    """One record of the input as an event; None when it is none the processor can read
    (not JSON, not an object, a field it needs missing or of the wrong type) or one the
    storage consumer refuses by its schema version: newer than this code reads (a client
    upgraded before the platform), or a version-1 writer's name outside the typed
    vocabulary. Those are whole client releases refused at once, which the windows'
    dead-letter counts must show rather than count as events."""
    if value is None:
        return None
    try:
        data = orjson.loads(value)
        event = from_mapping(data, failure_types)
    except (ValueError, KeyError, TypeError):
        return None
    version = data.get("schema_version", CURRENT_SCHEMA_VERSION)
    if not is_supported(version) or (
        version < OPEN_VOCABULARY_SINCE and event.event_type not in TYPED_NAMES
    ):
        return None
    return event


def record_time(message: Any) -> int | None:
    """A consumed record's Kafka timestamp in µs, None when the record has none."""
    kind, millis = message.timestamp()
    return millis * 1_000 if kind != TIMESTAMP_NOT_AVAILABLE and millis >= 0 else None
