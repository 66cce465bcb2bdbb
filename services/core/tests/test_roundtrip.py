"""Every valid event survives the wire: model -> bytes -> model, unchanged."""

from __future__ import annotations

from typing import Any

import pytest
from event_strategies import NOW, events
from hypothesis import given, settings

from eventtide.core.events import Rejection, validate_event, validation_context
from eventtide.core.kafka import decode, encode

pytestmark = pytest.mark.unit

CONTEXT = validation_context(now=NOW)


@settings(max_examples=300)
@given(events())
def test_valid_event_round_trips_through_bytes(raw: dict[str, Any]) -> None:
    event = validate_event(raw, CONTEXT)
    assert not isinstance(event, Rejection), str(event)
    message = encode(event)
    again = decode(message.value, CONTEXT)
    assert again == event
    assert message.key == raw["user_id"].encode()


@settings(max_examples=100)
@given(events())
def test_timestamps_come_back_in_utc(raw: dict[str, Any]) -> None:
    event = validate_event(raw, CONTEXT)
    assert not isinstance(event, Rejection)
    assert event.occurred_at.utcoffset().total_seconds() == 0  # type: ignore[union-attr]
    assert event.occurred_at == raw["occurred_at"]
    assert b'Z"' in encode(event).value
