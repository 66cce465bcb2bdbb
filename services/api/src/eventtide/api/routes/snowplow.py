"""Snowplow's collector endpoints: what Snowplow's trackers send (the tracker protocol).

Snowplow's protocol carries no key, so the ingest key is part of the collector URL a
tracker is given, ``https://events.example.com/snowplow/<key>``; the trackers append
``/com.snowplowanalytics.snowplow/tp2`` (POST, a ``payload_data`` batch) or ``/i`` (GET,
one event in the query string, answered with a 1x1 GIF, since a page may send it as an
image). Each event is mapped by :func:`eventtide.core.events.contracts.from_snowplow`,
accepted or dead-lettered as at every door; an identify is added for a signed-in
visitor's ids (:mod:`eventtide.api.identity_links`). The answer counts it among the
accepted and says how many were added (``links``).
"""

from __future__ import annotations

import base64
from typing import Any, Final

from fastapi import APIRouter, Request, Response

from eventtide.api.deps import SettingsDep
from eventtide.api.identity_links import with_links
from eventtide.api.problems import Problem, documented
from eventtide.api.routes.sdk_common import (
    ingest_caller,
    json_body,
    openapi_body,
    send_messages,
)
from eventtide.core.events.contracts import from_snowplow

router = APIRouter(tags=["snowplow"])

_ERRORS: Final = documented(400, 401, 403, 413, 415, 429, 503)
PAYLOAD_DATA: Final = "iglu:com.snowplowanalytics.snowplow/payload_data/"
PIXEL: Final = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")
"""A transparent 1x1 GIF, what a collector answers to ``/i``."""
_BODY: Final = openapi_body(
    {
        "type": "object",
        "required": ["schema", "data"],
        "properties": {
            "schema": {
                "type": "string",
                "pattern": "^iglu:com\\.snowplowanalytics\\.snowplow/payload_data/",
            },
            "data": {"type": "array", "minItems": 1, "items": {"type": "object"}},
        },
    }
)


@router.post(
    "/snowplow/{key}/com.snowplowanalytics.snowplow/tp2",
    responses=_ERRORS,
    openapi_extra=_BODY,
    summary="Snowplow tracker protocol: a payload_data batch",
)
async def snowplow_batch(key: str, request: Request, settings: SettingsDep) -> dict[str, Any]:
    """The events of a ``payload_data`` batch."""
    body = await json_body(request, settings)
    ingest_caller(request, key)
    schema, events = body.get("schema"), body.get("data")
    if not isinstance(schema, str) or not schema.startswith(PAYLOAD_DATA):
        raise Problem(
            400, "not-payload-data", "Not a Snowplow payload",
            f"`schema` must be {PAYLOAD_DATA}jsonschema/1-0-4 (or another 1-0-x)",
        )  # fmt: skip
    if not isinstance(events, list) or not events:
        raise Problem(400, "empty-batch", "Empty batch", "send a non-empty `data` array")
    messages, links = with_links(events, request.app.state.snowplow_pairs)
    accepted, refused = await send_messages(
        request, messages, from_snowplow, sent_at=None, settings=settings, added=links
    )
    return {"accepted": accepted, "rejected": refused, "links": links}


@router.get(
    "/snowplow/{key}/i",
    responses={**_ERRORS, 200: {"content": {"image/gif": {}}, "description": "a 1x1 GIF"}},
    summary="Snowplow tracker protocol: one event as a pixel request",
)
async def snowplow_pixel(key: str, request: Request, settings: SettingsDep) -> Response:
    """One event, its fields in the query string."""
    ingest_caller(request, key)
    messages, links = with_links([dict(request.query_params)], request.app.state.snowplow_pairs)
    await send_messages(
        request, messages, from_snowplow, sent_at=None, settings=settings, added=links
    )
    return Response(PIXEL, media_type="image/gif", headers={"Cache-Control": "no-store"})
