"""The lag simulator and the KEDA rule it compares against: physics and rule checks."""

from __future__ import annotations

import pytest

from bench.autoscaling.keda import HPA_SYNC_S, KedaRule
from bench.autoscaling.ours import OurPolicy
from bench.autoscaling.run import LAG_THRESHOLD, MIN_REPLICAS, OUR_POLL_S, ours_config
from bench.autoscaling.scenarios import Scenario, even, hot, spike, step
from bench.autoscaling.simulator import World, simulate
from eventtide.operator.lag import PartitionOffsets
from eventtide.operator.policy import GroupState, Observation

pytestmark = pytest.mark.unit


def observation(at: float, lag_per_partition: int, current: int) -> Observation:
    return Observation(
        at=at,
        partitions=tuple(PartitionOffsets(p, lag_per_partition, 0) for p in range(12)),
        group_state=GroupState.STABLE,
        current_replicas=current,
    )


def test_keda_rule_is_ceil_lag_over_threshold_with_hpa_limits():
    rule = KedaRule(partitions=12, min_replicas=1, max_replicas=12, lag_threshold=1000)
    assert rule(observation(0, 250, 1)) == 3  # ceil(3000 / 1000)
    assert rule(observation(15, 10_000, 3)) == 7  # HPA: at most double or +4 per step
    assert rule(observation(30, 10_000, 7)) == 12  # capped at the partition count
    assert rule(observation(45, 0, 12)) == 12  # 300 s scale-down stabilization
    assert rule(observation(400, 0, 12)) == 1


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
    policy = OurPolicy(ours_config(world))
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
