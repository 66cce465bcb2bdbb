"""The scaling policy: how many consumer replicas a Pipeline should have. Pure; no I/O.

It starts from KEDA's Kafka rule, ``ceil(total lag / lagThreshold)`` clamped to
[min, max] and capped at the partition count, and changes it where that rule hurts:

* no decision while the consumer group is rebalancing (its offsets are in flux);
* a dwell time after each change, because every change is itself a rebalance that
  pauses consumption; scale-down only to the highest count recommended within its
  stabilization window, which must have been observed in full;
* replica counts that divide the partition count when asked, so no replica owns more
  partitions than another;
* lag is a stock, not a flow: once a per-replica throughput is known the policy sizes
  for the arrival rate plus draining the backlog within a target time, the replica
  holding the most loaded partition (its arrivals and its own backlog) deciding; while
  the backlog grows outside a rebalance it asks for at least KEDA's count;
* scale-up needs evidence: a throughput seen only on replicas that keep up is a lower
  bound (they consume the arrival rate, whatever they could do), so until busy replicas
  have measured it, the group grows only when the lag exceeds ``lagThreshold`` per
  replica, and shrinks no further than KEDA's count (see :mod:`eventtide.operator.rates`);
* partitions whose committed offset stays put while they keep lag and others progress
  are reported as stuck and not scaled on (more replicas cannot help a poison message);
* missing or invalid committed offsets count from where the consumer will really resume.

Errors reading lag never reach this module as "zero lag": :func:`hold` keeps the
current replicas. State between runs is an immutable :class:`PolicyState` that the
caller keeps and passes back.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from eventtide.operator.lag import (
    OffsetReset,
    OffsetState,
    PartitionLag,
    PartitionOffsets,
    partition_lags,
    top_lagging,
)
from eventtide.operator.rates import (
    CONSUMPTION_WINDOW_S,
    Rates,
    Sample,
    Throughput,
    baseline,
    rates,
    saturated,
    settled,
    throughput,
)

TARGET_UTILIZATION = 0.9
"""Size for replicas busy this much of the time: the spare absorbs a rebalance pause."""


class GroupState(StrEnum):
    """Consumer-group states as Kafka names them, reduced to what the policy needs."""

    STABLE = "Stable"
    REBALANCING = "Rebalancing"
    EMPTY = "Empty"
    DEAD = "Dead"
    UNKNOWN = "Unknown"


class Rule(StrEnum):
    """The rule that settled a decision: reported in the status so it explains itself."""

    LAG_THRESHOLD = "lagThreshold"
    THROUGHPUT = "throughput"
    KEEPING_UP = "keepingUp"
    ACTIVATION = "activation"
    MIN_REPLICAS = "minReplicas"
    MAX_REPLICAS = "maxReplicas"
    PARTITION_COUNT = "partitionCount"
    PARTITION_ALIGNED = "partitionAligned"
    REBALANCING = "rebalancing"
    DWELL = "dwell"
    SCALE_DOWN_STABILIZATION = "scaleDownStabilization"
    LAG_UNAVAILABLE = "lagUnavailable"


@dataclass(frozen=True)
class ScalingConfig:
    """The Pipeline's scaling settings (``spec.consumer`` plus the partition count)."""

    partitions: int
    min_replicas: int = 1
    max_replicas: int = 6
    lag_threshold: int = 1000
    activation_lag: int = 0
    dwell_s: float = 30.0
    scale_down_window_s: float = 300.0
    drain_target_s: float = 120.0
    stuck_after_s: float = 120.0
    partition_aligned: bool = False
    scale_to_zero: bool = False
    allow_idle_consumers: bool = False
    offset_reset: OffsetReset = "earliest"


@dataclass(frozen=True)
class Observation:
    """One reading of the group: offsets per partition, its state and the replicas now."""

    at: float
    partitions: tuple[PartitionOffsets, ...]
    group_state: GroupState
    current_replicas: int


@dataclass(frozen=True)
class PolicyState:
    """Memory between runs; the caller stores it and hands it back."""

    observing_since: float | None = None
    last_change_at: float | None = None
    recommendations: tuple[tuple[float, int], ...] = ()
    previous: Sample | None = None
    window: tuple[Sample, ...] = ()
    """Recent samples, oldest first, spanning about CONSUMPTION_WINDOW_S."""
    throughput_per_replica: float | None = None
    throughput_measured: bool = False
    """Whether the estimate was ever measured on busy replicas; else it is a lower bound."""
    stalled_since: Mapping[int, float] = field(default_factory=lambda: MappingProxyType({}))


