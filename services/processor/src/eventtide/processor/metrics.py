"""Prometheus metrics of the processor, published once per committed batch.

The report keeps running totals in plain integers (the hot path never touches a
Prometheus object); :class:`Publisher` turns their growth into counter increments and
reads the watermark of the assigned partitions for the delay gauge.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Final

from prometheus_client import Counter, Gauge

EVENTS: Final = Counter("eventtide_processor_events", "Events accepted into the processor's state.")
LATE: Final = Counter(
    "eventtide_processor_late_events", "Events behind their partition's watermark (side output)."
)
DUPLICATES: Final = Counter(
    "eventtide_processor_duplicates", "Repeated event ids dropped within the dedup horizon."
)
ALERTS: Final = Counter(
    "eventtide_processor_alerts",
    "Pattern alerts raised (the rows /v1/alerts serves), by rule and severity.",
    ["rule", "severity"],
)
WATERMARK_DELAY: Final = Gauge(
    "eventtide_processor_watermark_delay_seconds",
    "Wall clock minus the processor's lowest partition watermark.",
)
MICROS: Final = 1_000_000


def watermark_delay_s(watermarks_us: Iterable[int], now_s: float, never: int) -> float | None:
    """Seconds between ``now_s`` and the lowest known watermark (None if none is known)."""
    known = [w for w in watermarks_us if w != never]
    if not known:
        return None
    return max(0.0, now_s - min(known) / MICROS)


class Publisher:
    """Publishes the report's growth since the previous call."""

    def __init__(self) -> None:
        self._seen = (0, 0, 0)

    def publish(self, events: int, late: int, duplicates: int) -> None:
        """Increment the counters by what the totals grew."""
        was_events, was_late, was_duplicates = self._seen
        EVENTS.inc(max(0, events - was_events))
        LATE.inc(max(0, late - was_late))
        DUPLICATES.inc(max(0, duplicates - was_duplicates))
        self._seen = (events, late, duplicates)

    @staticmethod
    def alerts(raised: Iterable[tuple[str, str]]) -> None:
        """Count committed alerts, given as ``(rule, severity)`` pairs.

        A batch replayed after a crash raises its alerts again; the table keeps one row
        each (their ids are derived from what triggered them), this counter counts twice.
        """
        counts: dict[tuple[str, str], int] = {}
        for key in raised:
            counts[key] = counts.get(key, 0) + 1
        for (rule, severity), count in counts.items():
            ALERTS.labels(rule, severity).inc(count)

    @staticmethod
    def watermarks(watermarks_us: Iterable[int], never: int) -> None:
        """Set the delay gauge from the assigned partitions' watermarks."""
        delay = watermark_delay_s(watermarks_us, time.time(), never)
        if delay is not None:
            WATERMARK_DELAY.set(delay)
