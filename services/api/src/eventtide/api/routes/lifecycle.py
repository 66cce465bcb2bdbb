"""``GET /v1/lifecycle``: per period, the new, returning, resurrecting and dormant persons."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query

from eventtide.api import params
from eventtide.api.deps import EngineDep, ReadCaller
from eventtide.api.problems import PROTECTED, documented
from eventtide.api.schemas import LifecyclePeriodOut, LifecycleResponse
from eventtide.core.db.queries import active_periods, lifecycle

router = APIRouter(responses=documented(*PROTECTED), tags=["analytics"])


@router.get("/v1/lifecycle", response_model=LifecycleResponse, summary="Lifecycle of users")
def get_lifecycle(
    engine: EngineDep,
    _caller: ReadCaller,
    event: Annotated[params.Name, Query(examples=["page_view"])],
    period: Annotated[active_periods.Period, Query(examples=["week"])] = "day",
    timezone: Annotated[
        str, Query(max_length=64, examples=["UTC"], json_schema_extra={"enum": params.ZONES})
    ] = "UTC",
    since: Annotated[datetime | None, Query(examples=["2026-10-01T00:00:00Z"])] = None,
    until: Annotated[datetime | None, Query(examples=["2026-12-01T00:00:00Z"])] = None,
    where: Annotated[list[params.Where], Query(examples=[["context.country=DE"]])] = [],  # noqa: B006
) -> LifecycleResponse:
    """Each local ``period`` that ``[since, until)`` touches (whole: a period partly in
    the range counts all its events), with the persons doing ``event`` who were **new**
    (their first-ever such event), **returning** (active in the period before too),
    **resurrecting** (not in the period before, but earlier) and **dormant** (active in
    the period before, not in this one). ``where`` filters the events."""
    flt = params.event_filter(since, until, where, now=datetime.now(UTC))
    zone = params.timezone(timezone)
    with engine.connect() as conn:
        periods = lifecycle.lifecycle(
            conn, event_type=event, period=period, timezone=zone, since=flt.since,
            until=flt.until, matches=flt.matches,
        )  # fmt: skip
    return LifecycleResponse(
        event=event, period=period, timezone=zone,
        periods=[
            LifecyclePeriodOut(
                start=p.start.isoformat(), new=p.new, returning=p.returning,
                resurrecting=p.resurrecting, dormant=p.dormant,
            )
            for p in periods
        ],
    )  # fmt: skip
