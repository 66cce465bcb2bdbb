"""Prometheus metrics of the consumer, published once per batch (not per event)."""

from __future__ import annotations

from typing import Final

from prometheus_client import Counter

EVENTS_STORED: Final = Counter("eventtide_events_stored", "Events newly stored in the database.")
DUPLICATES_SKIPPED: Final = Counter(
    "eventtide_duplicates_skipped", "Deliveries skipped because the event_id was stored."
)
DEAD_LETTERED: Final = Counter("eventtide_dead_lettered", "Messages sent to the dead letters.")
BATCHES: Final = Counter("eventtide_consumer_batches", "Batches committed to the database.")
