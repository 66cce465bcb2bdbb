"""Google Analytics 4's Measurement Protocol: ``POST /mp/collect`` and its debug twin;
and what a Google tag sends to ``/g/collect`` (its web protocol), at
``/ga4/<key>/g/collect``.

The ``api_secret`` in the URL is an eventtide ingest key (``measurement_id`` or
``firebase_app_id`` beside it name the GA4 stream and are kept with the events). Each
event is mapped by :mod:`eventtide.core.events.contracts.ga4_protocol`, accepted or
dead-lettered as at every door; a request carrying ``user_id`` and a client or app
instance id adds the identify linking them, once per pair per process
(:mod:`eventtide.api.identity_links`). ``/mp/collect`` answers 204 with no body, as
GA4 does. ``/debug/mp/collect`` stores nothing and answers GA4's
``{"validationMessages": [...]}`` with each refused event's field and reason, so a
sender can be checked before it goes live.

A Google tag carries no secret, so the ingest key is part of the URL the site gives it
as its tagging server (``server_container_url: https://events.example.com/ga4/<key>``;
the tag appends ``/g/collect``). Its events are read as the Measurement Protocol
requests they stand for (:mod:`eventtide.core.events.contracts.ga4_gtag`) and go on as
those do; the answer is 204, which the tag does not read.
"""

from __future__ import annotations

from typing import Annotated, Any, Final

from fastapi import APIRouter, Query, Request, Response

from eventtide.api.delivery import read_body
from eventtide.api.deps import SettingsDep
from eventtide.api.identity_links import with_links
from eventtide.api.ingest import Refused
from eventtide.api.problems import documented
from eventtide.api.routes.sdk_common import (
    batch_of,
    ingest_caller,
    json_body,
    openapi_body,
    prepared,
    send_messages,
)
from eventtide.core.events.contracts.ga4_gtag import gtag_requests
from eventtide.core.events.contracts.ga4_protocol import (
    from_ga4_protocol,
    link_event,
    protocol_messages,
    where,
)

router = APIRouter(tags=["ga4"])

_ERRORS: Final = documented(400, 401, 403, 413, 415, 429, 503)
_BODY: Final = openapi_body(
    {
        "type": "object",
        "required": ["events"],
        "properties": {
            "client_id": {"type": "string"},
            "app_instance_id": {"type": "string"},
            "user_id": {"type": "string"},
            "timestamp_micros": {"type": ["string", "integer"]},
            "user_properties": {"type": "object"},
            "events": {"type": "array", "minItems": 1, "items": {"type": "object"}},
        },
    }
)
Secret = Annotated[str | None, Query(description="An eventtide ingest key.")]
CODES: Final = {"missing": "VALUE_REQUIRED"}
"""GA4's validation code for a rejection's rule; any other is ``VALUE_INVALID``."""


async def _messages(request: Request, settings: SettingsDep, secret: str | None) -> list[Any]:
    body = await json_body(request, settings)
    ingest_caller(request, secret)
    batch_of(body, "events")
    return protocol_messages(body)


@router.post(
    "/mp/collect", status_code=204, responses=_ERRORS, openapi_extra=_BODY,
    summary="GA4 Measurement Protocol: send events",
)  # fmt: skip
async def collect(request: Request, settings: SettingsDep, api_secret: Secret = None) -> Response:
    messages = await _messages(request, settings, api_secret)
    messages, links = with_links(messages, request.app.state.ga4_pairs, link_event)
    await send_messages(
        request, messages, from_ga4_protocol, sent_at=None, settings=settings, added=links
    )
    return Response(status_code=204)


@router.post(
    "/debug/mp/collect", responses=_ERRORS, openapi_extra=_BODY,
    summary="GA4 Measurement Protocol: check events without storing them",
)  # fmt: skip
async def debug_collect(
    request: Request, settings: SettingsDep, api_secret: Secret = None
) -> dict[str, Any]:
    messages = await _messages(request, settings, api_secret)
    outcomes = prepared(request, messages, from_ga4_protocol, sent_at=None)
    return {
        "validationMessages": [
            {
                "fieldPath": f"{where(messages[o.position])}.{o.rejection.field}".rstrip("."),
                "description": o.rejection.message,
                "validationCode": CODES.get(o.rejection.rule, "VALUE_INVALID"),
            }
            for o in outcomes
            if isinstance(o, Refused)
        ]
    }


async def _send_tag_events(request: Request, settings: SettingsDep, key: str, body: bytes) -> None:
    """Every event of a Google tag's request, as the Measurement Protocol's are sent."""
    ingest_caller(request, key)
    requests = gtag_requests(request.url.query, body.decode("utf-8", errors="replace"))
    messages = [message for one in requests for message in protocol_messages(one)]
    messages, links = with_links(messages, request.app.state.ga4_pairs, link_event)
    await send_messages(
        request, messages, from_ga4_protocol, sent_at=None, settings=settings, added=links
    )


@router.post(
    "/ga4/{key}/g/collect", status_code=204, responses=_ERRORS,
    openapi_extra=openapi_body({"type": "string"}, "text/plain"),
    summary="GA4 web protocol (a Google tag's requests): send events",
)  # fmt: skip
async def tag_collect(key: str, request: Request, settings: SettingsDep) -> Response:
    """Events in the query string, or one a line in the body over the query's parameters."""
    body = await read_body(request, settings.body_max_bytes)
    await _send_tag_events(request, settings, key, body)
    return Response(status_code=204)


@router.get(
    "/ga4/{key}/g/collect", status_code=204, responses=_ERRORS,
    summary="GA4 web protocol (a Google tag's requests): one event in the query string",
)  # fmt: skip
async def tag_collect_get(key: str, request: Request, settings: SettingsDep) -> Response:
    """One event, its parameters in the query string."""
    await _send_tag_events(request, settings, key, b"")
    return Response(status_code=204)
