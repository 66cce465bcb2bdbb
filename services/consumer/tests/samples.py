"""Valid event payloads and consumed messages for the consumer's unit tests."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson

from eventtide.core.kafka.records import Consumed

T0 = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)


def payload(
    user: str = "u1",
    event_type: str = "page_view",
    *,
    minutes: int = 0,
    amount: float = 10.0,
    event_id: uuid.UUID | None = None,
    country: str = "DE",
) -> dict[str, Any]:
    """One valid event as a JSON-ready dict; purchases get one item worth ``amount``."""
    properties: dict[str, Any] = {}
    if event_type == "purchase":
        properties = {
            "order_id": "o1",
            "items": [{"product_id": "p1", "price": amount, "quantity": 1}],
            "amount": amount,
            "currency": "USD",
        }
    elif event_type == "click":
        properties = {"element_id": "buy"}
    at = T0 + timedelta(minutes=minutes)
    return {
        "event_id": str(event_id or uuid.uuid4()),
        "event_type": event_type,
        "user_id": user,
        "session_id": "s1",
        "occurred_at": at.isoformat(),
        "received_at": at.isoformat(),
        "schema_version": 1,
        "context": {"platform": "web", "device": "desktop", "country": country, "page": "/"},
        "properties": properties,
    }


def message(value: dict[str, Any] | bytes | None, offset: int, partition: int = 0) -> Consumed:
    """A consumed message at ``partition``/``offset`` of topic ``t``."""
    raw = value if isinstance(value, bytes | None) else orjson.dumps(value)
    return Consumed("t", partition, offset, b"k", raw)
