"""What RudderStack's browser SDK asks for besides the Segment routes it shares.

RudderStack's JavaScript SDK (``@rudderstack/analytics-js``) starts by loading its
source's configuration from ``<configUrl>/sourceConfig/`` (the write key as HTTP Basic
user name and in the query), then sends each call to the data plane's ``/v1/<type>``,
which are Segment's routes here. Answering the configuration lets a page point both
``configUrl`` and the data plane URL at eventtide: one enabled source, no device-mode
destinations (nothing loaded from a CDN), no error or metrics reports. With
``useBeacon`` the SDK sends batches by ``navigator.sendBeacon`` to
``/beacon/v1/batch?writeKey=<key>``: a beacon carries no headers, so the key is in
the query.
"""

from __future__ import annotations

from typing import Any, Final

from fastapi import APIRouter, Request

from eventtide.api.problems import documented
from eventtide.api.routes.sdk_common import ingest_caller
from eventtide.api.routes.segment import BATCH_BODY, segment_batch, write_key

router = APIRouter(tags=["rudderstack"])

_ERRORS: Final = documented(401, 403, 429)


def source_config(write_key: str, source_name: str) -> dict[str, Any]:
    """One enabled source with nothing to load and nothing to report."""
    return {
        "isHosted": False,
        "source": {
            "id": source_name,
            "name": source_name,
            "writeKey": write_key,
            "workspaceId": "eventtide",
            "enabled": True,
            "config": {
                "statsCollection": {"errors": {"enabled": False}, "metrics": {"enabled": False}}
            },
            "destinations": [],
        },
    }


async def source_configuration(request: Request) -> dict[str, Any]:
    """The source's configuration for this write key."""
    key = write_key(request, {})
    caller = ingest_caller(request, key)
    return source_config(str(key), caller.subject)


for _path in ("/sourceConfig", "/sourceConfig/"):
    router.add_api_route(
        _path, source_configuration, methods=["GET"], responses=_ERRORS,
        summary="RudderStack source configuration (its browser SDK loads it first)",
        include_in_schema=_path == "/sourceConfig/",
        openapi_extra={"parameters": [
            {"name": "writeKey", "in": "query", "required": False, "schema": {"type": "string"}}
        ]},
    )  # fmt: skip

router.add_api_route(
    "/beacon/v1/batch", segment_batch, methods=["POST"],
    responses=documented(400, 401, 403, 413, 415, 429, 503),
    summary="RudderStack beacon batch (the key in the query)",
    openapi_extra={
        **BATCH_BODY,
        "parameters": [
            {"name": "writeKey", "in": "query", "required": True, "schema": {"type": "string"}}
        ],
    },
)  # fmt: skip
