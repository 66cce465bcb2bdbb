"""``GET /v1/lifecycle``: per period, the new, returning, resurrecting and dormant persons."""

from __future__ import annotations

from fastapi import APIRouter

from eventtide.api.activity import ActivityQuestion
from eventtide.api.deps import EngineDep, ReadCaller
from eventtide.api.problems import PROTECTED, documented
from eventtide.api.schemas import LifecyclePeriodOut, LifecycleResponse
from eventtide.core.db.queries import lifecycle

router = APIRouter(responses=documented(*PROTECTED), tags=["analytics"])


@router.get("/v1/lifecycle", response_model=LifecycleResponse, summary="Lifecycle of users")
def get_lifecycle(
    engine: EngineDep, _caller: ReadCaller, asked: ActivityQuestion
) -> LifecycleResponse:
    """Each local ``period`` that ``[since, until)`` touches (whole: a period partly in
    the range counts all its events), with the persons doing ``event`` who were **new**
    (their first-ever such event), **returning** (active in the period before too),
    **resurrecting** (not in the period before, but earlier) and **dormant** (active in
    the period before, not in this one). ``where`` filters the events."""
    with engine.connect() as conn:
        periods = lifecycle.lifecycle(conn, asked)
    return LifecycleResponse(
        event=asked.event_type, period=asked.period, timezone=asked.timezone,
        periods=[
            LifecyclePeriodOut(
                start=p.start.isoformat(), new=p.new, returning=p.returning,
                resurrecting=p.resurrecting, dormant=p.dormant,
            )
            for p in periods
        ],
    )  # fmt: skip
