"""Segment's HTTP Tracking API: what Segment's and RudderStack's SDKs send.

``/v1/batch`` (also ``/v1/import/``, its older name, where Segment's Java SDK sends) and
one route per call type; analytics.js in the browser calls the same routes by their
first letter (``/v1/t``, ``/v1/p``... and ``/v1/b`` for a batch), with a
``text/plain`` body so that no CORS preflight is needed. The write key arrives as HTTP
Basic user name (or ``writeKey`` in the body or the query) and is an eventtide ingest
key. Segment's SDKs read only the status: 200 once Kafka has every accepted message;
refused messages are in the dead-letter topic with their reason, and the body says how
many.
"""

from __future__ import annotations

from typing import Any, Final

from fastapi import APIRouter, Request

from eventtide.api.deps import SettingsDep
from eventtide.api.problems import documented
from eventtide.api.routes.sdk_common import (
    batch_of,
    ingest_caller,
    json_body,
    openapi_body,
    send_messages,
)
from eventtide.api.sdk import basic_username
from eventtide.core.events.contracts import from_segment
from eventtide.core.events.contracts.common import obj

router = APIRouter(tags=["segment"])

_ERRORS: Final = documented(400, 401, 403, 413, 415, 429, 503)

CALLS: Final = ("track", "page", "screen", "identify", "alias", "group")

ALIASES: Final = {"batch": ("import", "import/")}
"""Older names: Segment's Java SDK posts its batches to ``/v1/import/``. (analytics.js
calls each route by its first letter too: ``/v1/t``, ``/v1/p``... ``/v1/b``.)"""


BATCH_BODY: Final = openapi_body(
    {
        "type": "object",
        "required": ["batch"],
        "properties": {
            "batch": {"type": "array", "minItems": 1, "items": {"type": "object"}},
            "sentAt": {"type": "string"},
            "writeKey": {"type": "string"},
        },
    }
)
_CALL_BODY: Final = openapi_body({"type": "object"})


def write_key(request: Request, body: dict[str, Any]) -> object:
    """The write key: the HTTP Basic user name, else ``writeKey`` in the body, else in the
    query (where RudderStack's browser SDK puts it on a beacon, which sends no headers)."""
    return (
        basic_username(request.headers.get("authorization"))
        or body.get("writeKey")
        or request.query_params.get("writeKey")
    )


def _answer(accepted: int, refused: int) -> dict[str, Any]:
    return {"success": True, "accepted": accepted, "rejected": refused}


async def segment_batch(request: Request, settings: SettingsDep) -> dict[str, Any]:
    """A Segment batch: ``{"batch": [...], "sentAt": ..., "context": {...}}``."""
    body = await json_body(request, settings)
    ingest_caller(request, write_key(request, body))
    batch = batch_of(body, "batch")
    shared = obj(body.get("context"))
    messages = [
        {**m, "context": {**shared, **obj(m.get("context"))}} if isinstance(m, dict) else m
        for m in batch
    ]
    accepted, refused = await send_messages(
        request, messages, from_segment, sent_at=body.get("sentAt"), settings=settings
    )
    return _answer(accepted, refused)


def _single(call: str) -> Any:
    async def one(request: Request, settings: SettingsDep) -> dict[str, Any]:
        body = await json_body(request, settings)
        ingest_caller(request, write_key(request, body))
        accepted, refused = await send_messages(
            request, [{**body, "type": call}], from_segment, sent_at=body.get("sentAt"),
            settings=settings,
        )  # fmt: skip
        return _answer(accepted, refused)

    one.__name__ = f"segment_{call}"
    one.__doc__ = f"One Segment `{call}` call."
    return one


for _path, _route, _extra, _summary in (
    ("batch", segment_batch, BATCH_BODY, "Segment batch (the SDKs' default)"),
    *((_call, _single(_call), _CALL_BODY, f"Segment {_call}") for _call in CALLS),
):
    for _name in (_path, *ALIASES.get(_path, ()), _path[0]):
        router.add_api_route(
            f"/v1/{_name}", _route, methods=["POST"], responses=_ERRORS, openapi_extra=_extra,
            summary=_summary, include_in_schema=_name == _path,
        )  # fmt: skip
