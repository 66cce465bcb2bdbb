"""The send loop: validated events in, acknowledged messages out, a report at the end.

Kept free of CLI and terminal concerns: progress and rejections go to callbacks, so
the same loop serves ``eventtide produce``, the benchmark and the tests.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

from eventtide.core.events import AnyEvent
from eventtide.core.kafka import WireMessage
from eventtide.core.kafka.client_errors import ClientErrors
from eventtide.core.kafka.delivery import DeliveryStats
from eventtide.core.metrics import EVENTS_REJECTED
from eventtide.core.signals import StopFlag
from eventtide.producer.pacing import pace_delay
from eventtide.producer.sources import Corrupt, Item, Rejected

_TICK_EVERY = 256
"""Events between housekeeping (progress, stop, metrics) when not pacing."""
_TICK_S = 0.1


@dataclass
class RunReport:
    """How a run went. ``sent`` counts acknowledgements, not attempts."""

    queued: int
    sent: int
    failed: int
    rejected: int
    unconfirmed: int
    elapsed_s: float
    latency_p50_s: float | None
    latency_p99_s: float | None
    stopped_by: str | None = None
    errors: dict[str, int] = field(default_factory=dict)
    kafka_error: str | None = None
    """Why Kafka cannot take events at all (refused login, untrusted certificate)."""
    malformed: int = 0
    """Deliberately malformed messages queued (a data-quality incident), among ``queued``."""

    @property
    def events_per_s(self) -> float:
        """Acknowledged events per second over the whole run, flush included."""
        return self.sent / self.elapsed_s if self.elapsed_s > 0 else 0.0

    def to_json(self) -> dict[str, Any]:
        """Plain data for scripts and the benchmark."""
        return {
            "queued": self.queued,
            "sent": self.sent,
            "failed": self.failed,
            "rejected": self.rejected,
            "unconfirmed": self.unconfirmed,
            "elapsed_s": round(self.elapsed_s, 4),
            "events_per_s": round(self.events_per_s, 1),
            "latency_p50_ms": _ms(self.latency_p50_s),
            "latency_p99_ms": _ms(self.latency_p99_s),
            "stopped_by": self.stopped_by,
            "errors": self.errors,
            "kafka_error": self.kafka_error,
            "malformed": self.malformed,
        }


class Sink(Protocol):
    """Where the runner sends: the Kafka producer, or the API (``HttpSink``)."""

    stats: DeliveryStats
    errors: ClientErrors

    def connect(self, timeout_s: float, *, settle_s: float = ...) -> None: ...
    def send(self, event: AnyEvent) -> None: ...
    def send_message(self, message: WireMessage) -> None: ...
    def poll(self, timeout: float = ...) -> object: ...
    def flush(self, timeout: float) -> int: ...


def run(
    items: Iterable[Item],
    producer: Sink,
    *,
    limit: int | None = None,
    rate: float | None = None,
    stop: StopFlag | None = None,
    on_progress: Callable[[int], None] | None = None,
    on_rejected: Callable[[Rejected], None] | None = None,
    flush_timeout_s: float = 30.0,
) -> RunReport:
    """Send until ``limit`` events were queued, the items end, or ``stop`` is set."""
    stop = stop or StopFlag()
    send, send_message = producer.send, producer.send_message
    queued = rejected = malformed = 0
    start = last_tick = time.perf_counter()
    countdown = 1 if rate else _TICK_EVERY
    if limit is not None and limit <= 0:
        items = ()
    for item in items:
        if isinstance(item, WireMessage):
            send_message(item)
        elif isinstance(item, Corrupt):
            send_message(item.message)
            malformed += 1
        elif isinstance(item, Rejected):
            rejected += 1
            EVENTS_REJECTED.labels(item.rejection.kind).inc()
            if on_rejected is not None:
                on_rejected(item)
            continue
        else:
            send(item)
        queued += 1
        if queued == limit or stop.stopped:
            break
        countdown -= 1
        if countdown:
            continue
        countdown = 1 if rate else _TICK_EVERY
        now = time.perf_counter()
        if now - last_tick >= _TICK_S:
            last_tick = now
            producer.poll(0)
            if on_progress is not None:
                on_progress(queued)
            if producer.errors.fatal:
                break
        delay = pace_delay(queued, rate, now - start)
        if delay:
            producer.poll(min(delay, _TICK_S))
            time.sleep(max(0.0, pace_delay(queued, rate, time.perf_counter() - start)))
    unconfirmed = producer.flush(flush_timeout_s)
    elapsed = time.perf_counter() - start
    if on_progress is not None:
        on_progress(queued)
    stats = producer.stats
    return RunReport(
        queued=queued,
        sent=stats.delivered,
        failed=stats.failed,
        rejected=rejected,
        unconfirmed=unconfirmed,
        elapsed_s=elapsed,
        latency_p50_s=stats.latency.percentile(0.50),
        latency_p99_s=stats.latency.percentile(0.99),
        stopped_by=stop.signal_name,
        errors=dict(stats.errors),
        kafka_error=producer.errors.fatal,
        malformed=malformed,
    )


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1000.0, 2)
