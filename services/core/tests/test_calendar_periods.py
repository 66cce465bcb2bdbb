"""Local calendar periods: starts, steps and distances, months included."""

from __future__ import annotations

from datetime import datetime

import pytest

from eventtide.core.db.queries.calendar import periods_between, shift, start_of

pytestmark = pytest.mark.unit

AT = datetime(2026, 3, 29, 2, 30)  # a Sunday


@pytest.mark.parametrize(
    ("period", "start"),
    [("day", datetime(2026, 3, 29)), ("week", datetime(2026, 3, 23)),
     ("month", datetime(2026, 3, 1))],
)  # fmt: skip
def test_a_moment_falls_in_its_day_iso_week_and_month(period, start) -> None:
    assert start_of(AT, period) == start


def test_months_step_by_the_calendar_across_years_both_ways() -> None:
    jan = datetime(2026, 1, 1)
    assert shift(jan, "month", 1) == datetime(2026, 2, 1)
    assert shift(jan, "month", 12) == datetime(2027, 1, 1)
    assert shift(jan, "month", -1) == datetime(2025, 12, 1)
    assert periods_between(datetime(2025, 12, 1), datetime(2027, 2, 1), "month") == 14


def test_days_and_weeks_step_by_their_length() -> None:
    monday = datetime(2026, 3, 23)
    assert shift(monday, "week", 2) == datetime(2026, 4, 6)
    assert periods_between(monday, datetime(2026, 4, 6), "week") == 2
    assert periods_between(monday, datetime(2026, 4, 6), "day") == 14
