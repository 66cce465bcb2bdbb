"""Trends of how often each user does an event: per local bucket, the average, minimum,
maximum or a percentile of the events each person did in it (PostHog's "count per
user" math: "how many searches does a searcher make a day?").

Only persons who did the event in a bucket count in it (PostHog's actors), so the
minimum is at least 1. With a breakdown a person's events are counted per group; the
groups are ranked by the same math over each person's events in the whole range,
largest first, and in ``(other)`` a person's events of all its groups are counted
together, as its unique users are.

The rows are the trend's own (:func:`.trends.base_rows`: whole UTC hours from the hour
rows where exact, which carry each id's event count), summed per person.
"""

from __future__ import annotations

from typing import Any, Final, Literal, get_args

from sqlalchemy import Connection, String, case, func, literal, select

from eventtide.core.db.queries.filters import EventFilter
from eventtide.core.db.queries.persons import with_persons
from eventtide.core.db.queries.property_math import Math, aggregate
from eventtide.core.db.queries.trends import (
    OTHER_VALUE,
    Breakdown,
    Interval,
    Top,
    TrendPoint,
    base_rows,
    top_groups,
    united,
)
from eventtide.core.db.queries.tuning import for_analytics

PerUser = Literal[
    "avg_per_user", "min_per_user", "max_per_user", "median_per_user",
    "p90_per_user", "p95_per_user", "p99_per_user",
]  # fmt: skip
PER_USER: Final = get_args(PerUser)


def per_user_trend(
    conn: Connection,
    *,
    flt: EventFilter,
    event_type: str,
    interval: Interval,
    timezone: str,
    metric: PerUser,
    breakdown: Breakdown | None = None,
    top: Top = 5,
) -> list[TrendPoint]:
    """The series, ordered by bucket then group (in byte order)."""
    math: Math = metric.removesuffix("_per_user")  # type: ignore[assignment]
    windows = base_rows(conn, flt, event_type, interval, timezone, breakdown, "count")
    for_analytics(conn, parallel=len(windows) == 1, hashing=True)
    base = united([part for parts in windows for part in parts]).subquery("base")
    joined, person = with_persons(base, base.c.user_id)
    counts = (
        select(base.c.bucket, base.c.grp, person.label("person_id"), func.sum(base.c.n).label("n"))
        .select_from(joined)
        .group_by(base.c.bucket, base.c.grp, person)
        .cte("per_user")
    )
    if breakdown is None:
        query = (
            select(counts.c.bucket, literal(None, String), aggregate(math, counts.c.n))
            .group_by(counts.c.bucket)
            .order_by(counts.c.bucket)
        )
    else:
        query = _ranked(counts, math, top)
    return [TrendPoint(row[0], row[1], float(row[2])) for row in conn.execute(query)]


def _ranked(counts: Any, math: Math, top: Top) -> Any:
    """The top groups' series, and ``(other)`` over each person's events of the rest."""
    over_range = (
        select(counts.c.grp, func.sum(counts.c.n).label("n"))
        .group_by(counts.c.grp, counts.c.person_id)
        .subquery("over_range")
    )
    totals = (
        select(over_range.c.grp, aggregate(math, over_range.c.n).label("value"))
        .group_by(over_range.c.grp)
        .subquery("totals")
    )
    ranked = top_groups(totals.c.grp, totals.c.value, top, name="ranked")
    label = case((ranked.c.grp.is_not(None), counts.c.grp), else_=literal(OTHER_VALUE))
    relabelled = (
        select(counts.c.bucket, label.label("grp"), func.sum(counts.c.n).label("n"))
        .select_from(counts.outerjoin(ranked, ranked.c.grp == counts.c.grp))
        .group_by(counts.c.bucket, label, counts.c.person_id)
        .subquery("relabelled")
    )
    return (
        select(relabelled.c.bucket, relabelled.c.grp, aggregate(math, relabelled.c.n))
        .group_by(relabelled.c.bucket, relabelled.c.grp)
        .order_by(relabelled.c.bucket, relabelled.c.grp.collate("C"))
    )
