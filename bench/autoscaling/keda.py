"""KEDA's Kafka scaler driving the HPA, with their defaults, as a simulator autoscaler.

The rule as KEDA documents it: replicas = ceil(total lag / lagThreshold) as an HPA
AverageValue target, capped at the partition count (allowIdleConsumers false), clamped
to [min, max]; the HPA's 10% tolerance, its default scale-up policy (at most double or
+4 pods per 15 s) and its 300 s scale-down stabilization (the highest recommendation
within the window). The HPA evaluates every 15 s; KEDA reads lag on each evaluation.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from eventtide.operator.lag import partition_lags
from eventtide.operator.policy import Observation

HPA_SYNC_S = 15.0
TOLERANCE = 0.1
SCALE_DOWN_WINDOW_S = 300.0


@dataclass
class KedaRule:
    """KEDA + HPA state between evaluations."""

    partitions: int
    min_replicas: int
    max_replicas: int
    lag_threshold: int
    history: list[tuple[float, int]] = field(default_factory=list)

    def __call__(self, observation: Observation) -> int:
        """The replicas the HPA sets for this observation."""
        now = observation.at
        current = observation.current_replicas
        lag = sum(item.lag for item in partition_lags(observation.partitions, "latest"))
        lag = min(lag, self.partitions * self.lag_threshold)
        raw = math.ceil(lag / self.lag_threshold)
        if current > 0 and abs(lag / current / self.lag_threshold - 1) <= TOLERANCE:
            raw = current
        recommended = max(self.min_replicas, min(self.max_replicas, raw))
        self.history = [(at, n) for at, n in self.history if now - at < SCALE_DOWN_WINDOW_S]
        self.history.append((now, recommended))
        if recommended < current:
            return min(current, max(n for _, n in self.history))
        return min(recommended, max(2 * current, current + 4))
