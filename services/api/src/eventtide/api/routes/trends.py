"""``GET /v1/trends``: a metric of one event type over time, with a breakdown."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query

from eventtide.api import params, trend_questions, trend_series
from eventtide.api.deps import EngineDep, ReadCaller
from eventtide.api.problems import PROTECTED, documented
from eventtide.api.schemas import TrendResponse, TrendSeries
from eventtide.core.db.queries import trends
from eventtide.core.db.queries.filters import EventFilter
from eventtide.core.db.queries.per_user import PerUser
from eventtide.core.db.queries.property_math import Math
from eventtide.core.db.queries.rolling_active import Rolling

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
    timezone: params.ZoneQuery = "UTC",
    breakdown: params.BreakdownQuery = None,
    top: Annotated[int, Query(ge=1, le=50)] = 5,
    since: Annotated[datetime | None, Query(examples=["2026-11-04T00:00:00Z"])] = None,
    until: Annotated[datetime | None, Query(examples=["2026-12-04T00:00:00Z"])] = None,
    where: Annotated[list[params.Where], Query(examples=[["context.platform=web"]])] = [],  # noqa: B006
    where_any: params.WhereAnyQuery = [],  # noqa: B006
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
    flt, zone = params.local_event_filter(since, until, where, timezone, where_any)
    split = params.breakdown_of(breakdown)
    question = trend_questions.checked(event_type, metric, property, interval)

    def answer(asked: EventFilter) -> list[TrendSeries]:
        with engine.connect() as conn:
            found = trend_series.points(
                conn, question, flt=asked, interval=interval, timezone=zone, breakdown=split,
                top=top,
            )  # fmt: skip
        return trend_series.as_series(found)

    previous = trend_series.previous_of(flt, zone, answer) if compare else None
    return TrendResponse(
        event_type=event_type, metric=metric, interval=interval, timezone=zone,
        series=answer(flt), previous=previous,
    )  # fmt: skip
