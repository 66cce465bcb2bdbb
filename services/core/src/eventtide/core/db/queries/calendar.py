"""PURE: local calendar periods (days, ISO weeks from Monday, months), as PostgreSQL's
``date_trunc`` names them, and stepping between them.

Days and weeks have a fixed length in local wall time; a month does not, so every
question that counts periods (retention's "k periods later", lifecycle's "the period
before", stickiness's periods of a range) steps with :func:`shift` and
:func:`periods_between` instead of multiplying a length.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any, Final, Literal
from zoneinfo import ZoneInfo

from sqlalchemy import Date, Integer, cast, func, literal

from eventtide.core.db.queries.filters import TICK, before

Period = Literal["day", "week", "month"]

LONGEST: Final = {"day": timedelta(days=1), "week": timedelta(days=7), "month": timedelta(days=31)}
"""The longest a period lasts in wall time: a bound for ranges counted in periods."""


def start_of(local: datetime, period: Period) -> datetime:
    """The start of ``local``'s period (wall time, no zone)."""
    day = local.replace(hour=0, minute=0, second=0, microsecond=0)
    if period == "week":
        return day - timedelta(days=day.weekday())
    if period == "month":
        return day.replace(day=1)
    return day


def shift(start: datetime, period: Period, n: int) -> datetime:
    """The start of the period ``n`` periods after the one starting at ``start``."""
    if period == "month":
        months = start.year * 12 + start.month - 1 + n
        try:
            return start.replace(year=months // 12, month=months % 12 + 1)
        except ValueError as error:  # past year 9999 or before year 1, as timedelta's
            raise OverflowError(str(error)) from error
    return start + LONGEST[period] * n


def periods_between(first: datetime, later: datetime, period: Period) -> int:
    """How many periods after the one starting at ``first`` the one starting at
    ``later`` is."""
    if period == "month":
        return (later.year - first.year) * 12 + later.month - first.month
    return (later - first) // LONGEST[period]


def sql_step(period: Period) -> Any:
    """One period as a PostgreSQL interval (a month is a calendar month)."""
    if period == "month":
        return func.make_interval(0, 1)
    return func.make_interval(0, 0, 0, LONGEST[period].days)


def sql_periods_between(first: Any, later: Any, period: Period) -> Any:
    """:func:`periods_between` in SQL, of two period starts (local timestamps)."""
    if period == "month":

        def months(at: Any) -> Any:
            return cast(func.extract("year", at), Integer) * 12 + cast(
                func.extract("month", at), Integer
            )

        return months(later) - months(first)
    days = cast(cast(later, Date) - cast(first, Date), Integer)
    return days // cast(literal(LONGEST[period].days), Integer)


def local_range(since: datetime, until: datetime, zone: str) -> tuple[datetime, datetime]:
    """``[since, until)`` narrowed to the moments whose wall time in ``zone`` lies in
    years 1 to 9999. A local bucket outside them has no date to answer with (PostgreSQL
    has year 0, Python has not): an event at 03:00 UTC on the calendar's first day is
    still 31 December of the year before in Los Angeles' local mean time (-7:52:58),
    and a trend of it was a 500. The API clamps an open end to years 1 and 9999; this
    moves it to the zone's own ends."""
    first, last = local_ends(zone)
    since = min(max(since, first), last)
    return since, min(max(until, since), last)


@lru_cache(maxsize=64)
def local_ends(zone: str) -> tuple[datetime, datetime]:
    """The first moment of local year 1 and the moment after the last of local year 9999
    in ``zone``, as UTC (the calendar's own ends where the zone's lie beyond them)."""
    local = ZoneInfo(zone)
    try:
        first = datetime(1, 1, 1, tzinfo=local).astimezone(UTC)
    except OverflowError:
        first = datetime.min.replace(tzinfo=UTC)
    try:
        last = datetime.max.replace(tzinfo=local).astimezone(UTC) + TICK
    except OverflowError:
        last = datetime.max.replace(tzinfo=UTC)
    return first, last


def local_range_before(since: datetime, until: datetime, zone: str) -> tuple[datetime, datetime]:
    """The range of the same length just before ``since`` (PostHog's "previous period"
    of a compared question), narrowed as :func:`local_range` narrows one."""
    return local_range(before(since, until - since), since, zone)
