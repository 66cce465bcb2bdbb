"""``GET /v1/stickiness``: persons by the number of periods they did an event in."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Annotated

from fastapi import APIRouter, Query

from eventtide.api.activity import ActivityQuestion
from eventtide.api.deps import EngineDep, ReadCaller
from eventtide.api.problems import PROTECTED, documented
from eventtide.api.schemas import StickinessCountOut, StickinessPrevious, StickinessResponse
from eventtide.core.db.queries import stickiness
from eventtide.core.db.queries.calendar import local_range_before

router = APIRouter(responses=documented(*PROTECTED), tags=["analytics"])


@router.get("/v1/stickiness", response_model=StickinessResponse, summary="Stickiness")
def get_stickiness(
    engine: EngineDep,
    _caller: ReadCaller,
    asked: ActivityQuestion,
    compare: Annotated[bool, Query(examples=[True])] = False,
) -> StickinessResponse:
    """For k = 1 to the number of local ``period``s that ``[since, until)`` touches
    (whole periods, as lifecycle's), the persons who did ``event`` in exactly k of them.
    ``where`` filters the events. A range of more than 400 periods is narrowed to its
    first and last such event. With ``compare`` the answer also has ``previous``: the
    same question over the range of the same length just before ``since`` (PostHog's
    compare to the previous period)."""
    with engine.connect() as conn:
        found = stickiness.stickiness(conn, asked)
        previous = None
        if compare:
            since, until = local_range_before(asked.since, asked.until, asked.timezone)
            earlier = replace(asked, since=since, until=until)
            before_found = stickiness.stickiness(conn, earlier)
            previous = StickinessPrevious(
                since=earlier.since.isoformat(), until=earlier.until.isoformat(),
                starts=[start.isoformat() for start in before_found.starts],
                counts=_counts(before_found.users),
            )  # fmt: skip
    return StickinessResponse(
        event=asked.event_type, period=asked.period, timezone=asked.timezone,
        starts=[start.isoformat() for start in found.starts], counts=_counts(found.users),
        previous=previous,
    )  # fmt: skip


def _counts(users: Sequence[int]) -> list[StickinessCountOut]:
    return [StickinessCountOut(periods=k, users=n) for k, n in enumerate(users, 1)]
