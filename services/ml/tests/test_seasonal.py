"""The seasonal baseline recovers daily and weekly shape."""

from __future__ import annotations

import numpy as np
import pytest
from synthetic import MONDAY, counts, seasonal_mean

from eventtide.ml.history import DAY_S
from eventtide.ml.seasonal import (
    day_of_week,
    fit_profile,
    fit_rate_profile,
    fit_trend,
    hour_of_day,
    trimmed_mean,
)

pytestmark = pytest.mark.unit


def test_calendar_slots_are_utc_hours_and_weekdays_from_monday():
    assert hour_of_day(np.array([MONDAY + 3 * 3600.0 + 59])).tolist() == [3]
    assert day_of_week(np.array([MONDAY, MONDAY + 6 * DAY_S, 0.0])).tolist() == [0, 6, 3]


def test_trimmed_mean_ignores_a_few_extreme_values():
    values = np.array([10.0] * 18 + [1000.0, 0.0])
    assert trimmed_mean(values) == pytest.approx(10.0)
    assert np.mean(values) > 50


def test_profile_fitted_on_two_weeks_predicts_the_third_within_five_percent():
    times, values = counts(21, 40.0, seed=1)
    train = times < MONDAY + 14 * DAY_S
    profile = fit_profile(times[train], values[train])
    truth = seasonal_mean(times[~train], 40.0)
    error = np.abs(profile.expected(times[~train]) - truth) / truth
    assert float(np.median(error)) < 0.05
    assert profile.weekly[5] < 0.8 * profile.weekly[1]  # the weekend dip is learnt


def test_without_a_week_of_history_the_weekly_factor_stays_flat():
    times, values = counts(3, 40.0, seed=2)
    assert fit_profile(times, values).weekly.tolist() == [1.0] * 7


def test_rate_profile_pools_counts_and_shrinks_thin_hours_to_the_overall_rate():
    times = MONDAY + np.arange(48) * 3600.0
    den = np.where(hour_of_day(times) == 3, 1.0, 100.0)
    num = np.where(hour_of_day(times) == 3, 1.0, 50.0)
    profile = fit_rate_profile(times, num, den)
    assert profile.overall == pytest.approx((46 * 50 + 2) / (46 * 100 + 2))
    assert profile.hourly[4] == pytest.approx((100 + 20 * profile.overall) / (200 + 20))
    assert 0.5 < profile.hourly[3] < 0.6  # two lucky purchases out of two barely move it


def test_a_shrinking_population_is_extrapolated_instead_of_read_as_a_drop():
    times, _ = counts(28, 40.0, seed=5)
    days = (times - MONDAY) / DAY_S
    shrinking = np.random.default_rng(5).poisson(seasonal_mean(times, 40.0) * np.exp(-0.02 * days))
    train, later = times < MONDAY + 14 * DAY_S, times >= MONDAY + 21 * DAY_S
    profile = fit_profile(times[train], shrinking[train].astype(float))
    assert profile.trend == pytest.approx(-0.02, abs=0.004)
    truth = seasonal_mean(times[later], 40.0) * np.exp(-0.02 * days[later])
    error = np.abs(profile.expected(times[later]) - truth) / truth
    assert float(np.median(error)) < 0.05
    level_only = np.abs(profile.level * profile.hourly[hour_of_day(times[later])]
                        * profile.weekly[day_of_week(times[later])] - truth) / truth  # fmt: skip
    assert float(np.median(level_only)) > 0.15  # without the trend: off by a sixth or more


def test_a_steady_series_gets_no_trend_and_a_short_one_none_at_all():
    times, values = counts(14, 40.0, seed=6)
    shape = fit_profile(times, values)
    assert abs(fit_trend(times, values, shape)) < 0.003
    short_times, short_values = counts(10, 40.0, seed=6)
    growing = short_values * np.linspace(1.0, 2.0, short_values.size)
    assert fit_profile(short_times, growing).trend == 0.0
