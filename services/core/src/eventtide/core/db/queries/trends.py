"""Trends: one event type's count, unique users (persons: the ``persons`` rule) or
summed amount per time bucket, optionally broken down by a context field or a property
(top N, the rest as other).

Buckets are local to the asked time zone (``date_trunc`` over ``occurred_at AT TIME
ZONE tz``), so a day is the analyst's day, as PostHog counts it. Breakdown values are
ranked by the metric over the whole range; ties go to the smaller value (byte order),
so the top N is deterministic. Buckets without events are left out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final, Literal

from sqlalchemy import Connection, case, distinct, func, literal, select
from sqlalchemy.sql import Subquery

from eventtide.core.db.queries.filters import EVENTS, EventFilter, conditions, json_text
from eventtide.core.db.queries.persons import EVENTS_WITH_PERSONS, PERSON

Interval = Literal["minute", "hour", "day", "week"]
Metric = Literal["count", "unique_users", "amount_sum"]
NONE_VALUE: Final = "(none)"
OTHER_VALUE: Final = "(other)"


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
    value: int


def _aggregate(sub: Subquery, metric: Metric) -> Any:
    if metric == "count":
        return func.count()
    if metric == "unique_users":
        return func.count(distinct(sub.c.person_id))
    return func.coalesce(func.sum(sub.c.amount_cents), 0)


def trend(
    conn: Connection,
    *,
    flt: EventFilter,
    event_type: str,
    interval: Interval,
    timezone: str,
    metric: Metric,
    breakdown: Breakdown | None = None,
    top: int = 5,
) -> list[TrendPoint]:
    """The series, ordered by bucket then group."""
    local = func.timezone(timezone, EVENTS.c.occurred_at)
    group = (
        func.coalesce(json_text(breakdown.source, breakdown.key), NONE_VALUE)
        if breakdown
        else literal(None)
    )
    base = (
        select(
            func.date_trunc(interval, local).label("bucket"),
            PERSON.label("person_id"),
            EVENTS.c.amount_cents,
            group.label("grp"),
        )
        .select_from(EVENTS_WITH_PERSONS)
        .where(conditions(flt, event_type=event_type))
        .subquery("base")
    )
    if breakdown is not None:
        agg = _aggregate(base, metric)
        ranked = (
            select(base.c.grp)
            .group_by(base.c.grp)
            .order_by(agg.desc(), base.c.grp.collate("C"))
            .limit(top)
        )
        top_values = [row[0] for row in conn.execute(ranked)]
        grouped = select(
            base.c.bucket,
            base.c.person_id,
            base.c.amount_cents,
            case((base.c.grp.in_(top_values), base.c.grp), else_=literal(OTHER_VALUE)).label("grp"),
        ).subquery("grouped")
    else:
        grouped = base
    agg = _aggregate(grouped, metric)
    query = (
        select(grouped.c.bucket, grouped.c.grp, agg)
        .group_by(grouped.c.bucket, grouped.c.grp)
        .order_by(grouped.c.bucket, *([grouped.c.grp.collate("C")] if breakdown else []))
    )
    return [TrendPoint(row[0], row[1], int(row[2])) for row in conn.execute(query)]
