"""``GET /v1/trends``: a metric of one event type over time, with a breakdown."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Annotated, cast

from fastapi import APIRouter, Query

from eventtide.api import params
from eventtide.api.deps import EngineDep, ReadCaller
from eventtide.api.problems import PROTECTED, documented
from eventtide.api.schemas import TrendPointOut, TrendPrevious, TrendResponse, TrendSeries
from eventtide.core.db.queries import trends
from eventtide.core.db.queries.calendar import local_range_before
from eventtide.core.db.queries.filters import EventFilter
from eventtide.core.db.queries.per_user import PER_USER, PerUser, per_user_trend
from eventtide.core.db.queries.property_math import Math, property_trend
from eventtide.core.db.queries.rolling_active import WINDOW_DAYS, Rolling, rolling_trend

router = APIRouter(responses=documented(*PROTECTED), tags=["analytics"])


@router.get("/v1/trends", response_model=TrendResponse, summary="Trend of one event type")
def get_trend(
    engine: EngineDep,
    _caller: ReadCaller,
    event_type: Annotated[params.Name, Query(examples=["purchase"])],
    metric: Annotated[
        trends.Metric | Rolling | Math | PerUser, Query(examples=["unique_users"])
    ] = "count",
    property: Annotated[
        str | None,
        Query(max_length=80, pattern=params.PROPERTY_PATTERN, examples=["properties.price"]),
    ] = None,
    interval: Annotated[trends.Interval, Query(examples=["day"])] = "day",
    timezone: Annotated[
        str,
        Query(max_length=64, examples=["Europe/Berlin"], json_schema_extra={"enum": params.ZONES}),
    ] = "UTC",
    breakdown: Annotated[
        str | None,
        Query(max_length=80, pattern=params.BREAKDOWN_PATTERN, examples=["context.country"]),
    ] = None,
    top: Annotated[int, Query(ge=1, le=50)] = 5,
    since: Annotated[datetime | None, Query(examples=["2026-11-04T00:00:00Z"])] = None,
    until: Annotated[datetime | None, Query(examples=["2026-12-04T00:00:00Z"])] = None,
    where: Annotated[list[params.Where], Query(examples=[["context.platform=web"]])] = [],  # noqa: B006
    compare: Annotated[bool, Query(examples=[True])] = False,
) -> TrendResponse:
    """``count`` of events, ``unique_users``, or ``amount_sum`` (cents, e.g. of
    purchases) per minute/hour/day/week/month in ``timezone``; ``weekly_active`` and
    ``monthly_active`` per day: the users active in the 7 or 30 days ending with it;
    ``sum``, ``avg``, ``min``, ``max``, ``median``, ``p90``, ``p95`` or ``p99`` of the
    number ``property`` names (``amount_cents``, ``properties.<name>`` or
    ``context.<field>``), over the events that carry one (PostHog's property math);
    ``avg_per_user``, ``min_per_user``, ..., ``p99_per_user`` of the events each user
    did in the bucket (PostHog's count per user).
    With ``breakdown`` the ``top`` values each get a series and the rest are one
    ``(other)``. With ``compare`` the answer also has ``previous``: the same question over
    the range of the same length just before ``since`` (PostHog's compare to the previous
    period)."""
    flt, zone = params.local_event_filter(since, until, where, timezone)
    split = params.breakdown_of(breakdown)
    measured = params.measured_of(metric, property)
    if metric in WINDOW_DAYS and interval != "day":
        raise params.bad(
            f"metric={metric} counts each day's users active in the {WINDOW_DAYS[metric]} "
            f"days ending with it: use interval=day"
        )

    def answer(asked: EventFilter) -> list[TrendSeries]:
        with engine.connect() as conn:
            if metric == "weekly_active" or metric == "monthly_active":
                points = rolling_trend(
                    conn, flt=asked, event_type=event_type, timezone=zone, metric=metric,
                    breakdown=split, top=top,
                )  # fmt: skip
            elif metric in PER_USER:
                points = per_user_trend(
                    conn, flt=asked, event_type=event_type, interval=interval, timezone=zone,
                    metric=cast(PerUser, metric), breakdown=split, top=top,
                )  # fmt: skip
            elif measured is not None:  # the metric is property math (params.measured_of)
                points = property_trend(
                    conn, flt=asked, event_type=event_type, interval=interval, timezone=zone,
                    math=cast(Math, metric), measured=measured, breakdown=split, top=top,
                )  # fmt: skip
            else:
                points = trends.trend(
                    conn, flt=asked, event_type=event_type, interval=interval, timezone=zone,
                    metric=cast(trends.Metric, metric), breakdown=split, top=top,
                )  # fmt: skip
        series: dict[str | None, list[TrendPointOut]] = {}
        for point in points:
            series.setdefault(point.group, []).append(
                TrendPointOut(bucket=point.bucket.isoformat(), value=point.value)
            )
        return [TrendSeries(group=g, points=p) for g, p in sorted(series.items(), key=_order)]

    previous = None
    if compare:
        start, end = local_range_before(flt.since, flt.until, zone)
        earlier = replace(flt, since=start, until=end)
        previous = TrendPrevious(
            since=earlier.since.isoformat(),
            until=earlier.until.isoformat(),
            series=answer(earlier),
        )
    return TrendResponse(
        event_type=event_type, metric=metric, interval=interval, timezone=zone,
        series=answer(flt), previous=previous,
    )  # fmt: skip


def _order(item: tuple[str | None, list[TrendPointOut]]) -> str:
    return item[0] or ""