@dataclass(frozen=True)
class Decision:
    """A decision with everything that went into it."""

    at: float
    current: int
    desired: int
    recommended: int
    rule: Rule
    message: str
    total_lag: int
    raw_lag: int
    arrival_per_s: float | None = None
    consumed_per_s: float | None = None
    lag_growth_per_s: float | None = None
    throughput_per_replica: float | None = None
    throughput_measured: bool = False
    group_state: GroupState = GroupState.UNKNOWN
    stuck: tuple[int, ...] = ()
    missing: tuple[int, ...] = ()
    invalid: tuple[int, ...] = ()
    top: tuple[PartitionLag, ...] = ()

    @property
    def changes(self) -> bool:
        """Whether applying this decision changes the replica count."""
        return self.desired != self.current

    def inputs(self) -> dict[str, Any]:
        """The inputs, JSON-ready, for ``status.lastScaleDecision.inputs``."""

        def rounded(value: float | None) -> float | None:
            return None if value is None else round(value, 3)

        return {
            "totalLag": self.total_lag,
            "rawLag": self.raw_lag,
            "arrivalPerSecond": rounded(self.arrival_per_s),
            "consumedPerSecond": rounded(self.consumed_per_s),
            "lagGrowthPerSecond": rounded(self.lag_growth_per_s),
            "throughputPerReplica": rounded(self.throughput_per_replica),
            "throughputMeasured": self.throughput_measured,
            "groupState": str(self.group_state),
            "stuckPartitions": list(self.stuck),
            "missingOffsets": list(self.missing),
            "invalidOffsets": list(self.invalid),
            "recommended": self.recommended,
        }


def divisors(count: int) -> list[int]:
    """The divisors of ``count``, ascending."""
    return [n for n in range(1, count + 1) if count % n == 0]


def align(replicas: int, partitions: int, ceiling: int) -> int:
    """The smallest divisor of ``partitions`` >= ``replicas``, or the largest <= ``ceiling``.

    Equal shares of partitions per replica: 4 replicas on 6 partitions leave two replicas
    with twice the work of the others, so they finish no sooner than 3 would.
    """
    if replicas <= 0:
        return 0
    options = divisors(partitions)
    above = [n for n in options if n >= replicas and n <= ceiling]
    if above:
        return above[0]
    below = [n for n in options if n <= ceiling]
    return below[-1] if below else replicas


def _bounded(config: ScalingConfig, wanted: int, rule: Rule, lag: int) -> tuple[int, Rule]:
    """Apply activation, the partition cap, [min, max] and alignment; name what limited it."""
    if config.scale_to_zero and lag <= config.activation_lag:
        return 0, Rule.ACTIVATION
    floor = max(config.min_replicas, 1)
    value = wanted
    if not config.allow_idle_consumers and value > config.partitions:
        value, rule = config.partitions, Rule.PARTITION_COUNT
    if value > config.max_replicas:
        value, rule = config.max_replicas, Rule.MAX_REPLICAS
    if value < floor:
        value, rule = floor, Rule.MIN_REPLICAS
    if config.partition_aligned and value <= config.partitions:
        aligned = align(value, config.partitions, min(config.max_replicas, config.partitions))
        if aligned != value and aligned >= floor:
            value, rule = aligned, Rule.PARTITION_ALIGNED
    return value, rule


def _stalled(
    lags: list[PartitionLag], previous: Sample | None, state: PolicyState, now: float
) -> dict[int, float]:
    """Since when each lagging partition's resume position has not moved."""
    stalled: dict[int, float] = {}
    if previous is None:
        return stalled
    for item in lags:
        before = previous.positions.get(item.partition)
        if item.lag > 0 and item.state is OffsetState.OK and before == item.position:
            stalled[item.partition] = state.stalled_since.get(item.partition, previous.at)
    return stalled


def _stuck(
    config: ScalingConfig, lags: list[PartitionLag], stalled: Mapping[int, float], now: float
) -> tuple[int, ...]:
    """Stalled long enough while some other partition is healthy: stuck, not under-served.

    When every lagging partition stalls, nothing is consuming at all (no replicas, all
    crashed); that is lag to scale on, not a poison message.
    """
    long_stalled = {p for p, since in stalled.items() if now - since >= config.stuck_after_s}
    healthy = [item for item in lags if item.partition not in stalled]
    if not long_stalled or not healthy:
        return ()
    return tuple(sorted(long_stalled))


