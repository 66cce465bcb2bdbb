"""The wire format: one event per Kafka message, compact JSON, keyed by user.

The key is ``user_id`` so all of a user's events land in one partition, in order, which
sessions and funnels rely on. Headers repeat ``event_type`` and ``schema_version`` so
routers and dead-letter tools can look without parsing, and carry ``traceparent``.
The payload is authoritative: decoding reads only the value.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from eventtide.core.events import AnyEvent, Rejection, validate_json_event
from eventtide.core.events.rejection import single
from eventtide.core.kafka.tracecontext import traceparent_for

HEADER_EVENT_TYPE: Final = "event_type"
HEADER_SCHEMA_VERSION: Final = "schema_version"
HEADER_TRACEPARENT: Final = "traceparent"

Headers = list[tuple[str, str | bytes | None]]

VERSION_BYTES: Final = {version: str(version).encode() for version in range(1, 100)}


@dataclass(frozen=True, slots=True)
class WireMessage:
    """What goes to Kafka for one event (``event_type`` for delivery accounting)."""

    event_type: str
    key: bytes
    value: bytes
    headers: Headers


def encode_value(event: AnyEvent) -> bytes:
    """The event as compact JSON bytes (no spaces, nulls left out, UTC ``Z`` times).

    Uses the models' own Rust serializer rather than orjson: it writes the same kind of
    compact JSON but reads the model directly, about 30% faster per event than dumping
    a dict with orjson (docs/events.md, "Wire format").
    """
    return event.__pydantic_serializer__.to_json(event, exclude_none=True)


def encode(event: AnyEvent, traceparent: str | None = None) -> WireMessage:
    """Key, value and headers for one event."""
    return WireMessage(
        event_type=event.event_type,
        key=event.user_id.encode(),
        value=encode_value(event),
        headers=[
            (HEADER_EVENT_TYPE, event.event_type.encode()),
            (HEADER_SCHEMA_VERSION, VERSION_BYTES[event.schema_version]),
            (HEADER_TRACEPARENT, (traceparent or traceparent_for(event.event_id)).encode()),
        ],
    )


def decode(value: bytes | None, context: Mapping[str, Any] | None = None) -> AnyEvent | Rejection:
    """One message value to a valid event or a typed rejection (never an exception).

    The consumer sends every rejection to the dead-letter topic and table with its
    ``kind``, ``field``, ``rule`` and ``message``.
    """
    if not value:
        return single("malformed_json", "", "empty_message", "the message has no value")
    return validate_json_event(value, context)


def header(headers: Headers | None, name: str) -> str | None:
    """One header's value as text, if present (for routing and dead-letter tools)."""
    for key, raw in headers or ():
        if key == name:
            return raw.decode(errors="replace") if isinstance(raw, bytes) else raw
    return None
