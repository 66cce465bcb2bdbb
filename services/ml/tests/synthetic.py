"""Synthetic metric series with daily and weekly seasonality and injected incidents.

Made here, not by the generator: the generator's platform incidents are pending, and the
detector's evaluation harness must be exercised on something with a known truth now.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from eventtide.ml.evaluate import Interval
from eventtide.ml.history import DAY_S

STEP = 300.0  # five-minute windows
MONDAY = 4 * DAY_S  # 1970-01-05 was a Monday


@dataclass(frozen=True)
class Funnel:
    """Per window: checkouts and purchases, with the times of the windows."""

    times: np.ndarray
    checkouts: np.ndarray
    purchases: np.ndarray


def seasonal_mean(times: np.ndarray, level: float) -> np.ndarray:
    """Busiest in the evening, quieter at weekends."""
    hour = (times % DAY_S) / 3600.0
    daily = 1.0 + 0.6 * np.cos(2 * np.pi * (hour - 20.0) / 24.0)
    weekday = ((times // DAY_S).astype(int) + 3) % 7
    weekly = np.where(weekday >= 5, 0.7, 1.1)
    return level * daily * weekly


def counts(
    days: int, level: float, seed: int, start: float = MONDAY
) -> tuple[np.ndarray, np.ndarray]:
    """Poisson counts around the seasonal mean."""
    times = start + np.arange(int(days * DAY_S / STEP)) * STEP
    rng = np.random.default_rng(seed)
    return times, rng.poisson(seasonal_mean(times, level)).astype(float)


def funnel(days: int, seed: int, rate: float = 0.6, start: float = MONDAY) -> Funnel:
    """Checkouts around the seasonal mean, purchases a binomial share of them."""
    times, checkouts = counts(days, 12.0, seed, start)
    rng = np.random.default_rng(seed + 1)
    purchases = rng.binomial(checkouts.astype(int), rate).astype(float)
    return Funnel(times, checkouts, purchases)


def inside(times: np.ndarray, incident: Interval) -> np.ndarray:
    """Which windows start inside an incident."""
    return (times >= incident.start) & (times < incident.end)
