"""The lag simulator and the KEDA rule it compares against: physics and rule checks."""

from __future__ import annotations

import pytest

from bench.autoscaling.keda import (
    HPA_SYNC_S,
    KedaRule,
    kafka_metric,
    legacy_scale_up_limit,
    per_pod_replicas,
)
from bench.autoscaling.ours import OurPolicy
from bench.autoscaling.run import MIN_REPLICAS, OUR_POLL_S, ours_config
from bench.autoscaling.scenarios import Scenario, even, hot, spike, step
from bench.autoscaling.simulator import World, round_robin, simulate, sticky
from eventtide.operator.lag import PartitionOffsets
from eventtide.operator.policy import GroupState, Observation

pytestmark = pytest.mark.unit

LAG_THRESHOLD = 5000


def observation(at: float, lag_per_partition: int, current: int) -> Observation:
    return Observation(
        at=at,
        partitions=tuple(PartitionOffsets(p, lag_per_partition, 0) for p in range(12)),
        group_state=GroupState.STABLE,
        current_replicas=current,
    )


def test_keda_metric_caps_only_when_the_integer_quotient_exceeds_the_partitions():
    """kedacore/keda pkg/scalers/kafka_scaler.go, getTotalLag: ``if (totalLag /
    lagThreshold) > upperBound { totalLag = upperBound * lagThreshold }`` in int64."""
    assert kafka_metric(64_999, 12, 5000, even=False) == 64_999  # 64,999 / 5,000 = 12
    assert kafka_metric(65_000, 12, 5000, even=False) == 60_000  # 13 > 12: capped
    assert kafka_metric(3000, 12, 5000, even=False) == 3000


def test_keda_even_distribution_reports_the_next_divisor_of_the_partitions():
    """kafka_scaler.go, getNextFactorThatBalancesConsumersToTopicPartitions: the first
    factor of the partition count with ``factor * lagThreshold >= totalLag``."""
    assert kafka_metric(0, 12, 1000, even=True) == 1000
    assert kafka_metric(4500, 12, 1000, even=True) == 6000  # 5 -> 6
    assert kafka_metric(7000, 12, 1000, even=True) == 12_000  # 7 -> 12
    assert kafka_metric(90_000, 12, 1000, even=True) == 12_000  # no factor: the count


def test_hpa_per_pod_target_keeps_the_count_within_ten_percent():
    """kubernetes pkg/controller/podautoscaler/replica_calculator.go,
    GetExternalPerPodMetricReplicas: within the tolerance the current count stands,
    otherwise ceil(usage / target)."""
    assert per_pod_replicas(11_000, 1000, 11) == 11
    assert per_pod_replicas(12_000, 1000, 11) == 11  # 12/11 = 1.09: within 10%
    assert per_pod_replicas(12_500, 1000, 11) == 13
    assert per_pod_replicas(3000, 1000, 1) == 3


def test_hpa_without_behavior_limits_scale_up_to_double_or_four():
    """horizontal.go, calculateScaleUpLimit with scaleUpLimitFactor 2.0 and
    scaleUpLimitMinimum 4.0 (the path taken when spec.behavior is nil, as KEDA leaves it)."""
    assert [legacy_scale_up_limit(n) for n in (1, 2, 3, 6)] == [4, 4, 6, 12]
    rule = KedaRule(partitions=12, min_replicas=1, max_replicas=12, lag_threshold=1000)
    assert rule(observation(0, 250, 1)) == 3  # ceil(3000 / 1000)
    assert rule(observation(15, 10_000, 3)) == 6  # at most 2 x 3
    assert rule(observation(30, 10_000, 6)) == 12


def test_hpa_records_the_current_count_first_and_keeps_the_highest_for_300_s():
    """horizontal.go: recordInitialRecommendation stores the current replicas at the first
    sync; stabilizeRecommendation returns the highest recommendation newer than
    now - 300 s (the downscale stabilisation window), the new one included."""
    rule = KedaRule(partitions=12, min_replicas=1, max_replicas=12, lag_threshold=1000)
    assert rule(observation(0, 0, 2)) == 2  # no 2 -> 1 at start
    assert rule(observation(300, 0, 2)) == 2  # t=0 is still inside the window
    assert rule(observation(315, 0, 2)) == 1
    assert rule(observation(330, 1000, 1)) == 4  # 12 recommended, 4 allowed
    assert rule(observation(345, 0, 4)) == 8  # 12 is still the highest: up again
    assert rule(observation(630, 0, 8)) == 12  # the highest counts both ways
    assert rule(observation(631, 0, 8)) == 1


def test_fixed_replicas_that_keep_up_leave_no_backlog_and_count_replica_seconds():
    scenario = Scenario("flat", 600, step(2000, 2000, 0), even(12))
    outcome = simulate(World(), scenario, lambda o: 4, poll_s=5)
    assert outcome.scale_changes == 1  # 2 initial -> 4
    assert outcome.replica_seconds == pytest.approx(4 * 600)
    assert outcome.peak_lag < 25_000  # only the first rebalance pause queues anything
    assert outcome.time_to_drain_s < 60


