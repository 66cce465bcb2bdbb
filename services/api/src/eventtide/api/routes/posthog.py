"""PostHog's capture API: ``/capture`` (one event or a batch) and ``/batch``.

The project token travels in the body (``api_key``, or ``token`` in a message) and is
an eventtide ingest key. PostHog's SDKs read the status; the body is PostHog's
``{"status": 1}`` plus how many were accepted and refused.
"""

from __future__ import annotations

from typing import Any, Final

from fastapi import APIRouter, Request

from eventtide.api.deps import SettingsDep
from eventtide.api.problems import Problem, documented
from eventtide.api.routes.sdk_common import ingest_caller, json_body, send_messages
from eventtide.core.events.contracts import from_posthog

router = APIRouter(tags=["posthog"])

_ERRORS: Final = documented(400, 401, 403, 413, 415, 429, 503)
_BODY: Final = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": {"type": "object"}}},
    }
}


async def _capture(request: Request, settings: SettingsDep) -> dict[str, Any]:
    body = await json_body(request, settings)
    batch = body.get("batch")
    messages: list[Any] = batch if isinstance(batch, list) else [body]
    if not messages:
        raise Problem(400, "empty-batch", "Empty batch", "send a non-empty `batch` array")
    first = messages[0] if isinstance(messages[0], dict) else {}
    token = body.get("api_key") or first.get("api_key") or first.get("token")
    ingest_caller(request, token)
    accepted, refused = await send_messages(
        request, messages, from_posthog, sent_at=body.get("sent_at"), settings=settings
    )
    return {"status": 1, "accepted": accepted, "rejected": refused}


for _path in ("/capture", "/capture/", "/batch", "/batch/"):
    router.add_api_route(
        _path, _capture, methods=["POST"], responses=_ERRORS, openapi_extra=_BODY,
        summary="PostHog capture (one event or a batch)", include_in_schema=not _path.endswith("/"),
    )  # fmt: skip
