"""Seasonal baselines for metric series: what a window is expected to hold.

A multiplicative profile, level x hour-of-day x day-of-week, fitted with trimmed means
so that the incidents inside the training weeks barely move it. It needs a week of
history for the weekly factor (fewer days leave it at 1) and works at any window size
(a window takes the factors of the hour and day it starts in). Conversion rates get a
pooled rate per hour of day instead: at a few checkouts per window a ratio of ratios
would be mostly noise.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np

from eventtide.ml.history import DAY_S, FloatArray, IntArray

HOUR_S: Final = 3_600.0
TRIM: Final = 0.1
"""Share cut from each end before averaging a slot."""
RATE_PRIOR: Final = 20.0
"""Pseudo-count that pulls a thin hour's rate towards the overall rate."""


def hour_of_day(times: FloatArray) -> IntArray:
    """0-23 (UTC) of each Unix time."""
    return (np.floor((times % DAY_S) / HOUR_S)).astype(np.int64)


def day_of_week(times: FloatArray) -> IntArray:
    """0 = Monday ... 6 = Sunday (UTC); 1970-01-01 was a Thursday."""
    return ((np.floor(times / DAY_S).astype(np.int64) + 3) % 7).astype(np.int64)


def trimmed_mean(values: FloatArray, trim: float = TRIM) -> float:
    """Mean after dropping the lowest and highest ``trim`` share (NaN when empty)."""
    if values.size == 0:
        return float("nan")
    ordered = np.sort(values)
    cut = int(values.size * trim)
    kept = ordered[cut : values.size - cut] if values.size - 2 * cut > 0 else ordered
    return float(kept.mean())


@dataclass(frozen=True)
class SeasonalProfile:
    """expected(t) = level x hourly[hour(t)] x weekly[weekday(t)]."""

    level: float
    hourly: FloatArray
    weekly: FloatArray

    def expected(self, times: FloatArray) -> FloatArray:
        """The expected value of windows starting at ``times``."""
        return self.level * self.hourly[hour_of_day(times)] * self.weekly[day_of_week(times)]


def fit_profile(times: FloatArray, values: FloatArray) -> SeasonalProfile:
    """Fit the profile on a training stretch of a series (window start times, values)."""
    level = trimmed_mean(values)
    if not np.isfinite(level) or level <= 0:
        return SeasonalProfile(0.0, np.ones(24), np.ones(7))
    hours = hour_of_day(times)
    hourly = np.ones(24)
    for hour in range(24):
        slot = trimmed_mean(values[hours == hour])
        if np.isfinite(slot):
            hourly[hour] = max(slot / level, 1e-3)
    weekly = np.ones(7)
    days = day_of_week(times)
    if np.unique(np.floor(times / DAY_S)).size >= 7:
        deseasoned = values / (level * hourly[hours])
        for day in range(7):
            slot = trimmed_mean(deseasoned[days == day])
            if np.isfinite(slot):
                weekly[day] = max(slot, 1e-3)
    return SeasonalProfile(level, hourly, weekly)


@dataclass(frozen=True)
class RateProfile:
    """Expected step-to-step conversion per hour of day (pooled numerators/denominators)."""

    overall: float
    hourly: FloatArray

    def expected(self, times: FloatArray) -> FloatArray:
        """The expected rate of windows starting at ``times``."""
        return self.hourly[hour_of_day(times)]


def fit_rate_profile(
    times: FloatArray, numerator: FloatArray, denominator: FloatArray
) -> RateProfile:
    """Pooled rate per hour of day, shrunk towards the overall rate where volume is thin."""
    total = float(denominator.sum())
    overall = float(numerator.sum()) / total if total > 0 else 0.0
    hours = hour_of_day(times)
    num = np.bincount(hours, weights=numerator, minlength=24)
    den = np.bincount(hours, weights=denominator, minlength=24)
    hourly = (num + RATE_PRIOR * overall) / (den + RATE_PRIOR)
    return RateProfile(overall, hourly)
