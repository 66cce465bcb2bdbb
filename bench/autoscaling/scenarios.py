"""Production-shaped load curves for the lag simulator.

Each scenario is an arrival rate over time (events/s for the whole topic) and a share
per partition. The shapes are the ones KEDA's users report trouble with: a step to a
new plateau, a short spike, a diurnal swing, and one hot partition.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

Rate = Callable[[float], float]


@dataclass(frozen=True)
class Scenario:
    """A named load curve over ``duration_s`` with per-partition weights."""

    name: str
    duration_s: int
    rate: Rate
    weights: tuple[float, ...]


def even(partitions: int) -> tuple[float, ...]:
    """Keys spread evenly over the partitions."""
    return tuple(1.0 / partitions for _ in range(partitions))


def hot(partitions: int, share: float) -> tuple[float, ...]:
    """Partition 0 takes ``share`` of the traffic; the rest is spread evenly."""
    rest = (1.0 - share) / (partitions - 1)
    return (share, *(rest for _ in range(partitions - 1)))


def step(base: float, high: float, at: float) -> Rate:
    """``base`` until ``at``, ``high`` after."""
    return lambda t: base if t < at else high


def spike(base: float, peak: float, at: float, length: float) -> Rate:
    """``peak`` for ``length`` seconds from ``at``; ``base`` otherwise."""
    return lambda t: peak if at <= t < at + length else base


def diurnal(low: float, high: float, period: float) -> Rate:
    """A day compressed into ``period`` seconds: trough at 0, crest at the half."""
    middle, amplitude = (low + high) / 2, (high - low) / 2
    return lambda t: middle - amplitude * math.cos(2 * math.pi * t / period)


def scenarios(partitions: int, throughput: float, *, quick: bool) -> list[Scenario]:
    """The four scenarios, scaled to the per-replica ``throughput``."""
    t = throughput
    hour = 1800 if quick else 3600
    return [
        Scenario("step", hour, step(1.5 * t, 5.5 * t, hour / 6), even(partitions)),
        Scenario("spike", hour, spike(2.0 * t, 9.0 * t, hour / 3, 120), even(partitions)),
        Scenario("diurnal", 2 * hour, diurnal(0.5 * t, 7.5 * t, 2 * hour), even(partitions)),
        Scenario("hot-partition", hour, step(2.0 * t, 3.5 * t, hour / 6), hot(partitions, 0.25)),
    ]
