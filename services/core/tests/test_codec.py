"""The wire format: key, headers, compact JSON and the decode contract."""

from __future__ import annotations

from typing import Any

import pytest
from event_strategies import NOW, events
from hypothesis import given, settings

from eventtide.core.events import EVENT_MODELS, Rejection, validate_event, validation_context
from eventtide.core.kafka import decode, encode, header, trace_id_of

pytestmark = pytest.mark.unit

CONTEXT = validation_context(now=NOW)


@settings(max_examples=50)
@given(events())
def test_headers_and_key(raw: dict[str, Any]) -> None:
    event = validate_event(raw, CONTEXT)
    assert not isinstance(event, Rejection)
    message = encode(event)
    assert message.key == event.user_id.encode()
    assert header(message.headers, "event_type") == event.event_type
    assert header(message.headers, "schema_version") == "1"
    traceparent = header(message.headers, "traceparent")
    assert traceparent is not None
    assert trace_id_of(traceparent) == event.event_id.hex


def test_value_is_compact_and_leaves_out_nulls() -> None:
    raw = {
        "event_id": "0b5c4a43-6a53-4f5e-8f1a-7c7f6d1d2a10",
        "event_type": "page_view",
        "user_id": "u-1",
        "session_id": "s",
        "occurred_at": NOW,
        "received_at": NOW,
        "context": {"platform": "web", "device": "desktop", "country": "DE", "page": "/"},
    }
    event = validate_event(raw, CONTEXT)
    assert not isinstance(event, Rejection)
    value = encode(event).value
    assert b"null" not in value
    assert b", " not in value
    assert b": " not in value
    assert b'"occurred_at":"2025-06-01T12:00:00Z"' in value


def test_every_nullable_field_defaults_to_none() -> None:
    """Leaving nulls out is only lossless if a missing field reads back as None."""
    for model in {*EVENT_MODELS.values()}:
        for name, field in model.model_fields.items():
            if "None" in str(field.annotation):
                assert field.default is None, f"{model.__name__}.{name}"


@pytest.mark.parametrize("value", [None, b""])
def test_empty_message_is_a_rejection(value: bytes | None) -> None:
    result = decode(value)
    assert isinstance(result, Rejection)
    assert result.kind == "malformed_json"


def test_decode_never_raises_on_garbage() -> None:
    for garbage in (b"\xff\xfe", b"{}", b'{"event_type": 1}', b"1e999", b'"x"'):
        assert isinstance(decode(garbage), Rejection)


def test_rejection_serialises_for_dead_letters() -> None:
    result = decode(b'{"event_type": "nope", "schema_version": 1}')
    assert isinstance(result, Rejection)
    data = result.to_json()
    assert data["kind"] == "unknown_event_type"
    assert data["field"] == "event_type"
    assert data["violations"]
