"""Reading events per UTC hour (``event_hours``, migration 0010) where that is exact.

An hour row holds one id's events of one type in one UTC hour with one country and
platform: their count and summed amount. A question may read those rows instead of the
events when every field it groups or filters on is in the row, and when each UTC hour
of its range falls inside a single one of its local buckets: the time zone's offset is
a whole number of hours and does not change within any hour (true of most zones, not
of Asia/Kolkata or a zone whose clocks change at an odd minute). The range's first and
last partial hours are read from the events, so any ``since``/``until`` is answered
exactly.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Final, cast
from zoneinfo import ZoneInfo

from sqlalchemy import BigInteger, Column, ColumnElement, DateTime, MetaData, String, Table, Text

from eventtide.core.db.queries.calendar import Period, start_of
from eventtide.core.db.queries.filters import TICK, Criterion, passing

HOURS: Final = Table(
    "event_hours",
    MetaData(),
    Column("event_type", String(200), nullable=False),
    Column("hour", DateTime(timezone=True), nullable=False),
    Column("user_id", String(128), nullable=False),
    Column("country", Text),
    Column("platform", Text),
    Column("events", BigInteger, nullable=False),
    Column("amounts", BigInteger, nullable=False),
    Column("amount_cents", BigInteger),
)
"""PostgreSQL only, kept by triggers (not part of the ORM models: SQLite has none)."""

CONTEXT_FIELDS: Final = ("country", "platform")
"""The context fields an hour row carries, for a breakdown or a filter."""

LONGEST_CHECKED: Final = timedelta(days=400)
"""The longest range whose hours are checked one by one (about 10 ms)."""

_HOUR: Final = timedelta(hours=1)
_EARLIEST: Final = datetime.min.replace(tzinfo=UTC) + timedelta(days=2)
_LATEST: Final = datetime.max.replace(tzinfo=UTC) - timedelta(days=2)
"""Beyond these the hour arithmetic and the zone's local time would leave the calendar
(years 1 and 9999; the API clamps an open range to them)."""

WINDOW_HOURS: Final = 24
"""The shortest window of :func:`bucket_windows` (it ends at the first bucket change
after this many hours)."""

MOST_WINDOWS: Final = 32
"""Longer ranges get longer windows, so a statement never holds more parts than this."""


@dataclass(frozen=True, slots=True)
class HourSplit:
    """Whole UTC hours ``[first, last)`` from the hour rows; the rest of the range
    (``[since, first)`` and ``[last, until)``) from the events."""

    first: datetime
    last: datetime


def carried(fields: Sequence[tuple[str, str]]) -> bool:
    """Whether every ``(source, key)`` a question groups or filters on is in the rows."""
    return all(source == "context" and key in CONTEXT_FIELDS for source, key in fields)


def hour_matching(matches: Sequence[Criterion]) -> list[ColumnElement[bool]]:
    """The conditions of ``matches`` on hour rows (only for fields they are
    :func:`carried` in): an hour row's country or platform is NULL where its events
    lack it, as the events' own field is."""
    return passing(matches, lambda m: HOURS.c[m.key])


def whole_hours(since: datetime, until: datetime, timezone: str) -> HourSplit | None:
    """The whole UTC hours of ``[since, until)`` that hour rows answer exactly in
    ``timezone``, or None when there are none or some hour would straddle two local
    buckets (an offset that is not whole hours, or one that changes inside an hour)."""
    first, last = ceil_hour(since), floor_hour(until)
    if first >= last or not aligned(first, last, timezone):
        return None
    return HourSplit(first, last)


def aligned(first: datetime, last: datetime, timezone: str) -> bool:
    """Whether each UTC hour from ``first`` (a whole hour) up to ``last`` lies inside one
    local hour of ``timezone``: a whole-hour offset, the same at its start and its end.

    One offset lookup an hour, and one more where the offset changes (the change must
    fall on the hour): about 0.7 ms per 30 days. Longer than :data:`LONGEST_CHECKED`
    is not checked (the answer is False, so such ranges read the events): a range
    from year 29 to now would take minutes."""
    if last - first > LONGEST_CHECKED or first < _EARLIEST or last > _LATEST:
        return False
    zone = ZoneInfo(timezone)
    hour = first
    offset = hour.astimezone(zone).utcoffset()
    while hour < last:
        if offset is None or offset % _HOUR:
            return False
        after = (hour + _HOUR).astimezone(zone).utcoffset()
        if after != offset and (hour + _HOUR - TICK).astimezone(zone).utcoffset() != offset:
            return False
        hour, offset = hour + _HOUR, after
    return True


def floor_hour(moment: datetime) -> datetime:
    """The UTC hour ``moment`` falls in."""
    return moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def ceil_hour(moment: datetime) -> datetime:
    """The first whole UTC hour at or after ``moment``."""
    floor = floor_hour(moment)
    return floor if floor == moment else floor + _HOUR


def bucket_windows(
    since: datetime,
    until: datetime,
    split: HourSplit,
    interval: str,
    timezone: str,
) -> list[tuple[datetime, datetime]]:
    """Consecutive windows covering ``[since, until)`` (``interval`` hour, day, week or
    month), cut only at whole UTC hours where a new local bucket begins, so that no
    bucket has rows in two windows.

    Counting distinct persons per (bucket, group) can then de-duplicate each window on
    its own: the rows of different windows cannot share a bucket, so the union of the
    windows' distinct rows is the distinct rows of the whole range. Each window's hash
    table is a fraction of the whole one and stays in the processor's caches (a 30-day
    daily trend: 30 tables of about 4,800 rows instead of one of 143,034 at 1,000,000
    events; docs/api.md). A window spans at least :data:`WINDOW_HOURS` and a
    :data:`MOST_WINDOWS`-th of the range. The buckets are PostgreSQL's
    ``date_trunc(interval, timezone(zone, hour))``, computed here for each UTC hour of
    ``split`` (which :func:`whole_hours` found aligned) and for the partial hours at
    either end; if some bucket still fell into two windows (a clock change that
    moves local time back across a bucket's start), the answer is one window."""
    zone = ZoneInfo(timezone)
    least = max(timedelta(hours=WINDOW_HOURS), (split.last - split.first) / MOST_WINDOWS)
    cuts, seen = [since], [{_bucket(floor_hour(since), interval, zone)}]
    start, current = split.first, _bucket(split.first, interval, zone)
    hour = split.first
    while hour < split.last:
        bucket = _bucket(hour, interval, zone)
        if bucket != current and hour - start >= least:
            cuts.append(hour)
            seen.append(set())
            start = hour
        current = bucket
        seen[-1].add(bucket)
        hour += _HOUR
    if until > split.last:
        seen[-1].add(_bucket(split.last, interval, zone))
    if sum(len(s) for s in seen) != len(set().union(*seen)):
        return [(since, until)]
    return list(zip(cuts, [*cuts[1:], until], strict=True))


def _bucket(hour: datetime, interval: str, zone: ZoneInfo) -> datetime:
    """The local bucket of a whole UTC hour, as ``date_trunc`` names it."""
    local = hour.astimezone(zone).replace(tzinfo=None)
    if interval == "hour":
        return local.replace(minute=0, second=0, microsecond=0)
    return start_of(local, cast(Period, interval))
