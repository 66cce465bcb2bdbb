"""PURE: local calendar periods (days, ISO weeks from Monday, months), as PostgreSQL's
``date_trunc`` names them, and stepping between them.

Days and weeks have a fixed length in local wall time; a month does not, so every
question that counts periods (retention's "k periods later", lifecycle's "the period
before", stickiness's periods of a range) steps with :func:`shift` and
:func:`periods_between` instead of multiplying a length.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Final, Literal

from sqlalchemy import Date, Integer, cast, func, literal

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
