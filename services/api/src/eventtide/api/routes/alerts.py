"""``GET /v1/alerts``: the processor's pattern alerts, newest first."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query

from eventtide.api import cursors
from eventtide.api.deps import EngineDep, ReadCaller
from eventtide.api.params import Name
from eventtide.api.problems import PROTECTED, documented
from eventtide.api.schemas_insights import AlertOut, AlertPage
from eventtide.core.db.queries import alerts, persons

router = APIRouter(responses=documented(*PROTECTED), tags=["analytics"])


@router.get("/v1/alerts", response_model=AlertPage, summary="The alert feed")
def list_alerts(
    engine: EngineDep,
    _caller: ReadCaller,
    user_id: Annotated[
        Name | None, Query(examples=["u-42"], description="the alerts of this id's person")
    ] = None,
    rule: Annotated[str | None, Query(max_length=64, examples=["cart_abandonment"])] = None,
    cursor: Annotated[str | None, Query(max_length=400)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> AlertPage:
    """Newest first, optionally for one person or rule; keyset-paged with ``cursor``.

    ``user_id`` may be any id of a person (an anonymous device id or the user id it was
    identified as): the alerts of all its ids are listed, as on the profile.
    """
    with engine.connect() as conn:
        rows = alerts.list_alerts(
            conn, user_ids=persons.members_if(conn, user_id), rule=rule,
            before=cursors.decode(cursor), limit=limit,
        )  # fmt: skip
    last = rows[-1] if len(rows) == limit else None
    return AlertPage(
        alerts=[
            AlertOut(**{**r, "at": datetime.fromtimestamp(r["at"] / 1_000_000, UTC)}) for r in rows
        ],
        next_cursor=cursors.encode((last["at"], last["alert_id"]) if last else None),
    )
