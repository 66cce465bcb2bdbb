"""Flows read from offsets: the baseline, a settled window, and the throughput estimate."""

from __future__ import annotations

from types import MappingProxyType

import pytest

from eventtide.operator.lag import OffsetState, PartitionLag
from eventtide.operator.rates import (
    BUSY_BACKLOG_S,
    Rates,
    Sample,
    Throughput,
    baseline,
    rates,
    saturated,
    settled,
    throughput,
)

pytestmark = pytest.mark.unit


def sample(at: float, *, replicas: int = 2, rebalancing: bool = False) -> Sample:
    empty: MappingProxyType[int, int] = MappingProxyType({})
    return Sample(
        at=at, ends=empty, positions=empty, lag=0, replicas=replicas, rebalancing=rebalancing
    )


def flow(consumed: float) -> Rates:
    return Rates(
        arrival=consumed, consumed=consumed, growth=0.0, arrivals=MappingProxyType({}), settled=True
    )


def test_baseline_is_the_newest_sample_a_whole_window_old():
    window = (sample(0), sample(10), sample(20), sample(40))
    assert baseline(window, window[-1], 45) == sample(10)
    assert baseline(window[2:], window[-1], 45) == sample(20)  # none old enough: the oldest
    assert baseline((), sample(3), 6) == sample(3)


@pytest.mark.parametrize(
    ("window", "expected"),
    [
        ((sample(0), sample(10), sample(20)), True),
        ((sample(0, replicas=1), sample(10), sample(20)), False),  # changed after the baseline
        ((sample(-10, replicas=1), sample(0), sample(20)), True),  # changed before it
        ((sample(0), sample(10, rebalancing=True), sample(20)), False),
        ((sample(-10, rebalancing=True), sample(0), sample(20)), True),
    ],
)
def test_settled_means_same_replicas_and_no_rebalance_since_the_baseline(window, expected):
    assert settled(window, sample(0), 2) is expected
    assert settled(window, None, 2) is False


@pytest.mark.parametrize(
    ("known", "consumed", "busy", "expected"),
    [
        (None, 600, False, Throughput(300, False)),  # first sight of idle replicas: a bound
        (None, 600, True, Throughput(300, True)),
        (Throughput(400, False), 600, False, Throughput(400, False)),  # idle: only raises
        (Throughput(200, False), 600, False, Throughput(300, False)),
        (Throughput(400, False), 600, True, Throughput(300, True)),  # measured beats bound
        (Throughput(400, True), 600, True, Throughput(350, True)),  # then a moving average
        (Throughput(400, True), 600, False, Throughput(400, True)),
        (Throughput(400, True), 0, True, Throughput(400, True)),  # nothing consumed: no sample
    ],
)
def test_throughput_counts_idle_replicas_only_as_a_lower_bound(known, consumed, busy, expected):
    assert throughput(known, flow(consumed), 2, busy=busy) == expected


def lagging(partition: int, lag: int, position: int, state: OffsetState = OffsetState.OK):
    return PartitionLag(partition, lag, position, state)


def seen(at: float, ends: dict[int, int], positions: dict[int, int], lag: int = 0) -> Sample:
    return Sample(
        at=at, ends=MappingProxyType(ends), positions=MappingProxyType(positions), lag=lag
    )


def test_rates_need_a_previous_run_and_a_baseline_strictly_in_the_past():
    since, previous = seen(0, {}, {}), seen(20, {}, {})
    assert rates([], None, since, 0, 30, quiet=True) is None
    assert rates([], previous, None, 0, 30, quiet=True) is None
    assert rates([], previous, since, 0, 20, quiet=True) is None  # no time since the last run
    assert rates([], previous, since, 0, 19, quiet=True) is None
    assert rates([], previous, seen(30, {}, {}), 0, 30, quiet=True) is None  # nor the baseline
    assert rates([], previous, seen(31, {}, {}), 0, 30, quiet=True) is None
    assert rates([], previous, since, 0, 21, quiet=True) is not None


