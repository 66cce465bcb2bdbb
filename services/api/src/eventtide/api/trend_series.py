"""One trend series of any metric, as ``GET /v1/trends`` and ``GET /v1/trends/formula``
both ask it: the metric picks the query (plain counts, rolling active users, property
math or count per user), the answer becomes the response's series."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import cast

from sqlalchemy import Connection

from eventtide.api.schemas import TrendPointOut, TrendPrevious, TrendSeries
from eventtide.api.trend_questions import SeriesQuestion
from eventtide.core.db.queries import trends
from eventtide.core.db.queries.calendar import local_range_before
from eventtide.core.db.queries.filters import EventFilter
from eventtide.core.db.queries.per_user import PER_USER, PerUser, per_user_trend
from eventtide.core.db.queries.property_math import Math, property_trend
from eventtide.core.db.queries.rolling_active import Rolling, rolling_trend


def points(
    conn: Connection,
    question: SeriesQuestion,
    *,
    flt: EventFilter,
    interval: trends.Interval,
    timezone: str,
    breakdown: trends.Breakdown | None,
    top: trends.Top,
) -> list[trends.TrendPoint]:
    """The series' points, ordered by bucket then group."""
    event_type, metric = question.event_type, question.metric
    if question.matches:
        flt = replace(flt, matches=(*flt.matches, *question.matches))
    if metric == "weekly_active" or metric == "monthly_active":
        return rolling_trend(
            conn, flt=flt, event_type=event_type, timezone=timezone,
            metric=cast(Rolling, metric), breakdown=breakdown, top=top,
        )  # fmt: skip
    if metric in PER_USER:
        return per_user_trend(
            conn, flt=flt, event_type=event_type, interval=interval, timezone=timezone,
            metric=cast(PerUser, metric), breakdown=breakdown, top=top,
        )  # fmt: skip
    if question.measured is not None:
        return property_trend(
            conn, flt=flt, event_type=event_type, interval=interval, timezone=timezone,
            math=cast(Math, metric), measured=question.measured, breakdown=breakdown, top=top,
        )  # fmt: skip
    return trends.trend(
        conn, flt=flt, event_type=event_type, interval=interval, timezone=timezone,
        metric=cast(trends.Metric, metric), breakdown=breakdown, top=top,
    )  # fmt: skip


def as_series(found: list[trends.TrendPoint]) -> list[TrendSeries]:
    """The points as one series per group, groups in order (the whole first)."""
    series: dict[str | None, list[TrendPointOut]] = {}
    for point in found:
        series.setdefault(point.group, []).append(
            TrendPointOut(bucket=point.bucket.isoformat(), value=point.value)
        )
    ordered = sorted(series.items(), key=lambda item: item[0] or "")
    return [TrendSeries(group=group, points=got) for group, got in ordered]


def previous_of(
    flt: EventFilter, zone: str, answer: Callable[[EventFilter], list[TrendSeries]]
) -> TrendPrevious:
    """``compare``'s answer: the same question over the range of the same length just
    before ``flt``'s (PostHog's compare to the previous period)."""
    start, end = local_range_before(flt.since, flt.until, zone)
    earlier = replace(flt, since=start, until=end)
    return TrendPrevious(
        since=earlier.since.isoformat(), until=earlier.until.isoformat(), series=answer(earlier)
    )
