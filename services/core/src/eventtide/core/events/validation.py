"""Turn untrusted input into an event or a typed rejection, never an exception.

Every entry point that accepts events (the Kafka decoder, file replay, the HTTP ingest)
goes through these functions, so a payload is judged by one set of rules and a
rejection always names the field and the rule it broke.

Validation is strict: on the wire a timestamp must be an ISO-8601 string with a zone
(numbers and naive times are refused), and from Python it must be an aware ``datetime``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from eventtide.core.events.models import CUSTOM_ADAPTER, EVENT_ADAPTER, EVENT_TYPES, AnyEvent
from eventtide.core.events.rejection import Rejection, RejectionKind, Violation, single
from eventtide.core.events.versions import (
    CURRENT_SCHEMA_VERSION,
    OPEN_VOCABULARY_SINCE,
    is_supported,
)

_NOT_AN_OBJECT: Final = frozenset({"dict_type", "model_attributes_type"})
"""Pydantic's rule for a whole input that is no object (from JSON, from Python)."""

# The adapter's compiled validator, called directly: the TypeAdapter method in front of
# it costs a few tenths of a microsecond per event, which the producer and consumer
# pay once per message.
_VALIDATE_PYTHON: Final = EVENT_ADAPTER.validator.validate_python
_VALIDATE_JSON: Final = EVENT_ADAPTER.validator.validate_json
_VALIDATE_CUSTOM_PYTHON: Final = CUSTOM_ADAPTER.validator.validate_python
_VALIDATE_CUSTOM_JSON: Final = CUSTOM_ADAPTER.validator.validate_json


def validate_event(data: Any, context: Mapping[str, Any] | None = None) -> AnyEvent | Rejection:
    """Validate a Python object (a dict with ``datetime`` and ``UUID`` values) as one event.

    ``context`` pins the clock rule (see :mod:`eventtide.core.events.clock`).
    """
    if not isinstance(data, dict):
        return _not_an_object(data)
    try:
        event: AnyEvent = _VALIDATE_PYTHON(data, context=context)
        return event
    except ValidationError as error:
        if not _custom_name(error):
            return rejection_from(error)
    try:
        return _VALIDATE_CUSTOM_PYTHON(data, context=context)  # type: ignore[no-any-return]
    except ValidationError as error:
        return rejection_from(error)


def validate_json_event(
    raw: bytes | bytearray | str, context: Mapping[str, Any] | None = None
) -> AnyEvent | Rejection:
    """Validate one event's JSON text, as found on the wire or in a JSONL file."""
    try:
        event: AnyEvent = _VALIDATE_JSON(raw, context=context)
        return event
    except ValidationError as error:
        if not _custom_name(error):
            return rejection_from(error)
    try:
        return _VALIDATE_CUSTOM_JSON(raw, context=context)  # type: ignore[no-any-return]
    except ValidationError as error:
        return rejection_from(error)


def _custom_name(error: ValidationError) -> bool:
    """True when the typed union refused only the name, from a writer that may use custom names.

    Only then is the input tried again as a custom event: typed events never pay for
    it, and an unsupported version keeps its ``unknown_version`` answer.
    """
    if error.error_count() != 1:
        return False
    (detail,) = error.errors(include_url=False)
    if detail["type"] != "union_tag_invalid" or not isinstance(detail["input"], dict):
        return False
    version: object = detail["input"].get("schema_version", CURRENT_SCHEMA_VERSION)
    return is_supported(version) and version >= OPEN_VOCABULARY_SINCE  # type: ignore[operator]


def rejection_from(error: ValidationError) -> Rejection:
    """Classify a Pydantic error into a rejection with dotted field paths.

    An unknown schema version wins over everything else: a newer writer may use fields
    and event types this reader cannot know, so its other errors would only be noise.
    Only an integer is a version, though: ``"2"``, ``1.5``, ``true`` or ``null`` is no
    version any reader will ever know, so it is a schema violation of ``schema_version``
    (rule ``int_type``), not an event to keep for an upgraded reader.
    """
    details = error.errors(include_url=False)
    if details and details[0]["type"] == "json_invalid":
        return single("malformed_json", "", "json_invalid", details[0]["msg"])
    if details and details[0]["type"] in _NOT_AN_OBJECT:
        return _not_an_object(details[0]["input"])
    violations = tuple(_violation(detail) for detail in details)
    version = _newer_version(details)
    if version is not None:
        return single(
            "unknown_version",
            "schema_version",
            "unknown_schema_version",
            f"schema_version {version!r} is not one this reader knows "
            f"(newest: {CURRENT_SCHEMA_VERSION})",
        )
    kind: RejectionKind = "schema_violation"
    first = violations[0]
    for violation in violations:
        if violation.rule == "union_tag_invalid":
            kind, first = "unknown_event_type", violation
    return Rejection(kind, first.field, first.rule, first.message, violations)


def _newer_version(details: list[ErrorDetails]) -> int | None:
    """The integer schema_version the input claims, if this reader cannot read it."""
    for detail in details:
        version: object
        if detail["type"] == "union_tag_invalid" and isinstance(detail["input"], dict):
            version = detail["input"].get("schema_version")
        elif detail["loc"][1:] == ("schema_version",):
            version = detail["input"]
        else:
            continue
        if type(version) is int and not is_supported(version):
            return version
    return None


def _violation(detail: ErrorDetails) -> Violation:
    rule = detail["type"]
    loc = list(detail["loc"])
    if loc and loc[0] in EVENT_TYPES:
        loc = loc[1:]  # the discriminated union prefixes the tag; callers know the type
    if rule in ("union_tag_invalid", "union_tag_not_found"):
        loc = ["event_type"]
    message = detail["msg"]
    if rule == "union_tag_invalid":
        given = detail["input"].get("event_type") if isinstance(detail["input"], dict) else None
        message = (
            f"unknown event_type {given!r}; known: {', '.join(EVENT_TYPES)} (any other name "
            f"is a custom event from schema_version {OPEN_VOCABULARY_SINCE} on)"
        )
    return Violation(".".join(str(part) for part in loc), rule, message)


def _not_an_object(value: object) -> Rejection:
    kind = "null" if value is None else type(value).__name__
    return single("schema_violation", "", "object_expected", f"an event is an object, not {kind}")
