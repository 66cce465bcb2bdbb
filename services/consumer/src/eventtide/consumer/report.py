"""What a consumer run did, for the CLI summary, the benchmark and the tests."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from eventtide.core.kafka.latency import LatencyHistogram
from eventtide.core.transactional.steps import LoopReport


@dataclass
class ConsumerReport(LoopReport):
    """The loop's counters and the consumer's; ``latency`` is occurred_at to database
    commit, per stored event."""

    stored: int = 0
    duplicates: int = 0
    dead_lettered: int = 0
    latency: LatencyHistogram = field(default_factory=LatencyHistogram)

    def to_json(self) -> dict[str, Any]:
        """Plain data (latency percentiles in milliseconds)."""

        def ms(q: float) -> float | None:
            value = self.latency.percentile(q)
            return None if value is None else round(value * 1000.0, 2)

        return {
            "batches": self.batches,
            "consumed": self.consumed,
            "stored": self.stored,
            "duplicates": self.duplicates,
            "dead_lettered": self.dead_lettered,
            "retries": self.retries,
            "abandoned_batches": self.abandoned_batches,
            "elapsed_s": round(self.elapsed_s, 3),
            "active_s": round(self.active_s, 3),
            "stored_per_s": round(self.stored / self.elapsed_s, 1) if self.elapsed_s else 0.0,
            "stored_per_active_s": round(self.stored / self.active_s, 1) if self.active_s else 0.0,
            "latency_p50_ms": ms(0.50),
            "latency_p95_ms": ms(0.95),
            "latency_p99_ms": ms(0.99),
            "stopped_by": self.stopped_by,
        }
