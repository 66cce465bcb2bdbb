"""``GET /v1/events``: stored events, filtered, newest first, keyset-paged."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query

from eventtide.api import params
from eventtide.api.deps import EngineDep, ReadCaller
from eventtide.api.problems import PROTECTED, documented
from eventtide.api.schemas import EventPage, StoredEvent
from eventtide.core.db.queries import events

router = APIRouter(responses=documented(*PROTECTED), tags=["events"])


@router.get("/v1/events", response_model=EventPage, summary="List stored events")
def list_events(
    engine: EngineDep,
    _caller: ReadCaller,
    event_type: Annotated[params.Name | None, Query(examples=["purchase"])] = None,
    user_id: Annotated[params.Name | None, Query(examples=["u-42"])] = None,
    since: Annotated[datetime | None, Query(examples=["2026-12-01T00:00:00Z"])] = None,
    until: Annotated[datetime | None, Query(examples=["2026-12-08T00:00:00Z"])] = None,
    where: Annotated[list[params.Where], Query(examples=[["context.country=DE"]])] = [],  # noqa: B006
    where_any: params.WhereAnyQuery = [],  # noqa: B006
    cursor: Annotated[str | None, Query(max_length=256)] = None,
    limit: Annotated[int, Query(ge=1, le=1_000)] = 100,
) -> EventPage:
    """Events in ``[since, until)`` (default: the last 7 days), newest first."""
    flt = params.event_filter(since, until, where, now=datetime.now(UTC), where_any=where_any)
    after = params.decode_cursor(cursor)
    with engine.connect() as conn:
        rows = events.list_events(
            conn, flt=flt, event_type=event_type, user_id=user_id, after=after, limit=limit
        )
    page_end = events.page_end(rows) if len(rows) == limit else None
    return EventPage(
        events=[StoredEvent(**r | {"event_id": str(r["event_id"])}) for r in rows],
        next_cursor=params.encode_cursor(page_end),
    )
