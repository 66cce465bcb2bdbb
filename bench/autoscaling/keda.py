"""KEDA's Kafka scaler driving the HPA, as KEDA deploys it, as a simulator autoscaler.

Each rule follows a function in KEDA's or Kubernetes' source, named where it is applied:

* the metric: total lag over the partitions (kedacore/keda ``pkg/scalers/kafka_scaler.go``,
  ``getTotalLag``), replaced by ``nextFactor * lagThreshold`` when
  ``ensureEvenDistributionOfPartitions`` is on (``getNextFactorThatBalancesConsumersTo
  TopicPartitions``: the smallest divisor of the partition count whose share of
  ``lagThreshold`` covers the lag), and capped at ``partitions * lagThreshold`` only when
  ``totalLag / lagThreshold`` in integer division exceeds the partition count;
* the count: the metric is an ``AverageValue`` target of ``lagThreshold`` per pod, so
  ``ceil(metric / lagThreshold)``, or the current count while ``metric / (lagThreshold *
  current)`` is within 10% of 1 (kubernetes ``pkg/controller/podautoscaler/
  replica_calculator.go``, ``GetExternalPerPodMetricReplicas``);
* KEDA leaves the HPA's ``behavior`` unset, and the API server fills it in only when it is
  given, so the HPA takes its legacy path (``horizontal.go``, ``normalizeDesiredReplicas``):
  the highest recommendation of the last 300 s, the current one included
  (``stabilizeRecommendation``), then at most ``max(2 * current, 4)`` replicas and
  [min, max] (``convertDesiredReplicasWithRules``, ``scaleUpLimitFactor`` and
  ``scaleUpLimitMinimum``);
* the first sync records the current count as a recommendation
  (``recordInitialRecommendation``), so the HPA does not scale below it for 300 s;
* the HPA syncs every 15 s (``--horizontal-pod-autoscaler-sync-period``); KEDA reads the
  lag when the HPA asks for the metric. The phase of that period is the simulator's.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from eventtide.operator.lag import partition_lags
from eventtide.operator.policy import Observation, divisors

HPA_SYNC_S = 15.0
TOLERANCE = 0.1
SCALE_DOWN_WINDOW_S = 300.0
SCALE_UP_LIMIT_FACTOR = 2
SCALE_UP_LIMIT_MINIMUM = 4


def kafka_metric(lag: int, partitions: int, lag_threshold: int, *, even: bool) -> int:
    """The metric KEDA's Kafka scaler reports (``getTotalLag``, allowIdleConsumers false)."""
    total = lag
    if even:
        factor = next((n for n in divisors(partitions) if n * lag_threshold >= total), partitions)
        total = factor * lag_threshold
    if total // lag_threshold > partitions:
        total = partitions * lag_threshold
    return total


def per_pod_replicas(metric: int, lag_threshold: int, current: int) -> int:
    """``GetExternalPerPodMetricReplicas``: the count for an AverageValue target."""
    if current > 0 and abs(metric / (lag_threshold * current) - 1) <= TOLERANCE:
        return current
    return math.ceil(metric / lag_threshold)


def legacy_scale_up_limit(current: int) -> int:
    """``calculateScaleUpLimit`` on the HPA's path without ``behavior``."""
    return max(SCALE_UP_LIMIT_FACTOR * current, SCALE_UP_LIMIT_MINIMUM)


@dataclass
class KedaRule:
    """KEDA + HPA state between evaluations."""

    partitions: int
    min_replicas: int
    max_replicas: int
    lag_threshold: int
    even_distribution: bool = False
    """``ensureEvenDistributionOfPartitions`` on the trigger."""
    history: list[tuple[float, int]] | None = field(default=None)

    def __call__(self, observation: Observation) -> int:
        """The replicas the HPA sets for this observation."""
        now = observation.at
        current = observation.current_replicas
        if self.history is None:  # recordInitialRecommendation
            self.history = [(now, current)]
        lag = sum(item.lag for item in partition_lags(observation.partitions, "latest"))
        metric = kafka_metric(lag, self.partitions, self.lag_threshold, even=self.even_distribution)
        prenormalized = per_pod_replicas(metric, self.lag_threshold, current)
        # stabilizeRecommendation: the highest within the window, this one included
        kept = [(at, n) for at, n in self.history if now - at <= SCALE_DOWN_WINDOW_S]
        stabilized = max([prenormalized, *(n for _, n in kept)])
        self.history = [*kept, (now, prenormalized)]
        # convertDesiredReplicasWithRules
        ceiling = min(self.max_replicas, legacy_scale_up_limit(current))
        return max(self.min_replicas, min(ceiling, stabilized))
