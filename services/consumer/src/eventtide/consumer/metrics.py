"""Prometheus metrics of the consumer, published once per batch (not per event).

The batch loop's own families (batch size and duration, lag per partition) come from
:mod:`eventtide.core.transactional.metrics` under the same ``eventtide_consumer_`` prefix.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any, Final

from prometheus_client import Counter, Histogram

EVENTS_STORED: Final = Counter(
    "eventtide_consumer_events_stored", "Events newly stored in the database."
)
DUPLICATES_SKIPPED: Final = Counter(
    "eventtide_consumer_duplicates_skipped",
    "Deliveries skipped because the event_id was stored.",
)
DEAD_LETTERED: Final = Counter(
    "eventtide_consumer_dead_lettered", "Messages sent to the dead letters."
)
BATCHES: Final = Counter("eventtide_consumer_batches", "Batches committed to the database.")
E2E_LATENCY: Final = Histogram(
    "eventtide_consumer_e2e_latency_seconds",
    "received_at (API or producer) to database commit, sampled per batch.",
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
)
LATENCY_SAMPLES: Final = 32
"""Rows observed per batch: a histogram observation costs about a microsecond, so every
row of a 5,000-row batch would cost more than the batch's Python work per event."""


def observe_latency(rows: Sequence[Any], now: float | None = None) -> None:
    """Observe received-to-stored latency for up to :data:`LATENCY_SAMPLES` of ``rows``."""
    if not rows:
        return
    now = time.time() if now is None else now
    step = max(1, len(rows) // LATENCY_SAMPLES)
    for row in rows[::step]:
        E2E_LATENCY.observe(max(0.0, now - row.received_at.timestamp()))
