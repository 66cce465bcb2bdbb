"""The scaling policy over tables of situations."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import pytest

from eventtide.operator.lag import PartitionOffsets
from eventtide.operator.policy import (
    GroupState,
    Observation,
    PolicyState,
    Rule,
    ScalingConfig,
    align,
    decide,
    hold,
    replicas_for_rate,
)

pytestmark = pytest.mark.unit

CONFIG = ScalingConfig(
    partitions=6,
    min_replicas=1,
    max_replicas=6,
    lag_threshold=1000,
    dwell_s=30,
    scale_down_window_s=60,
    drain_target_s=60,
    stuck_after_s=20,
)


def observe(
    at: float,
    offsets: Sequence[tuple[int, int | None]],
    current: int,
    group: GroupState = GroupState.STABLE,
) -> Observation:
    """Offsets as (log end, committed) per partition."""
    return Observation(
        at=at,
        partitions=tuple(PartitionOffsets(p, end, c) for p, (end, c) in enumerate(offsets)),
        group_state=group,
        current_replicas=current,
    )


def even(lag_per_partition: int, partitions: int = 6, base: int = 0) -> list[tuple[int, int]]:
    return [(base + lag_per_partition, base)] * partitions


@pytest.mark.parametrize(
    ("config", "lag_per_partition", "current", "desired", "rule"),
    [
        (CONFIG, 500, 1, 3, Rule.LAG_THRESHOLD),  # KEDA: ceil(3000 / 1000)
        (CONFIG, 0, 1, 1, Rule.MIN_REPLICAS),
        (CONFIG, 10_000, 1, 6, Rule.PARTITION_COUNT),
        (replace(CONFIG, max_replicas=4), 10_000, 1, 4, Rule.MAX_REPLICAS),
        (
            replace(CONFIG, allow_idle_consumers=True, max_replicas=9),
            10_000,
            1,
            9,
            Rule.MAX_REPLICAS,
        ),
        (replace(CONFIG, partition_aligned=True), 600, 1, 6, Rule.PARTITION_ALIGNED),  # 4 -> 6
        (replace(CONFIG, partition_aligned=True), 500, 1, 3, Rule.LAG_THRESHOLD),  # 3 divides 6
        (
            replace(CONFIG, scale_to_zero=True, min_replicas=0, activation_lag=100),
            10,
            1,
            1,
            Rule.SCALE_DOWN_STABILIZATION,
        ),
        (replace(CONFIG, scale_to_zero=True, min_replicas=0), 0, 0, 0, Rule.ACTIVATION),
        (replace(CONFIG, scale_to_zero=True, min_replicas=0), 1, 0, 1, Rule.LAG_THRESHOLD),
    ],
)
def test_first_decision_starts_from_kedas_rule(config, lag_per_partition, current, desired, rule):
    decision, _ = decide(config, observe(0, even(lag_per_partition), current), PolicyState())
    assert (decision.desired, decision.rule) == (desired, rule), decision.message
    assert decision.total_lag == lag_per_partition * 6


def test_no_decision_while_the_group_rebalances():
    decision, _ = decide(CONFIG, observe(0, even(5000), 1, GroupState.REBALANCING), PolicyState())
    assert (decision.desired, decision.rule) == (1, Rule.REBALANCING)
    assert decision.recommended == 6


def test_dwell_after_a_change_then_scale_up():
    first, state = decide(CONFIG, observe(0, even(300), 1), PolicyState())
    assert first.desired == 2
    held, state = decide(CONFIG, observe(10, even(1000), 2), state)
    assert (held.desired, held.rule) == (2, Rule.DWELL)
    later, _ = decide(CONFIG, observe(31, even(1000), 2), state)
    assert later.desired == 6


def test_scale_down_waits_for_the_whole_window_and_its_highest_recommendation():
    state = PolicyState()
    decision, state = decide(CONFIG, observe(0, even(1000), 6), state)
    assert decision.desired == 6
    # The backlog is gone, but the window (60 s) has not been observed in full.
    decision, state = decide(CONFIG, observe(40, even(0, base=1000), 6), state)
    assert (decision.desired, decision.rule) == (6, Rule.SCALE_DOWN_STABILIZATION)
    # 6 was recommended 50 s ago: still inside the window.
    decision, state = decide(CONFIG, observe(50, even(0, base=1000), 6), state)
    assert decision.rule is Rule.SCALE_DOWN_STABILIZATION
    assert decision.desired == 6
    # Past the window every recommendation was low: down.
    decision, state = decide(CONFIG, observe(70, even(0, base=1000), 6), state)
    assert decision.desired == 1, decision.message


def test_growing_backlog_asks_for_replicas_that_drain_it_in_the_target_time():
    """2 replicas consume 100/s each with a backlog; 900/s arrive: size for arrival + drain."""
    config = replace(CONFIG, dwell_s=0)
    state = PolicyState(observing_since=-1000, last_change_at=-1000)
    offsets = [(20_000 + 3000 * p, 20_000 + 3000 * p - 5000) for p in range(6)]
    _, state = decide(config, observe(0, offsets, 2), state)
    # 10 s later: 9000 more events, 2000 consumed; lag grew by 7000.
    later = [
        (end + 1500, committed + 334 if p < 5 else committed + 330)
        for p, (end, committed) in enumerate(offsets)
    ]
    decision, state = decide(config, observe(10, later, 2), state)
    assert decision.arrival_per_s == pytest.approx(900)
    assert decision.consumed_per_s == pytest.approx(200)
    assert decision.throughput_per_replica == pytest.approx(100)
    assert decision.lag_growth_per_s == pytest.approx(700)
    assert decision.desired == 6
    # KEDA's rule would ask for ceil(37000/1000) = 37 replicas, capped at 6 anyway;
    # the throughput rule alone asks for all partitions too: (900 + 37000/60) / 85.
    assert decision.rule in {Rule.PARTITION_COUNT, Rule.LAG_THRESHOLD, Rule.THROUGHPUT}


def test_known_throughput_sizes_a_steady_stream_without_standing_lag():
    """Caught up at 300/s with 400/s per replica measured: size on the rate, 1 replica."""
    state = PolicyState(throughput_per_replica=400.0)
    offsets = [(1000, 1000)] * 6
    first, state = decide(CONFIG, observe(0, offsets, 3), state)
    assert (first.recommended, first.desired) == (1, 3)  # the scale-down window is open
    later = [(1000 + 500, 1000 + 500)] * 6  # 300/s arrive and are consumed
    decision, state = decide(CONFIG, observe(10, later, 3), state)
    assert decision.arrival_per_s == pytest.approx(300)
    assert decision.recommended == 1
    assert decision.rule is Rule.SCALE_DOWN_STABILIZATION
    # 400/s arrive now: 400 / (400 * 0.9) needs 2 replicas, not KEDA's lag-based 1.
    busier = [(1500 + 667, 1500 + 667)] * 6
    decision, state = decide(CONFIG, observe(20, busier, 3), state)
    assert decision.recommended == 2


def test_rate_sizing_accounts_for_the_hot_partition():
    # 1200/s in all, 800/s on one partition, 1000/s per replica at 90%: the replica
    # holding the hot partition must not hold much else.
    assert replicas_for_rate(1200, 800, 1000, 6, 6) == 3
    assert replicas_for_rate(1200, 200, 1000, 6, 6) == 2
    assert replicas_for_rate(5000, 900, 1000, 6, 6) == 6


def test_stuck_partition_is_reported_and_not_scaled_on():
    config = replace(CONFIG, stuck_after_s=20)
    state = PolicyState(observing_since=-1000, last_change_at=-1000)
    healthy = 0
    decision = None
    for at in range(0, 50, 10):
        healthy += 100
        offsets = [(5000 + healthy, 0)] + [(healthy, healthy)] * 5  # p0 never moves
        decision, state = decide(config, observe(at, offsets, 1), state)
    assert decision is not None
    assert decision.stuck == (0,)
    assert decision.raw_lag >= 5000
    assert decision.total_lag == 0
    assert decision.desired == 1


def test_no_consumer_at_all_is_lag_to_scale_on_not_stuck_partitions():
    state = PolicyState(observing_since=-1000, last_change_at=-1000)
    decision = None
    for at in range(0, 60, 10):
        decision, state = decide(CONFIG, observe(at, [(2000 + at, 0)] * 6, 6), state)
    assert decision is not None
    assert decision.stuck == ()
    assert decision.total_lag == 6 * 2050
    assert decision.desired == 6


@pytest.mark.parametrize(
    ("reset", "lag", "desired"),
    [("latest", 0, 1), ("earliest", 12_000, 6)],
)
def test_missing_offsets_count_from_where_the_consumer_resumes(reset, lag, desired):
    config = replace(CONFIG, offset_reset=reset)
    decision, _ = decide(config, observe(0, [(2000, None)] * 6, 1), PolicyState())
    assert decision.missing == (0, 1, 2, 3, 4, 5)
    assert decision.total_lag == lag
    assert decision.desired == desired


@pytest.mark.parametrize(("reset", "lag"), [("latest", 0), ("earliest", 600)])
def test_invalid_offsets_count_from_the_reset_position_not_the_stale_offset(reset, lag):
    """Committed 10,000 on a log that ends at 100 (topic recreated): not lag of -9,900."""
    config = replace(CONFIG, offset_reset=reset)
    decision, _ = decide(config, observe(0, [(100, 10_000)] * 6, 2), PolicyState())
    assert decision.invalid == (0, 1, 2, 3, 4, 5)
    assert decision.total_lag == lag
    assert decision.desired == 2


def test_unreadable_lag_keeps_the_replicas_even_with_scale_to_zero():
    decision = hold(4, "KafkaError: broker down", 10.0)
    assert (decision.desired, decision.rule, decision.changes) == (4, Rule.LAG_UNAVAILABLE, False)
    assert "broker down" in decision.message


@pytest.mark.parametrize(
    ("replicas", "partitions", "ceiling", "aligned"),
    [(4, 6, 6, 6), (5, 12, 12, 6), (7, 12, 12, 12), (7, 12, 8, 6), (1, 7, 7, 1), (2, 7, 7, 7)],
)
def test_align_to_divisors(replicas, partitions, ceiling, aligned):
    assert align(replicas, partitions, ceiling) == aligned


def test_decision_inputs_are_json_ready():
    decision, _ = decide(CONFIG, observe(0, even(500), 1), PolicyState())
    inputs = decision.inputs()
    assert inputs["totalLag"] == 3000
    assert inputs["groupState"] == "Stable"
    assert inputs["recommended"] == 3


def test_throughput_is_not_fooled_by_offsets_committed_in_steps():
    """Busy replicas at 100/s each commit every 5 s; polls every 2 s see stairs, not bursts."""
    config = replace(CONFIG, max_replicas=2, lag_threshold=100)
    state = PolicyState(observing_since=-1000, last_change_at=-1000)
    decision = None
    for at in range(0, 90, 2):
        committed_at = at - at % 5
        consumed = 200 * committed_at // 6  # 2 replicas * 100/s over 6 partitions
        ends = 20_000 + 150 * at // 6  # 150/s arrive: the backlog only grows
        decision, state = decide(config, observe(at, [(ends, consumed)] * 6, 2), state)
    assert decision is not None
    assert decision.throughput_per_replica == pytest.approx(100, rel=0.1)


# Scale-up needs evidence: a throughput seen only on idle replicas is a lower bound.

SETTLED = PolicyState(observing_since=-1000, last_change_at=-1000)


def steady(at: float, rate_per_partition: int, lag_per_partition: int) -> list[tuple[int, int]]:
    """Six partitions, each receiving and consuming ``rate_per_partition``/s since t=0."""
    end = 100_000 + rate_per_partition * int(at)
    return [(end, end - lag_per_partition)] * 6


def primed(
    config: ScalingConfig, state: PolicyState, offsets: list[tuple[int, int]], current: int
) -> PolicyState:
    """``state`` after a first reading at t=0 whose decision was not applied."""
    _, after = decide(config, observe(0, offsets, current), state)
    return replace(after, last_change_at=state.last_change_at, recommendations=())


@pytest.mark.parametrize(
    ("state", "lag_per_partition", "desired", "rule", "measured"),
    [
        # 600/s consumed by 2 replicas: each does at least 300/s, which sized at 90%
        # asks for 3; but the lag (600) is within lagThreshold per replica: 2 keep up.
        (SETTLED, 100, 2, Rule.KEEPING_UP, False),
        # The same flow with 3,000 lag, past 2 x lagThreshold: the group falls behind
        # by KEDA's own measure, and the lower-bound sizing decides how far to go.
        (SETTLED, 500, 3, Rule.THROUGHPUT, False),
        # A throughput measured on busy replicas is trusted: scale up before lag builds.
        (
            replace(SETTLED, throughput_per_replica=300.0, throughput_measured=True),
            100,
            3,
            Rule.THROUGHPUT,
            True,
        ),
    ],
)
def test_scale_up_on_a_lower_bound_throughput_needs_lag_evidence(
    state, lag_per_partition, desired, rule, measured
):
    state = primed(CONFIG, state, steady(0, 100, lag_per_partition), 2)
    decision, _ = decide(CONFIG, observe(10, steady(10, 100, lag_per_partition), 2), state)
    assert decision.arrival_per_s == pytest.approx(600)
    assert decision.consumed_per_s == pytest.approx(600)
    assert (decision.desired, decision.rule) == (desired, rule), decision.message
    assert decision.throughput_measured is measured
    assert decision.inputs()["throughputMeasured"] is measured


@pytest.mark.parametrize(
    ("lag_per_partition", "desired", "rule"),
    [
        (10, 1, Rule.THROUGHPUT),
        # 1,200 lag: KEDA's count is 2. Below it, the lag alone would call for a scale-up
        # again (the commit sawtooth can do that), so a bound does not go lower.
        (200, 2, Rule.LAG_THRESHOLD),
    ],
)
def test_a_lower_bound_throughput_still_sizes_a_scale_down(lag_per_partition, desired, rule):
    """300/s per replica was seen; 150/s arrive now: 1 replica is enough even at that bound."""
    state = replace(SETTLED, throughput_per_replica=300.0)
    state = primed(CONFIG, state, steady(0, 25, lag_per_partition), 3)
    decision, _ = decide(CONFIG, observe(10, steady(10, 25, lag_per_partition), 3), state)
    assert (decision.desired, decision.rule) == (desired, rule), decision.message
    assert decision.throughput_measured is False


def test_lag_queued_by_a_rebalance_does_not_ask_for_kedas_count():
    """After a change the pause queues arrivals; they drain, they are not a sign of need.

    3 replicas measured at 400/s each, 600/s arriving: 2 replicas suffice. Growth measured
    across the rebalance would call for KEDA's ceil(6000 / 1000) = 6.
    """
    measured = replace(SETTLED, throughput_per_replica=400.0, throughput_measured=True)
    state = primed(CONFIG, measured, steady(0, 100, 0), 3)
    state = replace(state, last_change_at=-1)
    _, state = decide(CONFIG, observe(10, steady(10, 100, 1000), 3, GroupState.REBALANCING), state)
    decision, _ = decide(CONFIG, observe(20, steady(20, 100, 1000), 3), state)
    assert decision.lag_growth_per_s == pytest.approx(300)
    assert decision.recommended == 2, decision.message

    # The same growth with no rebalance in the window: the replicas fall behind.
    state = primed(CONFIG, measured, steady(0, 100, 0), 3)
    decision, _ = decide(CONFIG, observe(20, steady(20, 100, 1000), 3), state)
    assert decision.lag_growth_per_s == pytest.approx(300)
    assert (decision.recommended, decision.rule) == (6, Rule.LAG_THRESHOLD)


def test_a_backlog_on_one_partition_is_drained_only_by_the_replica_that_owns_it():
    """800/s and 12,000 lag on partition 0, 20/s on the others, 1000/s per replica.

    Draining it within 60 s needs 1000/s on partition 0 alone: only a replica of its own
    gives that. Spread over the topic, the same backlog would look like 3 replicas' worth.
    """
    config = replace(CONFIG, lag_threshold=50_000)
    state = replace(SETTLED, throughput_per_replica=1000.0, throughput_measured=True)

    def offsets(at: int) -> list[tuple[int, int]]:
        hot = (100_000 + 800 * at, 88_000 + 800 * at)
        return [hot] + [(1000 + 20 * at, 1000 + 20 * at)] * 5

    state = primed(config, state, offsets(0), 2)
    decision, _ = decide(config, observe(10, offsets(10), 2), state)
    assert decision.arrival_per_s == pytest.approx(900)
    assert (decision.desired, decision.rule) == (6, Rule.THROUGHPUT), decision.message


@pytest.mark.parametrize(("paused", "measured", "estimate"), [(False, True, 50), (True, False, 33)])
def test_throughput_is_measured_only_on_busy_replicas_outside_rebalances(
    paused, measured, estimate
):
    """2 replicas consume 50/s each under a growing backlog; 25/s was seen before.

    A busy sample replaces the lower bound; a window with a rebalance in it would read the
    pause as slow replicas, so it can only raise the bound.
    """
    config = replace(CONFIG, max_replicas=2, lag_threshold=100)
    state = replace(SETTLED, throughput_per_replica=25.0)
    decision = None
    for at in range(0, 40, 10):
        group = GroupState.REBALANCING if paused and at == 10 else GroupState.STABLE
        busy_for = at - 10 if paused and at >= 20 else (0 if paused and at >= 10 else at)
        consumed = 100 * busy_for // 6  # per partition: 2 x 50/s over 6 partitions
        ends = 20_000 + 150 * at // 6
        decision, state = decide(config, observe(at, [(ends, consumed)] * 6, 2, group), state)
    assert decision is not None
    assert decision.throughput_measured is measured
    assert decision.throughput_per_replica == pytest.approx(estimate, rel=0.05)


def test_no_replicas_at_all_never_count_as_keeping_up():
    """Just scaled to zero, with a lower-bound throughput: the lag that arrives is served
    even though the window is not settled yet."""
    config = replace(CONFIG, scale_to_zero=True, min_replicas=0)
    state = replace(SETTLED, throughput_per_replica=300.0)

    def offsets(at: int) -> list[tuple[int, int]]:
        return [(1000 + 10 * at, 1000)] * 6  # 60/s arrive, nobody consumes

    state = primed(config, state, offsets(0), 1)
    decision, _ = decide(config, observe(10, offsets(10), 0), state)
    assert (decision.desired, decision.rule) == (1, Rule.THROUGHPUT), decision.message


# Boundaries and branches that change the replica count (each pinned against a mutant).


@pytest.mark.parametrize(("at", "desired"), [(69, 5), (70, 1)])
def test_scale_down_goes_to_the_highest_recommendation_still_in_the_window(at, desired):
    """6 running, 5 recommended at t=10, nothing lagging now: down to 5 while that
    recommendation is inside the 60 s window (not to the 1 recommended now); once it is
    exactly 60 s old it has left the window, and 1 it is."""
    state = PolicyState(observing_since=-1000, recommendations=((10, 5),))
    decision, _ = decide(CONFIG, observe(at, even(0, base=1000), 6), state)
    assert decision.recommended == 1
    assert decision.desired == desired, decision.message


def test_a_backlog_after_the_producers_stop_keeps_the_replicas_that_drain_it():
    """Arrivals stop with 540,000 events queued; 6 replicas drain 1,000/s each. No arrivals
    is not "nothing to do": draining within 60 s needs all 6."""
    state = replace(SETTLED, throughput_per_replica=1000.0, throughput_measured=True)

    def offsets(at: int) -> list[tuple[int, int]]:
        return [(200_000, 100_000 + 1000 * at)] * 6  # ends fixed, 1,000/s consumed each

    state = primed(CONFIG, state, offsets(0), 6)
    decision, _ = decide(CONFIG, observe(10, offsets(10), 6), state)
    assert decision.arrival_per_s == 0
    assert decision.total_lag == 540_000
    assert (decision.recommended, decision.desired) == (6, 6), decision.message


def test_idle_partitions_without_lag_are_not_stuck():
    """Three partitions receive nothing and have nothing queued: their offsets stand still
    because there is nothing to consume, not because a message is poisoned."""
    state = replace(SETTLED)
    decision = None
    for at in range(0, 60, 10):
        busy = 1000 + 50 * at
        offsets = [(busy, busy)] * 3 + [(500, 500)] * 3
        decision, state = decide(CONFIG, observe(at, offsets, 2), state)
    assert decision is not None
    assert decision.stuck == ()


def test_an_aligned_count_never_falls_below_min_replicas():
    """6 partitions, 4 to 5 replicas: no divisor of 6 fits, 3 would be below the minimum."""
    config = replace(CONFIG, min_replicas=4, max_replicas=5, partition_aligned=True)
    decision, _ = decide(config, observe(0, even(0), 4), PolicyState())
    assert (decision.recommended, decision.rule) == (4, Rule.MIN_REPLICAS)


@pytest.mark.parametrize(("until", "stuck"), [(10, ()), (20, (0,))])
def test_a_partition_is_stuck_once_stalled_for_exactly_stuck_after(until, stuck):
    """p0 has lag and stays put from t=0 on while the others progress; stuckAfter is 20 s."""
    state = replace(SETTLED)
    decision = None
    for at in range(0, until + 1, 10):
        healthy = 100 + 10 * at
        offsets = [(5000 + healthy, 0)] + [(healthy, healthy)] * 5
        decision, state = decide(CONFIG, observe(at, offsets, 1), state)
    assert decision is not None
    assert decision.stuck == stuck


@pytest.mark.parametrize(
    ("arrival", "hottest", "partitions", "replicas"),
    [
        (500, 500, 1, 1),  # one partition: no "others" to share it with
        (1250, 700, 6, 3),  # 2 replicas: 700 + 2 x 550/5 = 920 > 900
        (1200, 700, 6, 2),  # 2 replicas: 700 + 2 x 500/5 = 900, exactly the budget
        (1800, 300, 6, 2),  # 2 replicas: 900 each, exactly the budget
    ],
)
def test_rate_sizing_boundaries(arrival, hottest, partitions, replicas):
    """1,000/s per replica at 90%: a budget of 900/s, which a replica may use in full."""
    assert replicas_for_rate(arrival, hottest, 1000, partitions, partitions) == replicas


def test_a_lower_bound_does_not_scale_up_while_lag_equals_kedas_count():
    """2 replicas, 1,800 lag: KEDA's count is 2, the current one, so the group is not
    falling behind by KEDA's measure even though the bound-sized count is 3."""
    state = primed(CONFIG, SETTLED, steady(0, 100, 300), 2)
    decision, _ = decide(CONFIG, observe(10, steady(10, 100, 300), 2), state)
    assert (decision.desired, decision.rule) == (2, Rule.KEEPING_UP), decision.message
    more, _ = decide(CONFIG, observe(10, steady(10, 100, 350), 2), state)
    assert (more.desired, more.rule) == (3, Rule.THROUGHPUT), more.message


def test_an_aligned_count_equal_to_min_replicas_is_taken():
    """KEDA's 5 on 6 partitions with at most 5 replicas: 3 is the largest divisor that
    fits, and it is the minimum itself, so it stands."""
    config = replace(CONFIG, min_replicas=3, max_replicas=5, partition_aligned=True)
    decision, _ = decide(config, observe(0, even(750), 3), PolicyState())
    assert (decision.recommended, decision.rule) == (3, Rule.PARTITION_ALIGNED)


@pytest.mark.parametrize(("at", "desired"), [(59, 6), (60, 1)])
def test_scale_down_is_allowed_once_exactly_one_window_was_observed(at, desired):
    state = PolicyState(observing_since=0)
    decision, _ = decide(CONFIG, observe(at, even(0, base=1000), 6), state)
    assert decision.desired == desired, decision.message