def test_arrival_since_the_previous_run_and_consumption_and_growth_since_the_baseline():
    since = seen(0, {0: 0, 1: 0}, {0: 100, 1: 200, 2: 50}, lag=300)
    previous = seen(20, {0: 1_000, 1: 2_000, 3: 500}, {0: 900, 1: 1_900}, lag=200)
    lags = [
        lagging(0, 600, 1_600),  # log end 2,200: +1,200 in 10 s; +1,500 consumed since 0
        lagging(1, 100, 2_500),  # log end 2,600: +600; +2,300 consumed
        lagging(2, 10, 40),  # went back (offset reset): consumes nothing, never negative
        lagging(3, 0, 400),  # log end 400 < 500 (topic recreated): no negative arrival
        lagging(4, 70, 30),  # new partition: in neither sample
    ]
    got = rates(lags, previous, since, 700, 30, quiet=False)
    assert got == Rates(
        arrival=180.0,
        consumed=3_800 / 30,
        growth=400 / 30,
        arrivals={0: 120.0, 1: 60.0, 3: 0.0},
        settled=False,
    )
    assert rates(lags, previous, since, 700, 30, quiet=True).settled is True  # type: ignore[union-attr]


def test_only_committed_positions_count_as_consumed():
    since = seen(0, {}, {0: 0, 1: 0, 2: 0})
    previous = seen(10, {0: 0, 1: 0, 2: 0}, {})
    lags = [
        lagging(0, 0, 100),
        lagging(1, 0, 1_000, OffsetState.MISSING),  # where it will reset to, not consumed
        lagging(2, 0, 1_000, OffsetState.INVALID),
    ]
    got = rates(lags, previous, since, 0, 20, quiet=True)
    assert got is not None
    assert got.consumed == 5.0
    assert got.arrival == 210.0  # (100 + 1,000 + 1,000) / 10 s
    assert got.growth == 0.0


def test_shrinking_lag_is_negative_growth():
    since = seen(10, {}, {0: 0}, lag=500)
    got = rates([lagging(0, 100, 300)], seen(20, {0: 400}, {}), since, 100, 30, quiet=True)
    assert got is not None
    assert got.growth == -20.0  # (100 - 500) / (30 - 10)
    assert got.consumed == 15.0  # 300 / 20 s
    assert got.arrival == 0.0


def busy(consumed: float, *, quiet: bool = True) -> Rates:
    return Rates(
        arrival=0.0, consumed=consumed, growth=0.0, arrivals=MappingProxyType({}), settled=quiet
    )


@pytest.mark.parametrize(
    ("consumed", "previous_lag", "lag", "threshold", "expected"),
    [
        (100, 1_000, 1_000, 0, True),  # exactly BUSY_BACKLOG_S seconds of output: busy
        (100, 1_000, 999, 0, False),  # the backlog fell under it now
        (100, 999, 1_000, 0, False),  # ... or was under it at the previous run
        (100, 5_000, 1_500, 0, True),
        (100, 1_500, 5_000, 0, True),
        (10, 1_999, 5_000, 2_000, False),  # the lag threshold is the floor
        (10, 2_000, 5_000, 2_000, True),
        (300, 2_999, 5_000, 2_000, False),  # ... unless the output is larger
    ],
)
def test_saturated_means_a_backlog_of_many_seconds_of_output_at_both_ends(
    consumed, previous_lag, lag, threshold, expected
):
    assert BUSY_BACKLOG_S == 10.0
    previous = seen(0, {}, {}, lag=previous_lag)
    assert saturated(busy(consumed), previous, lag, threshold) is expected


def test_saturated_needs_a_settled_interval_and_a_previous_run():
    assert saturated(busy(1, quiet=False), seen(0, {}, {}, lag=10**6), 10**6, 0) is False
    assert saturated(busy(1), None, 10**6, 0) is False
    assert saturated(busy(1), seen(0, {}, {}, lag=10**6), 10**6, 0) is True


def test_a_whole_window_old_counts_from_the_exact_second():
    window = (sample(0), sample(5), sample(10), sample(15))
    assert baseline(window, window[-1], 40) == sample(10)  # 30 s old: old enough
    assert baseline(window, window[-1], 39.9) == sample(5)


@pytest.mark.parametrize("workers", [0, -1])
def test_throughput_needs_replicas(workers):
    known = Throughput(400, True)
    assert throughput(known, flow(600), workers, busy=True) is known
    assert throughput(None, flow(600), workers, busy=True) is None


def test_throughput_of_one_replica_and_of_a_slow_trickle():
    assert throughput(None, flow(600), 1, busy=True) == Throughput(600, True)
    assert throughput(None, flow(0.5), 1, busy=False) == Throughput(0.5, False)
    assert throughput(None, None, 1, busy=True) is None
