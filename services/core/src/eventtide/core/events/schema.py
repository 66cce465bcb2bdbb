"""The events' JSON Schema, generated from the models so the two can never disagree."""

from __future__ import annotations

from typing import Any

from eventtide.core.events.models import CUSTOM_ADAPTER, EVENT_ADAPTER
from eventtide.core.events.versions import CURRENT_SCHEMA_VERSION

SCHEMA_ID = f"https://eventtide.io/schemas/events/v{CURRENT_SCHEMA_VERSION}.json"


def event_json_schema() -> dict[str, Any]:
    """JSON Schema (draft 2020-12) of one event, as written by this version.

    Rules a schema cannot express (amount equals items' total, the clock skew limit)
    are stated in the description; the models enforce them.
    """
    typed = EVENT_ADAPTER.json_schema(mode="serialization")
    custom = CUSTOM_ADAPTER.json_schema(mode="serialization")
    definitions = {**typed.pop("$defs", {}), **custom.pop("$defs", {})}
    custom["description"] = (
        "Any event name outside the typed vocabulary (schema_version 2 on), with free-form "
        "properties: at most 32 KiB as JSON, 5 levels deep, 255 keys per object."
    )
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "eventtide event",
        "description": (
            f"One user event, schema_version {CURRENT_SCHEMA_VERSION}. Also enforced: "
            "occurred_at and received_at carry a time zone; occurred_at is at most the "
            "allowed clock skew (default 5 minutes) in the future; a purchase's amount "
            "equals the sum of price x quantity over its items within 0.01."
        ),
        "anyOf": [typed, custom],
        "$defs": definitions,
    }