def replicas_for_rate(
    arrival: float, hottest: float, throughput: float, partitions: int, ceiling: int
) -> int:
    """Fewest replicas whose busiest one stays within ``TARGET_UTILIZATION``.

    With ``k`` partitions per replica, the replica holding the hottest partition also
    carries an average share of ``k - 1`` others; on a skewed topic that replica, not
    the average, decides whether the group keeps up (KEDA's users' "partition skew").
    """
    budget = throughput * TARGET_UTILIZATION
    others = (arrival - hottest) / (partitions - 1) if partitions > 1 else 0.0
    for replicas in range(1, max(ceiling, 1) + 1):
        per_replica = math.ceil(partitions / replicas)
        if hottest + others * (per_replica - 1) <= budget and arrival / replicas <= budget:
            return replicas
    return max(ceiling, 1)


def _recommend(
    config: ScalingConfig,
    lags: list[PartitionLag],
    lag: int,
    flow: Rates | None,
    capacity: Throughput | None,
    current: int,
) -> tuple[int, Rule]:
    """KEDA's count, or the count that keeps up and drains within the target, once known.

    The drain is sized per partition as well as in total: a backlog on one partition is
    drained only by the replica that owns it, at what that replica has left over.
    """
    keda = math.ceil(lag / config.lag_threshold)
    if capacity is None or capacity.per_replica <= 0 or flow is None:
        return keda, Rule.LAG_THRESHOLD
    ceiling = config.max_replicas
    if not config.allow_idle_consumers:
        ceiling = min(ceiling, config.partitions)
    drain = lag / config.drain_target_s
    hottest = max(
        (flow.arrivals.get(i.partition, 0.0) + i.lag / config.drain_target_s for i in lags),
        default=0.0,
    )
    needed = replicas_for_rate(
        flow.arrival + drain, hottest, capacity.per_replica, config.partitions, ceiling
    )
    if flow.settled and flow.growth > 0 and keda > needed:
        return keda, Rule.LAG_THRESHOLD
    if flow.arrival <= 0 and lag <= 0:
        return 0, Rule.THROUGHPUT
    if not capacity.measured:
        return _on_a_lower_bound(needed, keda, current, flow)
    return needed, Rule.THROUGHPUT


def _on_a_lower_bound(needed: int, keda: int, current: int, flow: Rates) -> tuple[int, Rule]:
    """Sizing on a throughput never measured on busy replicas: scale up on evidence only.

    Such a throughput is a lower bound (replicas that keep up consume the arrival rate,
    whatever they could do), so ``needed`` is an upper bound on what the load needs.
    Scaling up on it alone runs replicas that never get busy, so the bound is never
    corrected. The group therefore grows only when it falls behind by KEDA's own
    measure, lag beyond ``lagThreshold`` per replica outside a rebalance (whose pause
    queues lag that says nothing about the replicas); then ``needed`` says how far.
    It shrinks to ``needed`` but not below KEDA's count: a count the lag alone would
    grow again (the sawtooth of commits can) is a flap.
    """
    falling_behind = flow.settled and keda > current
    if 0 < current < needed and not falling_behind:
        return current, Rule.KEEPING_UP
    if needed < min(keda, current):
        return min(keda, current), Rule.LAG_THRESHOLD
    return needed, Rule.THROUGHPUT


