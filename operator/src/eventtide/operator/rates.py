"""What the offsets say about the flow: arrivals, consumption, lag growth, and what one
replica can consume. Pure; no I/O.

Why its own module: lag is a stock, and a policy that only looks at the stock shrinks
the group the moment it catches up and oscillates (KEDA's users' complaint). The flows
have to be read from offsets that move in steps (consumers commit every few seconds)
and across rebalances (which stop consumption), and each of those pitfalls is handled
here, once, with a name.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from eventtide.operator.lag import OffsetState, PartitionLag

THROUGHPUT_SMOOTHING = 0.5
"""Weight of a new per-replica throughput sample in the moving average."""
CONSUMPTION_WINDOW_S = 30.0
"""Consumption is measured over at least this long: consumers commit every few seconds,
so committed offsets move in steps and a shorter interval reads as bursts and stalls.
Arrivals (log-end offsets) move smoothly and are measured between consecutive runs."""
BUSY_BACKLOG_S = 10.0
"""Replicas are saturated when the backlog stays above this many seconds of their output.

Consumers commit every few seconds, so a few seconds of lag is normal for idle ones."""


@dataclass(frozen=True)
class Sample:
    """What one run saw, kept for rates."""

    at: float
    ends: Mapping[int, int]
    positions: Mapping[int, int]
    lag: int
    replicas: int = 0
    """The consumer's replicas when the sample was taken."""
    rebalancing: bool = False
    """The group was rebalancing: nothing was consumed for part of the interval."""


@dataclass(frozen=True)
class Rates:
    """Events per second."""

    arrival: float
    """Since the previous run (log-end offsets move smoothly)."""
    consumed: float
    """Since the baseline, about CONSUMPTION_WINDOW_S ago (committed offsets move in steps)."""
    growth: float
    """Lag growth since the baseline: over one poll it is mostly the commit sawtooth."""
    arrivals: Mapping[int, float]
    """Per partition, since the previous run."""
    settled: bool
    """No scale change and no rebalance since the baseline, so consumption and growth
    describe the group as it is now, not a pause that has already passed."""


@dataclass(frozen=True)
class Throughput:
    """Events per second one replica consumes."""

    per_replica: float
    measured: bool
    """Measured on saturated replicas at least once. Until then ``per_replica`` is only a
    lower bound: a replica that keeps up consumes the arrival rate, whatever it could do,
    so sizing on it would ask for more replicas than needed, which then never saturate
    and never correct it."""


def baseline(window: Sequence[Sample], previous: Sample | None, now: float) -> Sample | None:
    """The newest sample at least CONSUMPTION_WINDOW_S old, else the oldest one kept."""
    older = [sample for sample in window if now - sample.at >= CONSUMPTION_WINDOW_S]
    if older:
        return older[-1]
    return window[0] if window else previous


def settled(window: Sequence[Sample], since: Sample | None, replicas: int) -> bool:
    """Whether the group ran undisturbed, with ``replicas``, from ``since`` until now.

    A change of the replica count is a rebalance that stops consumption and queues the
    arrivals of the pause; lag growth and consumption measured across it describe the
    pause, not what the replicas can do. The count is the one observed, not the one
    decided: in dryRun nothing changes, and a change made by hand counts as well.
    """
    if since is None:
        return False
    return all(
        sample.replicas == replicas and not sample.rebalancing
        for sample in window
        if sample.at >= since.at
    )


def rates(
    lags: Sequence[PartitionLag],
    previous: Sample | None,
    since: Sample | None,
    lag: int,
    now: float,
    *,
    quiet: bool,
) -> Rates | None:
    """Arrival since the previous run; consumption and growth since ``since``."""
    if previous is None or since is None or now <= previous.at or now <= since.at:
        return None
    elapsed = now - previous.at
    arrivals: dict[int, float] = {}
    consumed = 0
    for item in lags:
        end = item.lag + item.position
        if item.partition in previous.ends:
            arrivals[item.partition] = max(end - previous.ends[item.partition], 0) / elapsed
        if item.state is OffsetState.OK and item.partition in since.positions:
            consumed += max(item.position - since.positions[item.partition], 0)
    return Rates(
        arrival=sum(arrivals.values()),
        consumed=consumed / (now - since.at),
        growth=(lag - since.lag) / (now - since.at),
        arrivals=arrivals,
        settled=quiet,
    )


def saturated(rates: Rates, previous: Sample | None, lag: int, lag_threshold: int) -> bool:
    """Whether the replicas were busy all along: a backlog of many seconds of their output
    persisted across a settled interval."""
    return (
        rates.settled
        and previous is not None
        and min(previous.lag, lag) >= max(lag_threshold, rates.consumed * BUSY_BACKLOG_S)
    )


def throughput(
    known: Throughput | None, rates: Rates | None, workers: int, *, busy: bool
) -> Throughput | None:
    """Moving average of events/s one replica consumes, learnt only from busy replicas.

    A replica with nothing to do consumes exactly the arrival rate, which says nothing
    about what it could do; so a sample counts fully only while the replicas were busy
    (:func:`saturated`) and otherwise may only raise the estimate, which stays a lower
    bound until a busy sample arrives. The first busy sample replaces the bound: it is
    a measurement, the bound was not.
    """
    if rates is None or rates.consumed <= 0 or workers <= 0:
        return known
    sample = rates.consumed / workers
    if known is None or (busy and not known.measured):
        return Throughput(sample, busy)
    if busy:
        smoothed = THROUGHPUT_SMOOTHING * sample + (1 - THROUGHPUT_SMOOTHING) * known.per_replica
        return Throughput(smoothed, True)
    return Throughput(max(known.per_replica, sample), known.measured)
