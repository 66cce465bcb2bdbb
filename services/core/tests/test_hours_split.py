"""Which whole UTC hours of a range ``event_hours`` answers exactly, from plain data."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import pairwise

import pytest

from eventtide.core.db.queries.hours import (
    LONGEST_CHECKED,
    MOST_WINDOWS,
    HourSplit,
    aligned,
    bucket_windows,
    carried,
    whole_hours,
)

pytestmark = pytest.mark.unit

T = datetime(2026, 3, 27, 20, 0, tzinfo=UTC)  # the European clocks change on Mar 29


def test_partial_hours_at_either_end_are_left_to_the_events() -> None:
    split = whole_hours(T + timedelta(minutes=17), T + timedelta(hours=5, minutes=30), "UTC")
    assert split == HourSplit(T + timedelta(hours=1), T + timedelta(hours=5))
    aligned = whole_hours(T, T + timedelta(hours=5), "UTC")
    assert aligned == HourSplit(T, T + timedelta(hours=5))


def test_a_range_without_a_whole_hour_has_no_split() -> None:
    assert whole_hours(T + timedelta(minutes=5), T + timedelta(minutes=55), "UTC") is None
    assert whole_hours(T + timedelta(minutes=5), T + timedelta(hours=1, minutes=5), "UTC") is None


def test_whole_hour_zones_split_across_their_clock_changes() -> None:
    week = T + timedelta(days=7)
    assert whole_hours(T, week, "Europe/Berlin") == HourSplit(T, week)
    assert whole_hours(T, week, "America/New_York") == HourSplit(T, week)


@pytest.mark.parametrize(
    "zone", ["Asia/Kolkata", "Asia/Kathmandu", "Australia/Adelaide", "America/St_Johns"]
)
def test_zones_off_by_part_of_an_hour_read_the_events(zone: str) -> None:
    assert whole_hours(T, T + timedelta(days=2), zone) is None


def test_lord_howe_changes_its_clock_by_half_an_hour() -> None:
    # +11:00 in the southern summer, +10:30 after the first Sunday of April
    before = datetime(2026, 3, 1, tzinfo=UTC)
    assert whole_hours(before, before + timedelta(days=14), "Australia/Lord_Howe") == (
        HourSplit(before, before + timedelta(days=14))
    )
    assert whole_hours(before, before + timedelta(days=60), "Australia/Lord_Howe") is None


def test_only_country_and_platform_of_the_context_are_carried() -> None:
    assert carried([])
    assert carried([("context", "country"), ("context", "platform")])
    assert not carried([("context", "device")])
    assert not carried([("properties", "country")])


def test_ranges_longer_than_the_checked_span_read_the_events() -> None:
    # a year-29 `since` (schemathesis found it) must not walk seventeen million hours
    ancient = datetime(29, 1, 1, tzinfo=UTC)
    assert whole_hours(ancient, T, "UTC") is None
    assert not aligned(T, T + LONGEST_CHECKED + timedelta(hours=1), "UTC")
    assert aligned(T, T + LONGEST_CHECKED, "UTC")


def test_offsets_are_checked_on_both_sides_of_a_change() -> None:
    # Berlin's change at 01:00 UTC falls on the hour; Lord Howe's (15:00 UTC) leads to
    # +10:30, whose hours straddle two local hours
    berlin = datetime(2026, 3, 29, 1, 0, tzinfo=UTC)
    assert aligned(berlin - timedelta(hours=2), berlin + timedelta(hours=2), "Europe/Berlin")
    howe = datetime(2026, 4, 4, 15, 0, tzinfo=UTC)
    assert aligned(howe - timedelta(hours=2), howe, "Australia/Lord_Howe")
    assert not aligned(howe - timedelta(hours=2), howe + timedelta(hours=1), "Australia/Lord_Howe")


def test_the_ends_of_the_calendar_read_the_events() -> None:
    last = datetime(9999, 12, 31, 23, 0, tzinfo=UTC)
    assert not aligned(last - timedelta(days=3), last, "UTC")
    # year 1 in a zone west of UTC in local mean time (London: -0:01:15) is before year 1
    first = datetime(1, 1, 1, tzinfo=UTC)
    assert not aligned(first, first + timedelta(days=2), "GB")
    assert whole_hours(first, first + timedelta(days=2), "GB") is None


def _cuts(since: datetime, until: datetime, interval: str, zone: str) -> list[datetime]:
    split = whole_hours(since, until, zone)
    assert split is not None
    windows = bucket_windows(since, until, split, interval, zone)
    assert windows[0][0] == since
    assert windows[-1][1] == until
    assert all(a[1] == b[0] for a, b in pairwise(windows))
    return [lo for lo, _ in windows[1:]]


def test_windows_are_cut_at_local_midnights_a_day_or_more_apart() -> None:
    day = timedelta(days=1)
    utc = datetime(2026, 3, 27, tzinfo=UTC)
    assert _cuts(utc + timedelta(minutes=17), utc + 4 * day, "day", "UTC") == [
        utc + 2 * day,  # the first window holds the partial hour and the whole first day
        utc + 3 * day,
    ]
    # Berlin: midnight is 23:00 UTC, then 22:00 UTC after the clocks go forward on
    # Mar 29; that day has 23 hours, so it shares a window with the next one
    assert _cuts(utc - timedelta(hours=1), utc + 5 * day, "day", "Europe/Berlin") == [
        datetime(2026, 3, 27, 23, tzinfo=UTC),
        datetime(2026, 3, 28, 23, tzinfo=UTC),
        datetime(2026, 3, 30, 22, tzinfo=UTC),
        datetime(2026, 3, 31, 22, tzinfo=UTC),
    ]


def test_weekly_windows_start_on_mondays() -> None:
    monday = datetime(2026, 11, 2, tzinfo=UTC)
    since = monday - timedelta(days=3)
    assert _cuts(since, monday + timedelta(days=15), "week", "UTC") == [
        monday,
        monday + timedelta(days=7),
        monday + timedelta(days=14),
    ]


def test_an_hour_repeated_by_a_clock_change_is_never_cut() -> None:
    # Berlin goes back at 01:00 UTC on Oct 25: 02:00 local (00:00 and 01:00 UTC) is one
    # hourly bucket, so the window that reaches 24 hours at 01:00 UTC ends at 02:00
    since = datetime(2026, 10, 24, 1, tzinfo=UTC)
    cuts = _cuts(since, since + timedelta(days=2), "hour", "Europe/Berlin")
    assert cuts[0] == datetime(2026, 10, 25, 2, tzinfo=UTC)


def test_long_ranges_have_at_most_the_most_windows() -> None:
    since = datetime(2026, 1, 1, tzinfo=UTC)
    cuts = _cuts(since, since + timedelta(days=365), "hour", "UTC")
    assert len(cuts) + 1 <= MOST_WINDOWS
    assert len(cuts) + 1 >= MOST_WINDOWS - 1
