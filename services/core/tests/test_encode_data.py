"""encode_data: validate a dict and encode it in one step, equal to the model path."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import orjson
import pytest
from event_strategies import NOW, events
from hypothesis import given, settings

from eventtide.core.events import Rejection, validate_event, validation_context
from eventtide.core.kafka import WireMessage, decode, encode, encode_data

pytestmark = pytest.mark.unit

CONTEXT = validation_context(now=NOW)

PAGE_VIEW: dict[str, Any] = {
    "event_id": "0b5c4a43-6a53-4f5e-8f1a-7c7f6d1d2a10",
    "event_type": "page_view",
    "user_id": "u-1",
    "session_id": "s",
    "occurred_at": NOW,
    "received_at": NOW + timedelta(microseconds=250),
    "context": {"platform": "web", "device": "desktop", "country": "DE", "page": "/"},
}


def _no_nulls(value: Any) -> bool:
    if isinstance(value, dict):
        return all(v is not None and _no_nulls(v) for v in value.values())
    if isinstance(value, list):
        return all(v is not None and _no_nulls(v) for v in value)
    return True


@settings(max_examples=300)
@given(events())
def test_same_event_key_and_headers_as_the_model_path(raw: dict[str, Any]) -> None:
    message = encode_data(raw, CONTEXT)
    event = validate_event(raw, CONTEXT)
    assert isinstance(message, WireMessage), str(message)
    assert not isinstance(event, Rejection)
    assert decode(message.value, CONTEXT) == event
    reference = encode(event)
    assert (message.event_type, message.key, message.headers) == (
        reference.event_type,
        reference.key,
        reference.headers,
    )
    data = orjson.loads(message.value)
    assert _no_nulls(data), "nulls are left out"
    assert data["occurred_at"].endswith("Z")
    assert data["received_at"].endswith("Z")


def test_canonical_dict_is_written_as_given() -> None:
    message = encode_data(PAGE_VIEW, CONTEXT)
    assert isinstance(message, WireMessage)
    assert message.value == orjson.dumps(PAGE_VIEW, option=orjson.OPT_UTC_Z)
    assert b'"received_at":"2025-06-01T12:00:00.000250Z"' in message.value


@pytest.mark.parametrize(
    "change",
    [
        {"context": {**PAGE_VIEW["context"], "referrer": None}},
        {"occurred_at": NOW.astimezone(timezone(timedelta(hours=2)))},
        {"properties": {"title": None}},
    ],
    ids=["null", "offset-time", "nested-null"],
)
def test_non_canonical_data_is_written_by_the_model(change: dict[str, Any]) -> None:
    raw = {**PAGE_VIEW, **change}
    message = encode_data(raw, CONTEXT)
    event = validate_event(raw, CONTEXT)
    assert isinstance(message, WireMessage)
    assert not isinstance(event, Rejection)
    assert message.value == encode(event).value


@pytest.mark.parametrize(
    "raw",
    [
        {**PAGE_VIEW, "occurred_at": "2025-06-01T12:00:00Z"},
        {**PAGE_VIEW, "occurred_at": datetime(2025, 6, 1, 12)},
        {**PAGE_VIEW, "occurred_at": NOW + timedelta(hours=1)},
        {**PAGE_VIEW, "event_type": "teleport", "schema_version": 1},
        {**PAGE_VIEW, "extra": 1},
        [PAGE_VIEW],
        None,
    ],
    ids=["string-time", "naive", "future", "unknown-type", "extra", "list", "none"],
)
def test_rejections_are_those_of_validate_event(raw: Any) -> None:
    assert encode_data(raw, CONTEXT) == validate_event(raw, CONTEXT)
    assert isinstance(encode_data(raw, CONTEXT), Rejection)


def test_other_uuid_spellings_keep_the_trace_id() -> None:
    raw = {**PAGE_VIEW, "event_id": PAGE_VIEW["event_id"].upper()}
    message = encode_data(raw, CONTEXT)
    assert isinstance(message, WireMessage)
    assert message.headers == encode_data(PAGE_VIEW, CONTEXT).headers  # type: ignore[union-attr]


def test_wire_message_is_immutable() -> None:
    message = encode_data(PAGE_VIEW, validation_context(now=datetime.now(UTC)))
    assert isinstance(message, WireMessage)
    with pytest.raises(AttributeError):
        message.value = b"{}"  # type: ignore[misc]
