"""Flows read from offsets: the baseline, a settled window, and the throughput estimate."""

from __future__ import annotations

from types import MappingProxyType

import pytest

from eventtide.operator.rates import Rates, Sample, Throughput, baseline, settled, throughput

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
