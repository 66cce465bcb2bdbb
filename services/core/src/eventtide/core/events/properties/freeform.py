"""Free-form JSON properties (custom events, user traits) with limits that name the rule.

Custom events and traits come from tracking code nobody here wrote, so anything JSON
can say is accepted, within limits that keep one event from hurting the pipeline: a
row in ``user_events`` is read by every analytics query, and a 1 MB blob or a
thousand-level nesting would cost every one of them. The limits follow Segment's (32 KB
per event) and are checked here, once, so the HTTP ingest, the Kafka decoder and file
replay all refuse the same inputs with the same rule names.
"""

from __future__ import annotations

import math
from typing import Annotated, Any, Final

import orjson
from pydantic import AfterValidator
from pydantic_core import PydanticCustomError

MAX_PROPERTIES_BYTES: Final = 32 * 1024
"""Largest free-form object, as compact JSON (Segment's per-event limit)."""

MAX_DEPTH: Final = 5
"""Deepest nesting of objects and arrays below the top-level object."""

MAX_KEYS: Final = 255
"""Most keys in any one object."""

MAX_KEY_LENGTH: Final = 255
"""Longest key, in characters."""


def check_freeform(value: dict[str, Any]) -> dict[str, Any]:
    """Apply the limits; raise a PydanticCustomError naming the rule broken."""
    _check_object(value, depth=0, path="")
    try:
        size = len(orjson.dumps(value))
    except (TypeError, orjson.JSONEncodeError) as error:  # lone surrogates and the like
        raise PydanticCustomError(
            "freeform_not_json", "properties must be plain JSON: {error}", {"error": str(error)}
        ) from error
    if size > MAX_PROPERTIES_BYTES:
        raise PydanticCustomError(
            "freeform_too_large",
            "properties take {size} bytes as JSON; the limit is {limit}",
            {"size": size, "limit": MAX_PROPERTIES_BYTES},
        )
    return value


def _check_object(value: dict[str, Any], *, depth: int, path: str) -> None:
    if len(value) > MAX_KEYS:
        raise PydanticCustomError(
            "freeform_too_many_keys",
            "{where} has {count} keys; the limit is {limit}",
            {"where": path or "properties", "count": len(value), "limit": MAX_KEYS},
        )
    for key, item in value.items():
        if not key or len(key) > MAX_KEY_LENGTH:
            raise PydanticCustomError(
                "freeform_key_invalid",
                "property names are 1 to {limit} characters; got {length} at {where}",
                {"limit": MAX_KEY_LENGTH, "length": len(key), "where": path or "properties"},
            )
        _check_value(item, depth=depth, path=f"{path}.{key}" if path else key)


def _check_value(value: Any, *, depth: int, path: str) -> None:
    if isinstance(value, dict | list):
        if depth + 1 > MAX_DEPTH:
            raise PydanticCustomError(
                "freeform_too_deep",
                "{where} nests deeper than {limit} levels",
                {"where": path, "limit": MAX_DEPTH},
            )
        if isinstance(value, dict):
            _check_object(value, depth=depth + 1, path=path)
        else:
            for index, item in enumerate(value):
                _check_value(item, depth=depth + 1, path=f"{path}.{index}")
    elif isinstance(value, float) and not math.isfinite(value):
        raise PydanticCustomError(
            "freeform_not_finite", "{where} is {value}, which JSON cannot carry",
            {"where": path, "value": str(value)},
        )  # fmt: skip


FreeformProperties = Annotated[dict[str, Any], AfterValidator(check_freeform)]
"""A JSON object within the limits above."""
