"""Trends: one event type's count, unique users (persons: the ``persons`` rule) or
summed amount per time bucket, optionally broken down by a context field or a property
(top N, the rest as other).

Buckets are local to the asked time zone (``date_trunc`` over ``occurred_at AT TIME
ZONE tz``), so a day is the analyst's day, as PostHog counts it. Breakdown values are
ranked by the metric over the whole range; ties go to the smaller value (byte order),
so the top N is deterministic. Buckets without events are left out.

One statement reads the events once: each id's person resolved, then grouped by
(bucket, group, person), which both the ranking and the series read.
A person counts once per bucket and group whichever of their ids the events carry.
At 1,000,000 events (bench/api, a 30-day daily trend of unique users by country) this
replaced two passes that each joined persons to 499,000 events and sorted them on disk.

The whole UTC hours of the range are read from ``event_hours`` where that is exact
(:mod:`.hours`): at 10,000,000 events a 30-day trend reads 841,000 hour rows instead
of five million events (docs/api.md).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Final, Literal

from sqlalchemy import (
    BigInteger,
    Connection,
    Select,
    String,
    case,
    column,
    false,
    func,
    literal,
    select,
    union_all,
    values,
)

from eventtide.core.db.queries.filters import (
    EVENTS,
    EventFilter,
    conditions,
    fields_of,
    json_text,
)
from eventtide.core.db.queries.hours import (
    HOURS,
    HourSplit,
    bucket_windows,
    carried,
    hour_matching,
    whole_hours,
)
from eventtide.core.db.queries.persons import with_persons
from eventtide.core.db.queries.tuning import for_analytics

Interval = Literal["minute", "hour", "day", "week", "month"]
Metric = Literal["count", "unique_users", "amount_sum"]
NONE_VALUE: Final = "(none)"
OTHER_VALUE: Final = "(other)"
Top = int | tuple[str, ...]
"""Which breakdown values get a series of their own: the ``N`` largest, or these (a
formula's later series are split by its first series' values, so ``A / B`` of one
country divides that country's numbers)."""


@dataclass(frozen=True, slots=True)
class Breakdown:
    """Break down by ``<source>.<key>``."""

    source: Literal["context", "properties"]
    key: str


@dataclass(frozen=True, slots=True)
class TrendPoint:
    """One bucket's value for one breakdown value (None without a breakdown)."""

    bucket: datetime
    group: str | None
    value: float
    """Whole for counts, users and cents; property math's value may have a fraction."""


def trend(
    conn: Connection,
    *,
    flt: EventFilter,
    event_type: str,
    interval: Interval,
    timezone: str,
    metric: Metric,
    breakdown: Breakdown | None = None,
    top: Top = 5,
) -> list[TrendPoint]:
    """The series, ordered by bucket then group (one statement, see the module doc)."""
    windows = base_rows(conn, flt, event_type, interval, timezone, breakdown, metric)
    # Windows read a few thousand hour rows each, by index: serial. Spread over parallel
    # workers (a Parallel Append) the trend took about a second instead of 0.44 s, the
    # leader waiting on the workers' queues; one window may still scan in parallel.
    for_analytics(conn, parallel=len(windows) == 1, hashing=True)
    rows = per_person(windows, metric)
    if breakdown is None:
        series = _totals(rows, ["bucket", "grp"], metric).subquery("series")
        query = select(series).order_by(series.c.bucket)
    else:
        totals = _totals(rows, ["grp"], metric).subquery("totals")
        # a CTE read twice (top groups and other): one evaluation, not two
        ranked = top_groups(totals.c.grp, totals.c.value, top, name="ranked")
        series = _ranked_series(rows, ranked, metric).subquery("series")
        query = select(series).order_by(series.c.bucket, series.c.grp.collate("C"))
    return [TrendPoint(row[0], row[1], int(row[2])) for row in conn.execute(query)]


def top_groups(group: Any, size: Any, top: Top, *, name: str) -> Any:
    """The ``top`` groups (column ``grp``) by ``size``, ties to the smaller group in byte
    order: the rule of every breakdown; or the groups ``top`` names."""
    if isinstance(top, int):
        ranked = select(group.label("grp")).order_by(size.desc(), group.collate("C")).limit(top)
        return ranked.cte(name)
    if not top:
        return select(literal(None, String).label("grp")).where(false()).cte(name)
    named = values(column("grp", String), name=f"{name}_named").data([(g,) for g in top])
    return select(named.c.grp).cte(name)


def _ranked_series(rows: Any, ranked: Any, metric: Metric) -> Any:
    """The top groups' series as they are, and one ``(other)`` series for the rest.

    For unique users the rows are already distinct per (bucket, group, person), so a
    top group's value is its row count; only ``(other)`` merges groups, and a person
    seen in two of its groups in one bucket counts once there. Counting the top groups
    without a second ``DISTINCT`` over every row saves about a tenth of the statement
    (30-day daily trend by country at 1,000,000 events: median of 6, 262 -> 235 ms).

    ``ranked`` is a CTE, so PostgreSQL ranks once (a CTE read twice is materialized);
    as a subquery it was planned into both parts, and the ranking's ``DISTINCT`` of
    (group, person) over all 143,034 rows ran twice: a tenth of the statement (docs/api.md).
    """
    kept = rows.join(ranked, ranked.c.grp == rows.c.grp)
    rest = rows.outerjoin(ranked, ranked.c.grp == rows.c.grp)
    other = literal(OTHER_VALUE, String).label("grp")
    if metric == "unique_users":
        top_part = (
            select(rows.c.bucket, rows.c.grp, func.count().label("value"))
            .select_from(kept)
            .group_by(rows.c.bucket, rows.c.grp)
        )
        pairs = (
            select(rows.c.bucket, rows.c.person_id)
            .select_from(rest)
            .where(ranked.c.grp.is_(None))
            .distinct()
            .subquery("other_pairs")
        )
        other_part = select(pairs.c.bucket, other, func.count().label("value")).group_by(
            pairs.c.bucket
        )
        return union_all(top_part, other_part)
    label = case((ranked.c.grp.is_not(None), rows.c.grp), else_=literal(OTHER_VALUE))
    labelled = (
        select(rows.c.bucket, label.label("grp"), rows.c.person_id, rows.c.n, rows.c.amount)
        .select_from(rest)
        .subquery("labelled")
    )
    return _totals(labelled, ["bucket", "grp"], metric)


def base_rows(
    conn: Connection,
    flt: EventFilter,
    event_type: str,
    interval: Interval,
    timezone: str,
    breakdown: Breakdown | None,
    metric: Metric,
) -> list[list[Select[Any]]]:
    """(bucket, grp, user_id, n, amount) rows covering the range: the events' own, or
    for the whole UTC hours that ``event_hours`` answers exactly, its rows (one per id,
    hour, country and platform: ``n`` events, ``amount`` summed), with the partial
    hours at either end from the events (:mod:`.hours`).

    As windows of whole buckets, each a list of parts to be united: for unique users
    read from hour rows one window per day or so (:func:`.hours.bucket_windows`), which
    :func:`per_person` de-duplicates one by one; otherwise one window."""
    fields = fields_of(flt.matches)
    if breakdown is not None:
        fields.append((breakdown.source, breakdown.key))
    split = (
        whole_hours(flt.since, flt.until, timezone)
        if conn.dialect.name == "postgresql" and interval != "minute" and carried(fields)
        else None
    )
    if split is None:
        return [[_event_rows(flt, event_type, interval, timezone, breakdown)]]
    windows = (
        bucket_windows(flt.since, flt.until, split, interval, timezone)
        if metric == "unique_users"
        else [(flt.since, flt.until)]
    )
    return [
        _window_rows(flt, event_type, interval, timezone, breakdown, split, lo, hi)
        for lo, hi in windows
    ]


def _window_rows(
    flt: EventFilter,
    event_type: str,
    interval: Interval,
    timezone: str,
    breakdown: Breakdown | None,
    split: HourSplit,
    lo: datetime,
    hi: datetime,
) -> list[Select[Any]]:
    """The parts of ``[lo, hi)``: its whole hours from the hour rows, and whatever it
    holds of the partial hours at either end of the range from the events."""
    parts = []
    first, last = max(lo, split.first), min(hi, split.last)
    if first < last:
        parts.append(
            _hour_rows(flt, event_type, interval, timezone, breakdown, HourSplit(first, last))
        )
    for since, until in ((flt.since, split.first), (split.last, flt.until)):
        since, until = max(since, lo), min(until, hi)
        if since < until:
            parts.append(
                _event_rows(replace(flt, since=since, until=until), event_type, interval,
                            timezone, breakdown)
            )  # fmt: skip
    return parts


def united(parts: list[Select[Any]]) -> Any:
    """One part as it is, several as a ``UNION ALL``."""
    return parts[0] if len(parts) == 1 else union_all(*parts)


def _event_rows(
    flt: EventFilter,
    event_type: str,
    interval: Interval,
    timezone: str,
    breakdown: Breakdown | None,
) -> Select[Any]:
    """One row per event of the range."""
    group = (
        func.coalesce(json_text(breakdown.source, breakdown.key), NONE_VALUE)
        if breakdown
        else literal(None, String)
    )
    bucket = func.date_trunc(interval, func.timezone(timezone, EVENTS.c.occurred_at))
    return select(
        bucket.label("bucket"),
        group.label("grp"),
        EVENTS.c.user_id,
        literal(1, BigInteger).label("n"),
        EVENTS.c.amount_cents.label("amount"),
    ).where(conditions(flt, event_type=event_type))


def _hour_rows(
    flt: EventFilter,
    event_type: str,
    interval: Interval,
    timezone: str,
    breakdown: Breakdown | None,
    split: HourSplit,
) -> Select[Any]:
    """One row per (id, UTC hour, country, platform) of the split's whole hours."""
    group = (
        func.coalesce(HOURS.c[breakdown.key], NONE_VALUE) if breakdown else literal(None, String)
    )
    bucket = func.date_trunc(interval, func.timezone(timezone, HOURS.c.hour))
    return select(
        bucket.label("bucket"),
        group.label("grp"),
        HOURS.c.user_id,
        HOURS.c.events.label("n"),
        HOURS.c.amount_cents.label("amount"),
    ).where(
        HOURS.c.event_type == event_type,
        HOURS.c.hour >= split.first,
        HOURS.c.hour < split.last,
        *hour_matching(flt.matches),
    )


def per_person(windows: list[list[Select[Any]]], metric: Metric) -> Any:
    """The rows the ranking and the series both read (a CTE): for unique users one row
    per distinct (bucket, group, person), each id's person resolved before the
    grouping, otherwise one row per (bucket, group) with its events and amount.

    The distinct persons are a plain ``DISTINCT`` with no per-person count or sum:
    nothing reads those for unique users, and without them the hash aggregate over the
    month's rows is cheaper (868 against 1,000 ms for the whole statement when it still
    read 499,236 ``page_view`` events at 1,000,000). Resolving persons first costs a
    lookup per row instead of per grouped row, and makes every (bucket, group) a plain
    row count: see :func:`_ranked_series`. Each window of buckets is de-duplicated on
    its own (no bucket spans two, :func:`.hours.bucket_windows`): 30 small hash tables
    instead of one of 143,034 rows took the 30-day daily trend by country at 1,000,000
    events from 348 to 314 ms, 285 to 260 ms of the server's CPU (the statement alone,
    serial, alternated, median of 12; docs/api.md)."""
    if metric != "unique_users":  # counts and sums need neither ids nor persons
        base = united([part for parts in windows for part in parts]).subquery("base")
        keys = [base.c.bucket, base.c.grp]
        per_group = (
            select(*keys, func.sum(base.c.n).label("n"), func.sum(base.c.amount).label("amount"))
            .group_by(*keys)
            .subquery("per_group")
        )
        return select(
            per_group.c.bucket, per_group.c.grp, literal(None, String).label("person_id"),
            per_group.c.n, per_group.c.amount,
        ).cte("per_person")  # fmt: skip
    distinct = []
    for index, parts in enumerate(windows):
        base = united(parts).subquery(f"base_{index}")
        joined, person = with_persons(base, base.c.user_id)
        distinct.append(
            select(base.c.bucket, base.c.grp, person.label("person_id"))
            .select_from(joined)
            .distinct()
        )
    return united(distinct).cte("per_person")


def _totals(rows: Any, keys: list[str], metric: Metric) -> Select[Any]:
    """``rows`` grouped by ``keys`` with the metric as ``value``. Distinct persons are
    counted as the rows of a ``DISTINCT`` (hashed) rather than ``count(DISTINCT)``,
    which sorts: 143,000 rows per pass at 1,000,000 events. Per (bucket, group) the
    :func:`per_person` rows are distinct already and are counted as they are."""
    columns = [rows.c[k] for k in keys]
    if metric == "unique_users" and set(keys) == {"bucket", "grp"}:
        return select(*columns, func.count().label("value")).group_by(*columns)
    if metric == "unique_users":
        pairs = select(*columns, rows.c.person_id).distinct().subquery("pairs")
        grouped = [pairs.c[k] for k in keys]
        return select(*grouped, func.count().label("value")).group_by(*grouped)
    value = func.sum(rows.c.n) if metric == "count" else func.coalesce(func.sum(rows.c.amount), 0)
    return select(*columns, value.label("value")).group_by(*columns)
