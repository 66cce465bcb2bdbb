"""How validation classifies what it rejects: versions, non-objects, unknown types.

The kind decides where a dead letter goes and whether replaying it after an upgrade
can help, so each rule is pinned to the exact kind, field, rule and message.
"""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from pydantic import ValidationError
from test_rejections import CONTEXT, _judge, _purchase

from eventtide.core.events import (
    CURRENT_SCHEMA_VERSION,
    EVENT_TYPES,
    OPEN_VOCABULARY_SINCE,
    CustomEvent,
    Rejection,
    validate_event,
    validate_json_event,
)
from eventtide.core.events.models import EVENT_ADAPTER
from eventtide.core.events.validation import rejection_from

pytestmark = pytest.mark.unit


def _with(**fields: Any) -> dict[str, Any]:
    return {**_purchase(), **fields}


@pytest.mark.parametrize("version", ["2", "1", 1.5, 1.0, True, None, "abc", [1], {"v": 2}])
def test_a_non_integer_version_is_a_schema_violation(version: Any) -> None:
    """No reader will ever know ``"2"`` or ``1.5``: replaying it after an upgrade cannot help."""
    rejection = _judge(_with(schema_version=version))
    assert (rejection.kind, rejection.field, rejection.rule) == (
        "schema_violation",
        "schema_version",
        "int_type",
    )


@pytest.mark.parametrize("version", ["9", 9.5, False])
def test_a_non_integer_version_does_not_hide_an_unknown_type(version: Any) -> None:
    rejection = _judge(_with(event_type="future_thing", schema_version=version))
    assert (rejection.kind, rejection.field) == ("unknown_event_type", "event_type")


@pytest.mark.parametrize("version", [CURRENT_SCHEMA_VERSION + 1, 0, -1, 10**12])
def test_an_integer_version_this_reader_lacks_is_unknown(version: int) -> None:
    rejection = _judge(_with(schema_version=version))
    assert (rejection.kind, rejection.field, rejection.rule) == (
        "unknown_version",
        "schema_version",
        "unknown_schema_version",
    )
    assert rejection.message == (
        f"schema_version {version} is not one this reader knows (newest: {CURRENT_SCHEMA_VERSION})"
    )


def test_an_unknown_type_without_a_version_is_a_custom_event() -> None:
    """A missing version means the current one, whose writers may use any name."""
    data = _with(event_type="future_thing")
    del data["schema_version"]
    event = validate_json_event(orjson.dumps(data), CONTEXT)
    assert isinstance(event, CustomEvent)
    assert event.schema_version == CURRENT_SCHEMA_VERSION


def test_a_schema_version_inside_properties_is_not_the_envelopes() -> None:
    data = _purchase()
    del data["properties"]["order_id"]
    data["properties"]["schema_version"] = 9
    rejection = _judge(data)
    assert rejection.kind == "schema_violation"
    assert {v.field for v in rejection.violations} == {
        "properties.order_id",
        "properties.schema_version",
    }


@pytest.mark.parametrize(
    ("value", "named"),
    [(1, "int"), ("x", "str"), ([1], "list"), (None, "null"), (True, "bool")],
)
def test_a_non_object_is_named_by_its_type(value: Any, named: str) -> None:
    expected = ("schema_violation", "", "object_expected", f"an event is an object, not {named}")
    from_json = validate_json_event(orjson.dumps(value), CONTEXT)
    from_python = validate_event(value, CONTEXT)
    try:
        EVENT_ADAPTER.validate_python(value)
    except ValidationError as error:
        from_error = rejection_from(error)
    for rejection in (from_json, from_python, from_error):
        assert isinstance(rejection, Rejection)
        assert (rejection.kind, rejection.field, rejection.rule, rejection.message) == expected


def test_malformed_json_keeps_the_parsers_message() -> None:
    rejection = validate_json_event(b'{"event_id": ', CONTEXT)
    assert isinstance(rejection, Rejection)
    assert (rejection.kind, rejection.field, rejection.rule) == (
        "malformed_json",
        "",
        "json_invalid",
    )
    assert rejection.message.startswith("Invalid JSON")
    assert rejection.violations[0].message == rejection.message


def test_an_unknown_type_lists_the_known_ones() -> None:
    rejection = _judge(_with(event_type="teleport"))
    assert rejection.message == (
        f"unknown event_type 'teleport'; known: {', '.join(EVENT_TYPES)} (any other name is "
        f"a custom event from schema_version {OPEN_VOCABULARY_SINCE} on)"
    )


def test_other_rules_keep_pydantics_message() -> None:
    data = _purchase()
    data["properties"]["amount"] = -1.0
    rejection = _judge(data)
    assert rejection.message == "Input should be greater than or equal to 0"
    assert rejection.violations[0].message == rejection.message


def test_an_unknown_version_wins_over_errors_listed_before_it() -> None:
    rejection = _judge(
        _with(event_id="not-a-uuid", user_id="", schema_version=CURRENT_SCHEMA_VERSION + 1)
    )
    assert (rejection.kind, rejection.field) == ("unknown_version", "schema_version")
