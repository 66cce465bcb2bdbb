"""``GET /v1/stickiness``: persons by the number of periods they did an event in."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query

from eventtide.api import params
from eventtide.api.deps import EngineDep, ReadCaller
from eventtide.api.problems import PROTECTED, documented
from eventtide.api.schemas import StickinessCountOut, StickinessResponse
from eventtide.core.db.queries import active_periods, stickiness

router = APIRouter(responses=documented(*PROTECTED), tags=["analytics"])


@router.get("/v1/stickiness", response_model=StickinessResponse, summary="Stickiness")
def get_stickiness(
    engine: EngineDep,
    _caller: ReadCaller,
    event: Annotated[params.Name, Query(examples=["page_view"])],
    period: Annotated[active_periods.Period, Query(examples=["day"])] = "day",
    timezone: Annotated[
        str, Query(max_length=64, examples=["UTC"], json_schema_extra={"enum": params.ZONES})
    ] = "UTC",
    since: Annotated[datetime | None, Query(examples=["2026-11-01T00:00:00Z"])] = None,
    until: Annotated[datetime | None, Query(examples=["2026-12-01T00:00:00Z"])] = None,
    where: Annotated[list[params.Where], Query(examples=[["context.country=DE"]])] = [],  # noqa: B006
) -> StickinessResponse:
    """For k = 1 to the number of local ``period``s that ``[since, until)`` touches
    (whole periods, as lifecycle's), the persons who did ``event`` in exactly k of them.
    ``where`` filters the events. A range of more than 400 periods is narrowed to its
    first and last such event."""
    flt = params.event_filter(since, until, where, now=datetime.now(UTC))
    zone = params.timezone(timezone)
    with engine.connect() as conn:
        found = stickiness.stickiness(
            conn, event_type=event, period=period, timezone=zone, since=flt.since,
            until=flt.until, matches=flt.matches,
        )  # fmt: skip
    return StickinessResponse(
        event=event, period=period, timezone=zone,
        starts=[start.isoformat() for start in found.starts],
        counts=[StickinessCountOut(periods=k, users=n) for k, n in enumerate(found.users, 1)],
    )  # fmt: skip
