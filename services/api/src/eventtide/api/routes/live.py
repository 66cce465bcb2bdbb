"""``GET /v1/live``: a Server-Sent Events stream of new events and per-second counts.

SSE rather than a WebSocket: one direction is all the dashboard needs, it passes every
HTTP proxy, and the API's header authentication applies unchanged (the page reads it
with ``fetch``, which can send ``X-API-Key``). A client too slow for its queue is
dropped (see :mod:`eventtide.api.live`); ingestion never waits for it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse

from eventtide.api import params
from eventtide.api.deps import ReadCaller
from eventtide.api.live import DROPPED, LiveHub
from eventtide.api.problems import PROTECTED, documented

router = APIRouter(responses=documented(*PROTECTED), tags=["live"])

_STREAM: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {"text/event-stream": {"example": 'event: tick\ndata: {"second": 1, ...}\n\n'}},
        "description": "``tick`` each second (counts per event type), ``event`` per new event",
    }
}


@router.get(
    "/v1/live",
    response_class=StreamingResponse,
    responses=_STREAM,
    summary="Live stream of events and per-second counts",
)
async def live(
    request: Request,
    _caller: ReadCaller,
    event_type: Annotated[list[params.Name], Query(examples=[["purchase"]])] = [],  # noqa: B006
    events: Annotated[bool, Query(description="also send each event, not only counts")] = True,
) -> StreamingResponse:
    """Counts of the last minute first, then a ``tick`` per second and, with ``events``,
    each event this API replica received, limited to ``event_type`` when given."""
    hub: LiveHub = request.app.state.live
    sub = hub.subscribe(frozenset(event_type), with_events=events)

    async def stream() -> AsyncIterator[bytes]:
        try:
            yield b": eventtide live\n\n"
            while True:
                item = await sub.queue.get()
                if item is None:
                    if sub.dropped:
                        yield DROPPED
                    return
                yield item
        finally:
            hub.unsubscribe(sub)

    headers = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
    return StreamingResponse(stream(), media_type="text/event-stream", headers=headers)
