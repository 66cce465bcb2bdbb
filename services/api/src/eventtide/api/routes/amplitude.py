"""Amplitude's HTTP V2 API, ``POST /2/httpapi``: what Amplitude's SDKs send (its Batch
API, ``/batch``, takes the same body and shares PostHog's path: :mod:`.posthog` hands
such a body to :func:`amplitude_batch`).

The body is ``{"api_key": ..., "events": [...], "options": {...}}``; the API key is an
eventtide ingest key. Each event is mapped by
:func:`eventtide.core.events.contracts.amplitude.from_amplitude`, accepted or
dead-lettered as at every door, and an identify is added for each device id and user id
an event carries together (:mod:`eventtide.api.identity_links`). The answer is
Amplitude's (``code``, ``events_ingested``, ``payload_size_bytes``,
``server_upload_time``) plus how many were refused and linked. Amplitude's SDKs read
``code`` and ``error`` from a refusal's body as well, and stop at an error that starts
with ``Invalid API key:``: a refusal here carries both beside the problem's fields.
"""

from __future__ import annotations

import time
from typing import Any, Final, TypeGuard

from fastapi import APIRouter, Request

from eventtide.api.deps import SettingsDep
from eventtide.api.identity_links import with_links
from eventtide.api.problems import Problem, documented
from eventtide.api.routes.sdk_common import (
    batch_of,
    ingest_caller,
    json_body,
    openapi_body,
    send_messages,
)
from eventtide.api.settings import ApiSettings
from eventtide.core.events.contracts.amplitude import from_amplitude, link_event

router = APIRouter(tags=["amplitude"])

_ERRORS: Final = documented(400, 401, 403, 413, 415, 429, 503)
_BODY: Final = openapi_body(
    {
        "type": "object",
        "required": ["api_key", "events"],
        "properties": {
            "api_key": {"type": "string"},
            "events": {"type": "array", "minItems": 1, "items": {"type": "object"}},
            "options": {"type": "object"},
        },
    }
)
PATHS: Final = ("/2/httpapi", "/2/httpapi/")


async def _http_api(request: Request, settings: SettingsDep) -> dict[str, Any]:
    try:
        body = await json_body(request, settings)
    except Problem as problem:
        raise amplitude_problem(problem) from None
    return await amplitude_batch(request, settings, body)


def is_amplitude_batch(document: object) -> TypeGuard[dict[str, Any]]:
    """A body in Amplitude's form: its ``api_key`` and an ``events`` array, where a
    PostHog body has ``batch``, or ``event`` for one."""
    return (
        isinstance(document, dict)
        and isinstance(document.get("events"), list)
        and "api_key" in document
        and "batch" not in document
        and "event" not in document
    )


def amplitude_problem(problem: Problem) -> Problem:
    """A refusal as Amplitude's SDKs read it: its ``code`` and ``error`` beside the
    problem's fields."""
    problem.extra.setdefault("code", problem.status)
    problem.extra.setdefault("error", problem.detail)
    return problem


def amplitude_caller(request: Request, key: object) -> None:
    """The key checked as every door checks it; a wrong one refused in the words at
    which Amplitude's SDKs stop retrying (``Invalid API key:``)."""
    try:
        ingest_caller(request, key)
    except Problem as problem:
        if problem.status == 401:
            problem.extra["error"] = f"Invalid API key: {problem.detail}"
        raise


async def amplitude_batch(
    request: Request, settings: ApiSettings, body: dict[str, Any]
) -> dict[str, Any]:
    """Store a decoded Amplitude upload; Amplitude's answer."""
    try:
        amplitude_caller(request, body.get("api_key"))
        events = batch_of(body, "events")
        messages, links = with_links(events, request.app.state.amplitude_pairs, link_event)
        accepted, refused = await send_messages(
            request, messages, from_amplitude, sent_at=None, settings=settings, added=links
        )
    except Problem as problem:
        raise amplitude_problem(problem) from None
    return {
        "code": 200,
        "events_ingested": accepted,
        "payload_size_bytes": int(request.headers.get("content-length") or 0),
        "server_upload_time": int(time.time() * 1000),
        "rejected": refused,
        "links": links,
    }


for _path in PATHS:
    router.add_api_route(
        _path, _http_api, methods=["POST"], responses=_ERRORS, openapi_extra=_BODY,
        summary="Amplitude HTTP V2 API (a batch of events)", include_in_schema=_path == PATHS[0],
    )  # fmt: skip
