"""Rolling active users: per local day, the persons (the ``persons`` rule) who did an
event on that day or the days before it (PostHog's "weekly active" over 7 days and
"monthly active" over 30): the DAU/WAU/MAU curves of every product dashboard.

Whole local days: a day's value counts every event of its window of days, those
before ``since`` included, as lifecycle counts whole periods. Each person's active
days (read as a daily unique-users trend reads them, hour rows where exact) are
merged into runs of covered days: a day covers itself and the ``days - 1`` after it,
so days less than ``days`` apart make one run. The statement returns only each run's
start (+1) and end (-1) per day and group, and the day's value is their running sum:
the rows that come back grow with the runs, not with persons times days.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Final, Literal
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, String, case, func, literal, select, union_all

from eventtide.core.db.queries import trends
from eventtide.core.db.queries.calendar import local_range
from eventtide.core.db.queries.filters import TICK, EventFilter
from eventtide.core.db.queries.trends import OTHER_VALUE, Breakdown, Top, TrendPoint, top_groups
from eventtide.core.db.queries.tuning import for_analytics

Rolling = Literal["weekly_active", "monthly_active"]
WINDOW_DAYS: Final = {"weekly_active": 7, "monthly_active": 30}


def rolling_trend(
    conn: Connection,
    *,
    flt: EventFilter,
    event_type: str,
    timezone: str,
    metric: Rolling,
    breakdown: Breakdown | None = None,
    top: Top = 5,
) -> list[TrendPoint]:
    """Each local day of ``[since, until)`` with its persons active in the window of
    days ending with it, per group (the ``top`` groups by persons active in the days
    asked, the rest as one ``(other)``); days with none are left out."""
    if flt.since >= flt.until:
        return []
    days = WINDOW_DAYS[metric]
    zone = ZoneInfo(timezone)
    first_day, last_day = _local_day(flt.since, zone), _local_day(flt.until - TICK, zone)
    # the days before since are read from the zone's first local day at the earliest
    since, until = local_range(
        _midnight(first_day, -(days - 1), zone), _midnight(last_day, 1, zone), timezone
    )
    read = replace(flt, since=since, until=until)
    windows = trends.base_rows(conn, read, event_type, "day", timezone, breakdown, "unique_users")
    for_analytics(conn, hashing=True)
    rows = trends.per_person(windows, "unique_users")
    asked_from = datetime.combine(first_day, time())
    if breakdown is not None:
        in_range = (
            select(rows.c.grp, rows.c.person_id)
            .where(rows.c.bucket >= asked_from)
            .distinct()
            .subquery("in_range")
        )
        sizes = (
            select(in_range.c.grp, func.count().label("persons"))
            .group_by(in_range.c.grp)
            .subquery("sizes")
        )
        ranked = top_groups(sizes.c.grp, sizes.c.persons, top, name="ranked")
        label = case((ranked.c.grp.is_not(None), rows.c.grp), else_=literal(OTHER_VALUE, String))
        rows = (
            select(rows.c.bucket, label.label("grp"), rows.c.person_id)
            .select_from(rows.outerjoin(ranked, ranked.c.grp == rows.c.grp))
            .distinct()
            .cte("labelled")
        )
    found = conn.execute(_changes(rows, days, datetime.combine(last_day, time())))
    return _series(found, first_day, last_day)


def _local_day(at: datetime, zone: ZoneInfo) -> date:
    """``at``'s local date, or the calendar's first or last where the zone's offset takes
    it past them (London's local mean time at year 1)."""
    try:
        return at.astimezone(zone).date()
    except OverflowError:
        return date.min if at.year == 1 else date.max


def _midnight(day: date, shift_days: int, zone: ZoneInfo) -> datetime:
    """The UTC moment of a local midnight ``shift_days`` from ``day`` (the calendar's
    first or last moment where that leaves it)."""
    try:
        return datetime.combine(day + timedelta(days=shift_days), time(), zone).astimezone(UTC)
    except OverflowError:
        return (
            datetime.min.replace(tzinfo=UTC) if shift_days < 0 else datetime.max.replace(tzinfo=UTC)
        )


def _changes(rows: Any, days: int, last: datetime) -> Any:
    """(group, local day, change): +1 where a person's run of covered days begins, -1
    the day after it ends, summed per group and day; the ends after ``last`` (the last
    day asked) change no day asked and are left out: past year 9999 they would have no
    date to be read as."""
    window: dict[str, Any] = {
        "partition_by": (rows.c.grp, rows.c.person_id),
        "order_by": rows.c.bucket,
    }
    span = func.make_interval(0, 0, 0, days)
    marked = select(
        rows.c.grp,
        rows.c.bucket,
        func.lag(rows.c.bucket).over(**window).label("before"),
        func.lead(rows.c.bucket).over(**window).label("after"),
    ).cte("marked")  # read twice (starts and ends): one sort and window, not two
    starts = select(marked.c.grp, marked.c.bucket.label("day"), literal(1).label("change")).where(
        marked.c.before.is_(None) | (marked.c.bucket - marked.c.before > span)
    )
    ends = select(
        marked.c.grp, (marked.c.bucket + span).label("day"), literal(-1).label("change")
    ).where(
        marked.c.after.is_(None) | (marked.c.after - marked.c.bucket > span),
        marked.c.bucket + span <= last,
    )
    changes = union_all(starts, ends).subquery("changes")
    return (
        select(changes.c.grp, changes.c.day, func.sum(changes.c.change))
        .group_by(changes.c.grp, changes.c.day)
        .order_by(changes.c.day)
    )


def _series(found: Any, first_day: date, last_day: date) -> list[TrendPoint]:
    """The running sum of each group's changes on every day asked, ordered by day then
    group in byte order; zero days left out."""
    changes: dict[str | None, dict[date, int]] = defaultdict(dict)
    for group, day, change in found:
        changes[group][day.date()] = int(change)
    points = []
    for group, by_day in changes.items():
        # nobody is active before a group's first change, nor from its last where every
        # run ended by then (a run ending after the last day asked has no end here)
        day = max(first_day, min(by_day))
        last = last_day if sum(by_day.values()) else min(last_day, max(by_day))
        active = sum(change for on, change in by_day.items() if on < day)
        for offset in range((last - day).days + 1):  # not day += 1: the last may be 9999's
            on = day + timedelta(days=offset)
            active += by_day.get(on, 0)
            if active:
                points.append(TrendPoint(datetime.combine(on, time()), group, active))
    points.sort(key=lambda p: (p.bucket, (p.group or "").encode()))
    return points
