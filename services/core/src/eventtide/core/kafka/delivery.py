"""Delivery reports: what Kafka acknowledged, what failed, and how long it took."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from eventtide.core.kafka.latency import LatencyHistogram
from eventtide.core.metrics import EVENTS_PRODUCED, PRODUCE_FAILURES

DeliveryCallback = Callable[[Any, Any], None]


class _Callbacks(dict[str, DeliveryCallback]):
    """Event type to its delivery callback, made on first use.

    A dict with ``__missing__`` so the producer's per-message lookup is one plain
    subscript, with no method call in between.
    """

    def __init__(self, make: Callable[[str], DeliveryCallback]) -> None:
        super().__init__()
        self._make = make

    def __missing__(self, event_type: str) -> DeliveryCallback:
        callback = self[event_type] = self._make(event_type)
        return callback


@dataclass
class DeliveryStats:
    """Counters filled by delivery callbacks, published to Prometheus in batches.

    Every message gets its delivery report through a callback, so ``delivered`` counts
    acknowledgements, not attempts. Reports carry no event type, so each type has its
    own pre-built callback (:attr:`callbacks`): a closure that counts with local names
    only, since it runs once per message inside ``poll``/``flush``.
    """

    delivered: int = 0
    failed: int = 0
    latency: LatencyHistogram = field(default_factory=LatencyHistogram)
    errors: Counter[str] = field(default_factory=Counter)
    callbacks: _Callbacks = field(init=False, repr=False)
    _by_type: Counter[str] = field(default_factory=Counter)
    _failed_by: Counter[tuple[str, str]] = field(default_factory=Counter)

    def __post_init__(self) -> None:
        self.callbacks = _Callbacks(self._make_callback)

    def callback_for(self, event_type: str) -> DeliveryCallback:
        """The confluent-kafka ``on_delivery`` callback for events of one type."""
        return self.callbacks[event_type]

    def _make_callback(self, event_type: str) -> DeliveryCallback:
        by_type, record, on_failure = self._by_type, self.latency.record, self._on_failure

        def on_delivery(err: Any, msg: Any) -> None:
            if err is None:
                self.delivered += 1
                by_type[event_type] += 1
                latency = msg.latency()
                if latency is not None:
                    record(latency)
            else:
                on_failure(event_type, err)

        return on_delivery

    def on_delivery(self, event_type: str, err: Any, msg: Any) -> None:
        """Count one delivery report for an event of ``event_type``."""
        self.callbacks[event_type](err, msg)

    def record_batch(
        self, delivered: Mapping[str, int], failures: Sequence[tuple[str, Any]]
    ) -> None:
        """Count a batch whose reports the caller gathered itself, by type, at once.

        For senders that need each message's own report anyway (the HTTP ingest): one
        callback per message instead of two, and the counts added once per batch.
        ``delivered`` is per event type; ``failures`` are ``(event_type, error)`` pairs.
        """
        for event_type, count in delivered.items():
            self.delivered += count
            self._by_type[event_type] += count
        for event_type, err in failures:
            self._on_failure(event_type, err)

    def _on_failure(self, event_type: str, err: Any) -> None:
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
