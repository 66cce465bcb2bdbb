"""Delivery reports: what Kafka acknowledged, what failed, and how long it took."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from eventtide.core.kafka.latency import LatencyHistogram
from eventtide.core.metrics import EVENTS_PRODUCED, PRODUCE_FAILURES

DeliveryCallback = Callable[[Any, Any], None]


@dataclass
class DeliveryStats:
    """Counters filled by delivery callbacks, published to Prometheus in batches.

    Delivery reports carry no headers, so the event type comes from the callback
    itself: one pre-built callback per type (:meth:`callback_for`), so nothing is
    allocated per message.
    """

    delivered: int = 0
    failed: int = 0
    latency: LatencyHistogram = field(default_factory=LatencyHistogram)
    errors: Counter[str] = field(default_factory=Counter)
    _by_type: Counter[str] = field(default_factory=Counter)
    _failed_by: Counter[tuple[str, str]] = field(default_factory=Counter)
    _callbacks: dict[str, DeliveryCallback] = field(default_factory=dict)

    def callback_for(self, event_type: str) -> DeliveryCallback:
        """The confluent-kafka ``on_delivery`` callback for events of one type."""
        callback = self._callbacks.get(event_type)
        if callback is None:
            callback = self._callbacks[event_type] = partial(self.on_delivery, event_type)
        return callback

    def on_delivery(self, event_type: str, err: Any, msg: Any) -> None:
        """Count one delivery report (runs inside ``poll``/``flush``)."""
        if err is None:
            self.delivered += 1
            self._by_type[event_type] += 1
            latency = msg.latency()
            if latency is not None:
                self.latency.record(latency)
            return
        self.failed += 1
        reason = err.name() if hasattr(err, "name") else str(err)
        self.errors[reason] += 1
        self._failed_by[(event_type, reason)] += 1

    def publish(self) -> None:
        """Move the counts gathered since the last call to the Prometheus counters."""
        for event_type, count in self._by_type.items():
            EVENTS_PRODUCED.labels(event_type).inc(count)
        for (event_type, reason), count in self._failed_by.items():
            PRODUCE_FAILURES.labels(event_type, reason).inc(count)
        self._by_type.clear()
        self._failed_by.clear()
