"""``GET /v1/retention``: cohorts by first (or every) start event, returns per later period."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query

from eventtide.api import params
from eventtide.api.deps import EngineDep, ReadCaller
from eventtide.api.problems import PROTECTED, documented
from eventtide.api.schemas import CohortOut, RetentionResponse
from eventtide.core.db.queries import retention
from eventtide.core.db.queries.calendar import Period

router = APIRouter(responses=documented(*PROTECTED), tags=["analytics"])


@router.get("/v1/retention", response_model=RetentionResponse, summary="Retention matrix")
def get_retention(
    engine: EngineDep,
    _caller: ReadCaller,
    start_event: Annotated[params.Name, Query(examples=["signup"])],
    return_event: Annotated[params.Name, Query(examples=["purchase"])],
    period: Annotated[Period, Query(examples=["week"])] = "day",
    periods: Annotated[int, Query(ge=1, le=60, examples=[8])] = 8,
    timezone: Annotated[
        str, Query(max_length=64, examples=["UTC"], json_schema_extra={"enum": params.ZONES})
    ] = "UTC",
    since: Annotated[datetime | None, Query(examples=["2026-10-01T00:00:00Z"])] = None,
    until: Annotated[datetime | None, Query(examples=["2026-12-01T00:00:00Z"])] = None,
    where: Annotated[list[params.Where], Query(examples=[["context.country=DE"]])] = [],  # noqa: B006
    where_any: params.WhereAnyQuery = [],  # noqa: B006
    start_where: Annotated[list[params.Where], Query(examples=[["properties.plan=pro"]])] = [],  # noqa: B006
    return_where: Annotated[list[params.Where], Query(examples=[["context.platform=ios"]])] = [],  # noqa: B006
    cumulative: Annotated[bool, Query(examples=[True])] = False,
    retention_type: Annotated[
        Literal["first_time", "recurring"], Query(examples=["recurring"])
    ] = "first_time",
) -> RetentionResponse:
    """Users whose first ``start_event`` falls in ``[since, until)`` form a cohort per
    local ``period``; ``counts[k]`` is how many of them did ``return_event`` in the k-th
    period after (``counts[0]``: the cohort's size). ``where`` filters both events;
    ``start_where`` only the start event (its first matching one makes the cohort),
    ``return_where`` only the return event. With ``cumulative`` a user counts in
    ``counts[k]`` when they returned in period k or a later one ("on or after").
    ``retention_type=recurring`` (PostHog's recurring retention) puts a user in the
    cohort of every period in which they did ``start_event``, not only their first."""
    flt, zone = params.local_event_filter(since, until, where, timezone, where_any)
    start_matches = (*flt.matches, *map(params.parse_match, start_where))
    return_matches = (*flt.matches, *map(params.parse_match, return_where))
    with engine.connect() as conn:
        cohorts = retention.retention(
            conn, start_event=start_event, return_event=return_event, period=period,
            periods=periods, timezone=zone, since=flt.since, until=flt.until,
            start_matches=start_matches, return_matches=return_matches, cumulative=cumulative,
            recurring=retention_type == "recurring",
        )  # fmt: skip
    return RetentionResponse(
        start_event=start_event, return_event=return_event, period=period, timezone=zone,
        cohorts=[CohortOut(cohort=c.start.isoformat(), counts=list(c.counts)) for c in cohorts],
    )  # fmt: skip