def test_too_few_replicas_never_drain():
    scenario = Scenario("flat", 600, step(3000, 3000, 0), even(12))
    outcome = simulate(World(initial_replicas=2), scenario, lambda o: 2, poll_s=5)
    assert outcome.scale_changes == 0
    assert outcome.peak_lag == pytest.approx(1000 * 600, rel=0.01)
    assert outcome.time_to_drain_s >= 590


def test_a_backlog_left_when_the_load_ends_is_drained_and_paid_for():
    """Equal work: replica-seconds include consuming what arrived, not just the load's span."""
    scenario = Scenario("flat", 600, step(3000, 3000, 0), even(12))
    outcome = simulate(World(initial_replicas=2), scenario, lambda o: 2, poll_s=5)
    assert outcome.lag_when_load_ended == pytest.approx(1000 * 600, rel=0.01)
    assert outcome.replica_seconds_under_load == 2 * 600
    # 600,000 events at 2,000/s: another 300 s of two replicas
    assert outcome.replica_seconds == pytest.approx(2 * 900, abs=4)
    assert outcome.final_lag < 1


def test_the_drain_phase_is_bounded_by_the_scenario_length():
    scenario = Scenario("flat", 300, step(3000, 3000, 0), even(12))
    outcome = simulate(World(initial_replicas=1), scenario, lambda o: 1, poll_s=5)
    # 600,000 queued at 1,000/s would take 600 s; the run stops after another 300 s
    assert outcome.replica_seconds == 600
    assert outcome.final_lag == pytest.approx(300_000, rel=0.01)


def test_a_hot_partition_is_bounded_by_one_replica():
    scenario = Scenario("hot", 300, step(4000, 4000, 0), hot(12, 0.5))
    # 2000/s on partition 0; one replica does 1000/s however many replicas there are.
    outcome = simulate(World(initial_replicas=12), scenario, lambda o: 12, poll_s=5)
    assert outcome.peak_lag == pytest.approx(1000 * 300, rel=0.02)


def test_spike_shape():
    rate = spike(1.0, 9.0, 100, 10)
    assert [rate(t) for t in (99, 100, 109, 110)] == [1.0, 9.0, 9.0, 1.0]


def test_our_policy_on_a_slow_ramp_runs_what_the_load_needs_not_what_idle_replicas_show():
    """0.5k -> 3.5k ev/s over 20 minutes at 1,000 ev/s per replica: 4 replicas suffice.

    Replicas that keep up consume the arrival rate, which understates what they can do;
    sized on that, a group of 2 at 500 ev/s "needs" 3, then more, and ends at the maximum.
    """
    world = World()
    scenario = Scenario("ramp", 1200, lambda t: 500 + 2.5 * t, even(world.partitions))
    policy = OurPolicy(ours_config(world, LAG_THRESHOLD))
    counts: list[int] = []

    def recorded(observation: Observation) -> int:
        counts.append(policy(observation))
        return counts[-1]

    ours = simulate(world, scenario, recorded, OUR_POLL_S)
    rule = KedaRule(world.partitions, MIN_REPLICAS, world.partitions, LAG_THRESHOLD)
    keda = simulate(world, scenario, rule, HPA_SYNC_S)
    assert max(counts) == 4
    assert ours.replica_seconds < keda.replica_seconds
    assert ours.peak_lag < keda.peak_lag
    assert ours.scale_changes < keda.scale_changes


def test_cooperative_sticky_moves_only_what_balance_requires():
    owners = round_robin(12, 4)  # three partitions each
    grown = sticky(owners, 6)
    assert sorted(grown.count(r) for r in range(6)) == [2] * 6
    assert sum(1 for a, b in zip(owners, grown, strict=True) if a != b) == 4
    shrunk = sticky(owners, 3)
    assert sorted(shrunk.count(r) for r in range(3)) == [4] * 3
    assert sum(1 for a, b in zip(owners, shrunk, strict=True) if a != b) == 3


def test_in_the_cooperative_world_only_moved_partitions_pause():
    scenario = Scenario("flat", 120, step(2000, 2000, 0), even(12))

    def to_three(observation: Observation) -> int:
        return 3

    eager = simulate(World(rebalance_pause_s=20), scenario, to_three, poll_s=5)
    sticky_world = World(rebalance_pause_s=20, cooperative=True)
    cooperative = simulate(sticky_world, scenario, to_three, poll_s=5)
    assert eager.peak_lag == pytest.approx(2000 * 21, rel=0.05)  # everything stops
    assert cooperative.peak_lag < eager.peak_lag / 2  # a third of the partitions moved


def test_the_poll_phase_shifts_the_first_reading():
    scenario = Scenario("flat", 60, step(100, 100, 0), even(12))
    seen: list[float] = []

    def record(observation: Observation) -> int:
        seen.append(observation.at)
        return observation.current_replicas

    simulate(World(), scenario, record, poll_s=15, poll_offset_s=7.5)
    assert seen[:3] == [8.0, 23.0, 38.0]
