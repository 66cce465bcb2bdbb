"""Each broken rule is rejected with the field and the rule it broke."""

from __future__ import annotations

import copy
from datetime import datetime, timedelta
from typing import Any

import orjson
import pytest
from event_strategies import NOW, events
from hypothesis import given, settings
from hypothesis import strategies as st

from eventtide.core.events import Rejection, validate_event, validate_json_event, validation_context

pytestmark = pytest.mark.unit

CONTEXT = validation_context(now=NOW)


def _purchase() -> dict[str, Any]:
    return {
        "event_id": "0b5c4a43-6a53-4f5e-8f1a-7c7f6d1d2a10",
        "event_type": "purchase",
        "user_id": "u-1",
        "session_id": "u-1-s1",
        "occurred_at": "2025-06-01T11:59:00Z",
        "received_at": "2025-06-01T11:59:01Z",
        "schema_version": 1,
        "context": {"platform": "web", "device": "desktop", "country": "DE", "page": "/x"},
        "properties": {
            "order_id": "o-1",
            "items": [{"product_id": "p-1", "price": 10.5, "quantity": 2}],
            "amount": 21.0,
            "currency": "EUR",
        },
    }


def _judge(data: Any) -> Rejection:
    result = validate_json_event(orjson.dumps(data), CONTEXT)
    assert isinstance(result, Rejection), "expected a rejection"
    return result


def test_the_baseline_is_valid() -> None:
    assert not isinstance(validate_json_event(orjson.dumps(_purchase()), CONTEXT), Rejection)


@pytest.mark.parametrize(
    ("path", "value", "kind", "field", "rule"),
    [
        (
            ("properties", "amount"),
            -1.0,
            "schema_violation",
            "properties.amount",
            "greater_than_equal",
        ),
        (
            ("properties", "amount"),
            25.0,
            "schema_violation",
            "properties.amount",
            "purchase_amount_mismatch",
        ),
        (
            ("occurred_at",),
            "2025-06-01T12:10:00Z",
            "schema_violation",
            "occurred_at",
            "occurred_in_future",
        ),
        (
            ("occurred_at",),
            "2025-06-01T11:00:00",
            "schema_violation",
            "occurred_at",
            "timezone_aware",
        ),
        (("occurred_at",), 1_748_779_200, "schema_violation", "occurred_at", "datetime_type"),
        (("event_type",), "teleport", "unknown_event_type", "event_type", "union_tag_invalid"),
        (("schema_version",), 3, "unknown_version", "schema_version", "unknown_schema_version"),
        (("schema_version",), 0, "unknown_version", "schema_version", "unknown_schema_version"),
        (
            ("context", "country"),
            "Germany",
            "schema_violation",
            "context.country",
            "string_pattern_mismatch",
        ),
        (
            ("properties", "items", 0, "quantity"),
            0,
            "schema_violation",
            "properties.items.0.quantity",
            "greater_than_equal",
        ),
        (
            ("properties", "currency"),
            "euro",
            "schema_violation",
            "properties.currency",
            "string_pattern_mismatch",
        ),
        (("event_id",), "not-a-uuid", "schema_violation", "event_id", "uuid_parsing"),
        (("user_id",), "", "schema_violation", "user_id", "string_too_short"),
        (
            ("properties", "coupon"),
            "FREE",
            "schema_violation",
            "properties.coupon",
            "extra_forbidden",
        ),
    ],
)
def test_broken_rule_names_field_and_rule(
    path: tuple[Any, ...], value: Any, kind: str, field: str, rule: str
) -> None:
    data = _purchase()
    target = data
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    rejection = _judge(data)
    assert (rejection.kind, rejection.field, rejection.rule) == (kind, field, rule)
    assert rejection.message


def test_newer_version_wins_over_unknown_type() -> None:
    rejection = _judge({**_purchase(), "event_type": "future_thing", "schema_version": 9})
    assert rejection.kind == "unknown_version"


def test_missing_event_type_is_named() -> None:
    data = _purchase()
    del data["event_type"]
    assert _judge(data).field == "event_type"


@pytest.mark.parametrize(
    ("raw", "kind", "rule"),
    [
        (b"{not json", "malformed_json", "json_invalid"),
        (b"[1, 2]", "schema_violation", "object_expected"),
        (b"null", "schema_violation", "object_expected"),
    ],
)
def test_not_an_event_at_all(raw: bytes, kind: str, rule: str) -> None:
    result = validate_json_event(raw, CONTEXT)
    assert isinstance(result, Rejection)
    assert (result.kind, result.rule) == (kind, rule)


def test_python_input_needs_real_datetimes() -> None:
    data = _purchase()  # ISO strings are JSON's business; Python callers pass datetimes
    result = validate_event(data, CONTEXT)
    assert isinstance(result, Rejection)
    assert result.field == "occurred_at"


# (field path, a value that breaks it) for fields every event has
ENVELOPE_BREAKERS: list[tuple[tuple[str, ...], Any]] = [
    (("event_id",), "x"),
    (("user_id",), ""),
    (("session_id",), "s" * 500),
    (("occurred_at",), datetime(2025, 1, 1)),
    (("occurred_at",), NOW + timedelta(hours=1)),
    (("received_at",), "yesterday"),
    (("context", "platform"), "fax"),
    (("context", "device"), 7),
    (("context", "country"), "de"),
    (("context", "page"), ""),
]


@settings(max_examples=200)
@given(events(), st.sampled_from(ENVELOPE_BREAKERS))
def test_each_invalid_field_is_named(raw: dict[str, Any], breaker: tuple[Any, Any]) -> None:
    path, value = breaker
    data = copy.deepcopy(raw)
    target = data
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    result = validate_event(data, CONTEXT)
    assert isinstance(result, Rejection)
    assert ".".join(path) in {v.field for v in result.violations}
