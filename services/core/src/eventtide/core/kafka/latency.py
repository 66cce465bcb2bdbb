"""A small log-bucketed histogram for delivery latencies.

A producer may run for days at 100k+ events/s, so latencies are counted in fixed
buckets (2% wide) instead of being kept; percentiles are then within 2%.
"""

from __future__ import annotations

import math
from collections import Counter
from typing import Final

_GROWTH: Final = 1.02
_LOG_GROWTH: Final = math.log(_GROWTH)
_FLOOR_S: Final = 1e-6
_PER_FLOOR_S: Final = 1e6  # 1 / _FLOOR_S, written exactly
_BUCKETS_PER_E: Final = 1.0 / _LOG_GROWTH
_log = math.log


class LatencyHistogram:
    """Counts of latencies (seconds) in geometric buckets."""

    __slots__ = ("_buckets", "count")

    def __init__(self) -> None:
        self._buckets: Counter[int] = Counter()
        self.count = 0

    def record(self, seconds: float) -> None:
        """Count one latency; values under a microsecond count as one microsecond.

        Runs once per delivered message, so it is written for speed: no ``max`` call,
        multiplications instead of divisions, module-level names bound once.
        """
        bucket = int(_log(seconds * _PER_FLOOR_S) * _BUCKETS_PER_E) if seconds > _FLOOR_S else 0
        self._buckets[bucket] += 1
        self.count += 1

    def merge(self, other: LatencyHistogram) -> None:
        """Add another histogram's counts to this one."""
        self._buckets.update(other._buckets)
        self.count += other.count

    def percentile(self, q: float) -> float | None:
        """The latency (seconds) at quantile ``q`` in [0, 1], or None when empty."""
        if self.count == 0:
            return None
        rank = max(1, math.ceil(q * self.count))
        seen = 0
        for bucket in sorted(self._buckets):
            seen += self._buckets[bucket]
            if seen >= rank:
                return float(_FLOOR_S * _GROWTH ** (bucket + 0.5))
        return None  # pragma: no cover - rank never exceeds count