def decide(
    config: ScalingConfig, observation: Observation, state: PolicyState
) -> tuple[Decision, PolicyState]:
    """The desired replicas for ``observation``, and the state to pass next time."""
    now = observation.at
    current = observation.current_replicas
    lags = partition_lags(observation.partitions, config.offset_reset)
    previous = state.previous
    stalled = _stalled(lags, previous, state, now)
    stuck = _stuck(config, lags, stalled, now)
    raw_lag = sum(item.lag for item in lags)
    counted = [item for item in lags if item.partition not in stuck]
    lag = sum(item.lag for item in counted)
    since = baseline(state.window, previous, now)
    quiet = settled(state.window, since, current)
    flow = rates(lags, previous, since, lag, now, quiet=quiet)
    capacity = _capacity(config, state, flow, observation, lag)
    wanted, rule = _recommend(config, counted, lag, flow, capacity, current)
    recommended, rule = _bounded(config, wanted, rule, lag)

    first_seen = state.observing_since if state.observing_since is not None else now
    window = config.scale_down_window_s
    kept = [(at, count) for at, count in state.recommendations if now - at < window]
    history = (*kept, (now, recommended))
    desired, rule, message = _gate(
        config, state, observation, recommended, rule, history, first_seen
    )

    decision = Decision(
        at=now,
        current=current,
        desired=desired,
        recommended=recommended,
        rule=rule,
        message=message,
        total_lag=lag,
        raw_lag=raw_lag,
        arrival_per_s=None if flow is None else flow.arrival,
        consumed_per_s=None if flow is None else flow.consumed,
        lag_growth_per_s=None if flow is None else flow.growth,
        throughput_per_replica=None if capacity is None else capacity.per_replica,
        throughput_measured=capacity is not None and capacity.measured,
        group_state=observation.group_state,
        stuck=stuck,
        missing=tuple(i.partition for i in lags if i.state is OffsetState.MISSING),
        invalid=tuple(i.partition for i in lags if i.state is OffsetState.INVALID),
        top=tuple(top_lagging(lags)),
    )
    sample = Sample(
        at=now,
        ends=MappingProxyType({i.partition: i.lag + i.position for i in lags}),
        positions=MappingProxyType({i.partition: i.position for i in lags}),
        lag=lag,
        replicas=current,
        rebalancing=observation.group_state is GroupState.REBALANCING,
    )
    new_state = replace(
        state,
        observing_since=first_seen,
        last_change_at=now if decision.changes else state.last_change_at,
        recommendations=history,
        previous=sample,
        window=(*(s for s in state.window if now - s.at <= 2 * CONSUMPTION_WINDOW_S), sample),
        throughput_per_replica=decision.throughput_per_replica,
        throughput_measured=decision.throughput_measured,
        stalled_since=MappingProxyType(stalled),
    )
    return decision, new_state


def _capacity(
    config: ScalingConfig,
    state: PolicyState,
    flow: Rates | None,
    observation: Observation,
    lag: int,
) -> Throughput | None:
    """The per-replica throughput after this run's sample, if the group was consuming."""
    known = None
    if state.throughput_per_replica is not None:
        known = Throughput(state.throughput_per_replica, state.throughput_measured)
    replicas = observation.current_replicas
    if flow is None or observation.group_state is not GroupState.STABLE or replicas <= 0:
        return known
    busy = saturated(flow, state.previous, lag, config.lag_threshold)
    return throughput(known, flow, min(replicas, config.partitions), busy=busy)


def _gate(
    config: ScalingConfig,
    state: PolicyState,
    observation: Observation,
    recommended: int,
    rule: Rule,
    history: tuple[tuple[float, int], ...],
    first_seen: float,
) -> tuple[int, Rule, str]:
    """Whether the recommendation may be applied now: rebalance, dwell, stabilization."""
    now = observation.at
    current = observation.current_replicas
    if observation.group_state is GroupState.REBALANCING:
        return current, Rule.REBALANCING, "consumer group is rebalancing; holding replicas"
    if recommended == current:
        return current, rule, f"{current} replicas match the recommendation ({rule})"
    last = state.last_change_at
    if last is not None and now - last < config.dwell_s and current > 0:
        wait = config.dwell_s - (now - last)
        return (
            current,
            Rule.DWELL,
            (
                f"recommend {recommended} ({rule}) but the last change was {now - last:.0f}s ago; "
                f"waiting {wait:.0f}s more"
            ),
        )
    if recommended > current:
        return recommended, rule, f"scale up {current} -> {recommended} ({rule})"
    if now - first_seen < config.scale_down_window_s:
        return (
            current,
            Rule.SCALE_DOWN_STABILIZATION,
            (
                f"recommend {recommended} but the scale-down window of "
                f"{config.scale_down_window_s:.0f}s has not been observed in full yet"
            ),
        )
    highest = max(count for _, count in history)
    if highest >= current:
        return (
            current,
            Rule.SCALE_DOWN_STABILIZATION,
            (
                f"recommend {recommended} but {highest} was recommended within the last "
                f"{config.scale_down_window_s:.0f}s"
            ),
        )
    if highest > recommended:
        return (
            highest,
            Rule.SCALE_DOWN_STABILIZATION,
            (f"scale down {current} -> {highest}: the highest recommendation within the window"),
        )
    return recommended, rule, f"scale down {current} -> {recommended} ({rule})"


def hold(current: int, error: str, now: float) -> Decision:
    """Lag could not be read: keep the replicas we have. Never scale to zero on an error."""
    return Decision(
        at=now,
        current=current,
        desired=current,
        recommended=current,
        rule=Rule.LAG_UNAVAILABLE,
        message=f"lag unavailable, keeping {current} replicas: {error}",
        total_lag=0,
        raw_lag=0,
    )
