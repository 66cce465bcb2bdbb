"""Valid events to table rows, and the storage rules the event schema cannot know.

Pure functions: no I/O. A schema-valid event can still be unstorable: PostgreSQL text
and JSON refuse the NUL character, UTF-8 refuses lone surrogates, and an amount beyond
the cents range would overflow ``bigint``. Such events are dead-lettered with a reason
here, before the database sees them, because a database error would stop the whole
batch and be retried forever.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from eventtide.core.events import AnyEvent, PurchaseEvent

MAX_AMOUNT_CENTS: Final = 10**14
"""Largest purchase we store: a trillion in major units, far from bigint's limit when summed."""

_NUL: Final = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")


@dataclass(frozen=True, slots=True)
class EventRow:
    """One ``user_events`` row; ``context``/``properties`` are JSON text."""

    event_id: uuid.UUID
    user_id: str
    session_id: str
    event_type: str
    occurred_at: datetime
    received_at: datetime
    schema_version: int
    amount_cents: int | None
    currency: str | None
    context: str
    properties: str
    kafka_partition: int | None
    kafka_offset: int | None
    country: str
    platform: str


@dataclass(frozen=True, slots=True)
class Unstorable:
    """Why a schema-valid event cannot be stored (dead-lettered as ``unstorable``)."""

    field: str
    rule: str
    message: str

    def details(self) -> dict[str, Any]:
        """Plain data for the dead letter's ``details``."""
        return {
            "kind": "unstorable",
            "field": self.field,
            "rule": self.rule,
            "message": self.message,
            "violations": [{"field": self.field, "rule": self.rule, "message": self.message}],
        }


def _has_nul(json_text: bytes) -> bool:
    """A JSON-escaped U+0000 (not an escaped backslash followed by ``u0000``)."""
    return b"\\u0000" in json_text and _NUL.search(json_text) is not None


def event_row(
    event: AnyEvent, partition: int | None = None, offset: int | None = None
) -> EventRow | Unstorable:
    """The row for ``event``, or why it cannot be stored."""
    try:
        context = event.context.__pydantic_serializer__.to_json(event.context, exclude_none=True)
        properties = event.properties.__pydantic_serializer__.to_json(
            event.properties, exclude_none=True
        )
        texts = (event.user_id + event.session_id).encode()
    except (ValueError, UnicodeEncodeError) as error:
        return Unstorable("", "invalid_unicode", f"not encodable as UTF-8: {error}")
    if _has_nul(context) or _has_nul(properties) or b"\x00" in texts:
        return Unstorable("", "nul_character", "text contains U+0000, which PostgreSQL refuses")
    amount_cents: int | None = None
    currency: str | None = None
    if isinstance(event, PurchaseEvent):
        amount_cents = round(event.properties.amount * 100)
        currency = event.properties.currency
        if amount_cents > MAX_AMOUNT_CENTS:
            return Unstorable(
                "properties.amount",
                "amount_out_of_range",
                f"amount {event.properties.amount} exceeds {MAX_AMOUNT_CENTS // 100}",
            )
    return EventRow(
        event_id=event.event_id,
        user_id=event.user_id,
        session_id=event.session_id,
        event_type=event.event_type,
        occurred_at=event.occurred_at,
        received_at=event.received_at,
        schema_version=event.schema_version,
        amount_cents=amount_cents,
        currency=currency,
        context=context.decode(),
        properties=properties.decode(),
        kafka_partition=partition,
        kafka_offset=offset,
        country=event.context.country,
        platform=event.context.platform,
    )
