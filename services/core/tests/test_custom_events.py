"""Custom events: any name from schema version 2 on, free-form properties within limits."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from event_strategies import NOW
from hypothesis import given, settings
from hypothesis import strategies as st

from eventtide.core.db.rows import EventRow, event_row
from eventtide.core.events import (
    CustomEvent,
    IdentifyEvent,
    Rejection,
    validate_event,
    validate_json_event,
    validation_context,
)
from eventtide.core.events.properties.freeform import (
    MAX_DEPTH,
    MAX_KEY_LENGTH,
    MAX_KEYS,
    MAX_PROPERTIES_BYTES,
)
from eventtide.core.kafka.codec import decode, encode, header

pytestmark = pytest.mark.unit

CONTEXT = validation_context(now=NOW)


def custom(name: str = "Onboarding Step Completed", **changes: Any) -> dict[str, Any]:
    return {
        "event_id": "3f0c9d1e-51f8-4b57-9a8e-0b7a7f1d2a10",
        "event_type": name,
        "user_id": "anon-1",
        "session_id": "s-1",
        "occurred_at": "2025-06-01T11:59:00Z",
        "received_at": "2025-06-01T11:59:01Z",
        "context": {"platform": "web", "device": "desktop", "country": "DE", "page": "/x"},
        "properties": {"step": 3, "plan": {"name": "pro", "seats": [1, 2]}},
        **changes,
    }


def judge(data: dict[str, Any]) -> CustomEvent | Rejection:
    result = validate_json_event(orjson.dumps(data), CONTEXT)
    assert not isinstance(result, IdentifyEvent)
    return result  # type: ignore[return-value]


def nested(depth: int) -> dict[str, Any]:
    value: dict[str, Any] = {"leaf": 1}
    for _ in range(depth):
        value = {"x": value}
    return value


def test_an_unknown_name_is_a_custom_event_with_its_properties() -> None:
    event = judge(custom())
    assert isinstance(event, CustomEvent)
    assert event.event_type == "Onboarding Step Completed"
    assert event.properties == {"step": 3, "plan": {"name": "pro", "seats": [1, 2]}}
    assert event.schema_version == 2


def test_python_and_json_validation_agree() -> None:
    from_json = judge(custom())
    assert isinstance(from_json, CustomEvent)
    from_python = validate_event(
        {**custom(), "occurred_at": from_json.occurred_at, "received_at": from_json.received_at},
        CONTEXT,
    )
    assert from_python == from_json


def test_a_version_1_writer_still_gets_unknown_event_type() -> None:
    rejection = judge(custom(schema_version=1))
    assert isinstance(rejection, Rejection)
    assert (rejection.kind, rejection.field, rejection.rule) == (
        "unknown_event_type",
        "event_type",
        "union_tag_invalid",
    )
    assert "custom event from schema_version 2" in rejection.message


def test_a_typed_name_with_bad_properties_is_refused_not_stored_as_custom() -> None:
    rejection = judge(custom("purchase", properties={"anything": 1}))
    assert isinstance(rejection, Rejection)
    assert rejection.kind == "schema_violation"
    assert rejection.field.startswith("properties")


@pytest.mark.parametrize(
    ("name", "rule"),
    [
        ("", "event_name_invalid"),
        (" padded", "event_name_invalid"),
        ("tab\there", "event_name_invalid"),
        ("x" * 201, "event_name_invalid"),
    ],
)
def test_bad_names_name_the_rule(name: str, rule: str) -> None:
    rejection = judge(custom(name))
    assert isinstance(rejection, Rejection)
    assert (rejection.kind, rejection.field, rejection.rule) == (
        "schema_violation",
        "event_type",
        rule,
    )


def test_the_longest_name_is_accepted() -> None:
    assert isinstance(judge(custom("x" * 200)), CustomEvent)


@pytest.mark.parametrize(
    ("properties", "rule"),
    [
        ({"blob": "x" * MAX_PROPERTIES_BYTES}, "freeform_too_large"),
        (nested(MAX_DEPTH + 1), "freeform_too_deep"),
        ({f"k{i}": i for i in range(MAX_KEYS + 1)}, "freeform_too_many_keys"),
        ({"k" * (MAX_KEY_LENGTH + 1): 1}, "freeform_key_invalid"),
        ({"": 1}, "freeform_key_invalid"),
    ],
    ids=["size", "depth", "keys", "long-key", "empty-key"],
)
def test_each_limit_names_its_rule(properties: dict[str, Any], rule: str) -> None:
    rejection = judge(custom(properties=properties))
    assert isinstance(rejection, Rejection)
    assert (rejection.field, rejection.rule) == ("properties", rule)


def test_limits_are_inclusive() -> None:
    at_depth = nested(MAX_DEPTH)
    keys = {f"k{i}": i for i in range(MAX_KEYS)}
    for properties in (at_depth, keys, {"k" * MAX_KEY_LENGTH: 1}):
        assert isinstance(judge(custom(properties=properties)), CustomEvent)


def test_non_finite_numbers_are_refused() -> None:
    rejection = validate_event(
        {**custom(properties={"x": float("nan")}), "occurred_at": NOW, "received_at": NOW},
        CONTEXT,
    )
    assert isinstance(rejection, Rejection)
    assert rejection.rule == "freeform_not_finite"


def test_a_custom_event_round_trips_the_wire_with_its_name_in_the_header() -> None:
    event = judge(custom())
    assert isinstance(event, CustomEvent)
    message = encode(event)
    assert header(message.headers, "event_type") == "Onboarding Step Completed"
    assert decode(message.value, CONTEXT) == event


def test_a_custom_event_is_storable() -> None:
    event = judge(custom())
    assert isinstance(event, CustomEvent)
    row = event_row(event, 0, 1)
    assert isinstance(row, EventRow)
    assert row.event_type == "Onboarding Step Completed"
    assert orjson.loads(row.properties) == event.properties


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3)
    ),
    max_leaves=12,
)


def _depth(value: Any) -> int:
    if isinstance(value, dict):
        return 1 + max((_depth(v) for v in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((_depth(v) for v in value), default=0)
    return 0


def _keys_ok(value: Any) -> bool:
    if isinstance(value, dict):
        return all(k and len(k) <= MAX_KEY_LENGTH for k in value) and all(
            _keys_ok(v) for v in value.values()
        )
    if isinstance(value, list):
        return all(_keys_ok(v) for v in value)
    return True


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(st.text(min_size=0, max_size=6), json_values, max_size=5))
def test_limits_match_an_independent_statement_of_them(properties: dict[str, Any]) -> None:
    expected_ok = (
        _depth(properties) - 1 <= MAX_DEPTH
        and _keys_ok(properties)
        and len(orjson.dumps(properties)) <= MAX_PROPERTIES_BYTES
    )
    result = judge(custom(properties=properties))
    assert isinstance(result, CustomEvent) == expected_ok, result
