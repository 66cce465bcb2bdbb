"""Local calendar periods: starts, steps and distances, months included."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from eventtide.core.db.queries.calendar import (
    local_ends,
    local_range,
    periods_between,
    shift,
    start_of,
)

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


def test_a_range_keeps_to_the_moments_with_a_local_date_in_years_1_to_9999() -> None:
    first, last = datetime.min.replace(tzinfo=UTC), datetime.max.replace(tzinfo=UTC)
    # Los Angeles' local mean time is -7:52:58: its year 1 begins 7:52:58 into the UTC one
    la_first = datetime(1, 1, 1, 7, 52, 58, tzinfo=UTC)
    assert local_ends("America/Los_Angeles") == (la_first, last)
    # Kolkata is ahead: its year 1 begins before the calendar's, its 9999 ends at 18:30 UTC
    kolkata_last = datetime(9999, 12, 31, 18, 30, tzinfo=UTC)
    assert local_ends("Asia/Kolkata") == (first, kolkata_last)
    assert local_ends("UTC") == (first, last)
    assert local_range(first, last, "America/Los_Angeles") == (la_first, last)
    assert local_range(first, last, "Asia/Kolkata") == (first, kolkata_last)
    # a range wholly outside is empty at the nearest end
    before = datetime(1, 1, 1, 3, tzinfo=UTC)
    assert local_range(first, before, "America/Los_Angeles") == (la_first, la_first)
    inside = (datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 2, 1, tzinfo=UTC))
    assert local_range(*inside, "America/Los_Angeles") == inside
