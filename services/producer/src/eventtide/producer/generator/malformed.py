"""Malformed events: what a buggy client release sends during a data-quality incident.

The producer validates every event before sending, so a malformed one cannot travel as
an event: it leaves the generator as the raw bytes the client would have sent, and the
producer sends those bytes unvalidated. Every defect here is one the consumer rejects
to the dead-letter topic (``decode`` returns a rejection), so dead letters rise by the
number injected.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any, Final

import orjson

DEFECTS: Final = ("truncated", "missing_user_id", "bad_timestamp", "unknown_event_type")


@dataclass(frozen=True, slots=True)
class Malformed:
    """A message whose value is not a valid event; ``event_type`` is what it claims to be.

    ``at`` is the Unix time the client sent it (the event time it would have had).
    """

    at: float
    user_id: str
    event_type: str
    value: bytes
    defect: str


def malform(rng: random.Random, at: float, event: dict[str, Any]) -> Malformed:
    """Damage one well-formed event in one of the :data:`DEFECTS` ways."""
    defect = DEFECTS[int(rng.random() * len(DEFECTS))]
    data = dict(event)
    if defect == "missing_user_id":
        del data["user_id"]
    elif defect == "bad_timestamp":
        data["occurred_at"] = "yesterday evening"
    elif defect == "unknown_event_type":
        # An old client (schema version 1, closed vocabulary) sending a name it made up;
        # from version 2 on any name would be a valid custom event.
        data["event_type"] = f"{event['event_type']}_v2"
        data["schema_version"] = 1
    value = orjson.dumps(data, option=orjson.OPT_UTC_Z)
    if defect == "truncated":
        value = value[: len(value) // 2]
    return Malformed(at, event["user_id"], event["event_type"], value, defect)
