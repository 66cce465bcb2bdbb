"""Prometheus metrics of the exactly-once batch loop, named after the running component.

The consumer and the processor run the same loop; their dashboards need
``eventtide_consumer_batch_duration_seconds`` and ``eventtide_processor_...`` apart, so
the families are made per component name (the one given to the telemetry set-up).
Observed once per batch, never per event.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Final

from prometheus_client import Counter, Gauge, Histogram

LOOP_COMPONENTS: Final = ("consumer", "processor")
"""The components that run the loop (the metric lint reads the families through this)."""

BATCH_SIZE_BUCKETS: Final = (1, 10, 50, 100, 250, 500, 1000, 2500, 5000, 10000)
DURATION_BUCKETS: Final = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)


@dataclass(frozen=True)
class LoopMetrics:
    """The loop's families for one component."""

    batch_size: Histogram
    batch_duration: Histogram
    messages: Counter
    lag: Gauge


@cache
def loop_metrics(component: str) -> LoopMetrics:
    """``eventtide_<component>_*`` loop families, registered once per process."""
    prefix = f"eventtide_{component}"
    return LoopMetrics(
        batch_size=Histogram(
            f"{prefix}_batch_size_messages", "Messages per committed batch.",
            buckets=BATCH_SIZE_BUCKETS,
        ),
        batch_duration=Histogram(
            f"{prefix}_batch_duration_seconds",
            "Time from a batch's hand-over to its database commit.",
            buckets=DURATION_BUCKETS,
        ),
        messages=Counter(f"{prefix}_messages_consumed", "Messages read into batches."),
        lag=Gauge(
            f"{prefix}_lag_messages",
            "Messages between the partition's end and the committed position.",
            ["topic", "partition"],
        ),
    )  # fmt: skip
