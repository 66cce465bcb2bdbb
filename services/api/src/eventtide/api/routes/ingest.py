"""``POST /v1/events``: one event or a batch into Kafka, per-item results back."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Final

import orjson
from fastapi import APIRouter, Request, Response

from eventtide.api import ingest
from eventtide.api.delivery import deliver, read_body
from eventtide.api.deps import CoreDep, GatewayDep, IngestCaller, SettingsDep
from eventtide.api.problems import Problem, documented
from eventtide.api.received import received_at as arrival
from eventtide.api.schemas import IngestResponse
from eventtide.core.events import validation_context

router = APIRouter(tags=["ingest"])

_EXAMPLE_EVENT: Final = {
    "event_type": "page_view",
    "user_id": "u-42",
    "session_id": "s-1",
    "occurred_at": "2026-12-04T10:00:00Z",
    "context": {"platform": "web", "device": "desktop", "country": "DE", "page": "/home"},
    "properties": {"title": "Home"},
}
_BODY: Final[dict[str, Any]] = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "oneOf": [
                        {"type": "object", "description": "one event"},
                        {"type": "array", "items": {"type": "object"}, "minItems": 1},
                    ]
                },
                "examples": {
                    "one": {"value": _EXAMPLE_EVENT},
                    "batch": {"value": [_EXAMPLE_EVENT, _EXAMPLE_EVENT | {"user_id": "u-43"}]},
                },
            }
        },
    }
}
_ERRORS: Final = documented(400, 401, 403, 413, 415, 422, 429, 503)


@router.post(
    "/v1/events",
    response_model=IngestResponse,
    responses=_ERRORS,
    openapi_extra=_BODY,
    summary="Send one event or a batch",
)
async def post_events(
    request: Request,
    settings: SettingsDep,
    core: CoreDep,
    gateway: GatewayDep,
    _caller: IngestCaller,
) -> Response:
    """Validate each event, send the valid ones to the events topic and the others to
    the dead-letter topic, and answer once Kafka acknowledged all of them.

    The answer is written with orjson from plain dicts and returned as a ``Response``,
    so FastAPI neither builds nor re-validates an ``IngestResponse`` of 100 items: that
    was about a tenth of the request's cost in the profile. ``response_model`` still
    documents the shape, and a unit test checks the bytes against it.
    """
    problem = ingest.media_type_problem(
        request.headers.get("content-type"), request.headers.get("content-encoding")
    )
    if problem is not None:
        raise problem
    body = await read_body(request, settings.body_max_bytes)
    items = ingest.parse_items(body, settings.batch_max_events)
    if isinstance(items, Problem):
        raise items
    received_at = arrival(request)
    # One clock reading per request: the clock rule compares every event of the batch
    # with the time it was received, instead of reading the wall clock per event.
    context = validation_context(now=received_at, max_skew=timedelta(seconds=core.max_clock_skew_s))
    outcomes = ingest.prepare(items, received_at=received_at, context=context)
    accepted, refused = await deliver(gateway, outcomes, settings)
    return Response(
        orjson.dumps(ingest.response_body(outcomes, accepted, refused)),
        media_type="application/json",
    )
