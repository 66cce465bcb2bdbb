"""``GET /v1/stickiness``: persons by the number of periods they did an event in."""

from __future__ import annotations

from fastapi import APIRouter

from eventtide.api.activity import ActivityQuestion
from eventtide.api.deps import EngineDep, ReadCaller
from eventtide.api.problems import PROTECTED, documented
from eventtide.api.schemas import StickinessCountOut, StickinessResponse
from eventtide.core.db.queries import stickiness

router = APIRouter(responses=documented(*PROTECTED), tags=["analytics"])


@router.get("/v1/stickiness", response_model=StickinessResponse, summary="Stickiness")
def get_stickiness(
    engine: EngineDep, _caller: ReadCaller, asked: ActivityQuestion
) -> StickinessResponse:
    """For k = 1 to the number of local ``period``s that ``[since, until)`` touches
    (whole periods, as lifecycle's), the persons who did ``event`` in exactly k of them.
    ``where`` filters the events. A range of more than 400 periods is narrowed to its
    first and last such event."""
    with engine.connect() as conn:
        found = stickiness.stickiness(conn, asked)
    return StickinessResponse(
        event=asked.event_type, period=asked.period, timezone=asked.timezone,
        starts=[start.isoformat() for start in found.starts],
        counts=[StickinessCountOut(periods=k, users=n) for k, n in enumerate(found.users, 1)],
    )  # fmt: skip
