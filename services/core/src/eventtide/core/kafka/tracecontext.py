"""W3C trace context for Kafka headers.

Until a span is active (OpenTelemetry instrumentation wraps this later), each event
starts its own trace whose id is the event id: anyone holding an event can find its
trace without a lookup table. The parent span id is one random id per process (the
producing process), so no randomness is spent per event on the hot path.
"""

from __future__ import annotations

import random
from typing import Final
from uuid import UUID

PROCESS_SPAN_ID: Final = f"{random.SystemRandom().getrandbits(64) | 1:016x}"
TRACEPARENT_SUFFIX: Final = f"-{PROCESS_SPAN_ID}-01"
"""What follows the trace id in this process's traceparents: parent span and flags."""


def traceparent_for(event_id: UUID, span_id: int | None = None) -> str:
    """A version-00, sampled ``traceparent`` whose trace id is ``event_id``."""
    if span_id:
        return f"00-{event_id.hex}-{span_id:016x}-01"
    return "00-" + event_id.hex + TRACEPARENT_SUFFIX


def trace_id_of(traceparent: str) -> str | None:
    """The 32-hex trace id of a well-formed ``traceparent``, else None."""
    parts = traceparent.split("-")
    if len(parts) != 4 or len(parts[1]) != 32 or parts[1] == "0" * 32:
        return None
    return parts[1]
