"""Seasonal baselines for metric series: what a window is expected to hold.

A multiplicative profile, level x trend x hour-of-day x day-of-week, fitted with trimmed
means so that the incidents inside the training weeks barely move it. It needs a week of
history for the weekly factor and two for the trend (fewer days leave them flat) and works at
any window size (a window takes the factors of the hour and day it starts in). The trend
is there because populations drift: a product losing a few users a day otherwise reads
as an ever deeper "drop" the further the judged stretch is from the training one.
Conversion rates get a pooled rate per hour of day instead: at a few checkouts per
window a ratio of ratios would be mostly noise.
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
TREND_MIN_DAYS: Final = 14
"""Days spanned before a trend is fitted: two weeks give seven same-weekday pairs."""
TREND_DAY_COVERAGE: Final = 0.5
"""Share of a day's windows that must be present for the day to count in the trend."""


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
    """expected(t) = level x exp(trend x days since anchor) x hourly[hour(t)] x weekly[weekday(t)].

    ``trend`` is a log-scale slope per day (0.01 is about +1% a day) and ``anchor`` the
    time at which the level holds (the training stretch's median window time).
    """

    level: float
    hourly: FloatArray
    weekly: FloatArray
    trend: float = 0.0
    anchor: float = 0.0

    def expected(self, times: FloatArray) -> FloatArray:
        """The expected value of windows starting at ``times``."""
        drift = np.exp(self.trend * (times - self.anchor) / DAY_S)
        return (
            self.level * drift * self.hourly[hour_of_day(times)] * self.weekly[day_of_week(times)]
        )


def _shape(times: FloatArray, values: FloatArray) -> SeasonalProfile:
    """Level, hourly and weekly factors of a series with no trend."""
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


def fit_trend(times: FloatArray, values: FloatArray, shape: SeasonalProfile) -> float:
    """Log-scale slope per day of the series' daily level; 0 without two weeks of data.

    The seasonal Kendall slope (Hirsch, Slack and Smith, 1982): the median of the slopes
    between days on the same weekday, so the weekday pattern cannot pass for a trend and
    a few incident days cannot tilt it. A day's level is its total over the total the
    hour-of-day shape expects, a ratio of sums: on a thin series most single windows are
    zero. Only days with at least half the windows of the fullest day take part.
    """
    if shape.level <= 0 or times.size == 0:
        return 0.0
    day_index = np.floor(times / DAY_S).astype(np.int64)
    day_index -= day_index.min()
    windows = np.bincount(day_index)
    observed = np.bincount(day_index, weights=values)
    expected = np.bincount(day_index, weights=shape.level * shape.hourly[hour_of_day(times)])
    kept = np.flatnonzero(
        (windows >= TREND_DAY_COVERAGE * windows.max()) & (observed > 0) & (expected > 0)
    )
    if kept.size == 0 or kept[-1] - kept[0] < TREND_MIN_DAYS - 1:
        return 0.0
    level = np.log(observed[kept] / expected[kept])
    first, second = np.triu_indices(kept.size, k=1)
    lag = kept[second] - kept[first]
    same_weekday = lag % 7 == 0
    if not same_weekday.any():
        return 0.0
    slopes = (level[second] - level[first])[same_weekday] / lag[same_weekday]
    return float(np.median(slopes))


def fit_profile(times: FloatArray, values: FloatArray) -> SeasonalProfile:
    """Fit the profile on a training stretch of a series (window start times, values).

    The trend is read first, from same-weekday days, and the shape fitted on the
    detrended values, so a drifting level does not leak into the weekday factors.
    """
    shape = _shape(times, values)
    trend = fit_trend(times, values, shape)
    if trend == 0.0:
        return shape
    anchor = float(np.median(times))
    detrended = values / np.exp(trend * (times - anchor) / DAY_S)
    refit = _shape(times, detrended)
    return SeasonalProfile(refit.level, refit.hourly, refit.weekly, trend, anchor)


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
