"""PostHog's capture API: ``/e`` and ``/i/v0/e`` (posthog-js), ``/batch`` and ``/capture``.

``/batch`` is also the path of Amplitude's Batch API: a body in Amplitude's form (its
``api_key`` and an ``events`` array) is Amplitude's upload and answered as
``/2/httpapi`` answers it.

The project token (``api_key``, or ``token`` in the body or an event) is an eventtide
ingest key. How the body may be packed (gzip-js, base64 form, plain JSON) is
:mod:`eventtide.api.posthog_body`. PostHog's SDKs read the status; the body is PostHog's
``{"status": 1}`` plus how many were accepted and refused.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final, TypeVar

from fastapi import APIRouter, Request

from eventtide.api.delivery import read_body
from eventtide.api.deps import SettingsDep
from eventtide.api.posthog_body import capture_of, decode_document
from eventtide.api.problems import Problem, documented
from eventtide.api.routes.amplitude import amplitude_batch, is_amplitude_batch
from eventtide.api.routes.sdk_common import ingest_caller, openapi_body, send_messages
from eventtide.api.settings import ApiSettings
from eventtide.core.events.contracts import from_posthog

router = APIRouter(tags=["posthog"])
Unpacked = TypeVar("Unpacked")

_ERRORS: Final = documented(400, 401, 403, 413, 415, 429, 503)
_BODY: Final = openapi_body({"type": "object"})
_PACKED: Final = (
    'One event, `{"batch": [...]}` or an array of events, as JSON; posthog-js may also '
    "send it gzipped under `text/plain`, or as a form `data=<base64>` with "
    '`?compression=base64` (docs/ingestion.md, "posthog-js in the browser").'
)
PATHS: Final = ("/e", "/i/v0/e", "/capture", "/batch")
"""PostHog's capture paths; each is also served with a trailing slash, as the SDKs call it."""


async def unpacked(
    request: Request, settings: ApiSettings, decode: Callable[..., Unpacked | Problem]
) -> Unpacked:
    """A PostHog request's body, read within the size limit and unpacked by ``decode``
    (``decode_capture`` or ``decode_document``) as its ``compression`` and content type
    say; a problem is raised."""
    raw = await read_body(request, settings.body_max_bytes)
    result = decode(
        raw,
        compression=request.query_params.get("compression"),
        content_type=request.headers.get("content-type"),
        max_bytes=settings.body_max_bytes,
    )
    if isinstance(result, Problem):
        raise result
    return result


async def _capture(request: Request, settings: SettingsDep) -> dict[str, Any]:
    document: object = await unpacked(request, settings, decode_document)
    if request.url.path.rstrip("/").endswith("/batch") and is_amplitude_batch(document):
        return await amplitude_batch(request, settings, document)
    capture = capture_of(document)
    if isinstance(capture, Problem):
        raise capture
    ingest_caller(request, capture.token)
    accepted, refused = await send_messages(
        request, capture.messages, from_posthog, sent_at=capture.sent_at, settings=settings
    )
    return {"status": 1, "accepted": accepted, "rejected": refused}


for _base in PATHS:
    for _path in (_base, _base + "/"):
        router.add_api_route(
            _path, _capture, methods=["POST"], responses=_ERRORS, openapi_extra=_BODY,
            summary="PostHog capture (one event or a batch)", description=_PACKED,
            include_in_schema=_path == _base,
        )  # fmt: skip
