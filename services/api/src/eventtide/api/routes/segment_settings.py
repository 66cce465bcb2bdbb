"""The source settings analytics.js loads before it sends anything.

Segment's browser SDK (analytics-next) starts by fetching
``<cdnURL>/v1/projects/<writeKey>/settings``, and sends events wherever those settings
point (``integrations["Segment.io"].apiHost``). Answering them here lets a page point
the SDK at eventtide with ``cdnURL`` alone: the events come back to this API's ``/v1``
routes, over the scheme and host the page used to reach it. Nothing else is switched on:
no device-mode destinations, no remote plugins or middleware, no telemetry.
"""

from __future__ import annotations

from typing import Any, Final

from fastapi import APIRouter, Request

from eventtide.api.problems import documented
from eventtide.api.routes.sdk_common import ingest_caller

router = APIRouter(tags=["segment"])

_ERRORS: Final = documented(401, 403, 429)


def source_settings(write_key: str, scheme: str, host: str) -> dict[str, Any]:
    """Settings that send every call to ``scheme://host/v1`` and load nothing else."""
    return {
        "integrations": {
            "Segment.io": {
                "apiKey": write_key,
                "apiHost": f"{host}/v1",
                "protocol": scheme,
                "unbundledIntegrations": [],
                "addBundledMetadata": True,
                "maybeBundledConfigIds": {},
            }
        },
        "plan": {"track": {"__default": {"enabled": True, "integrations": {}}}},
        "edgeFunction": {},
        "analyticsNextEnabled": True,
        "middlewareSettings": {},
        "enabledMiddleware": {},
        "metrics": {"sampleRate": 0},
        "legacyVideoPluginsEnabled": False,
        "remotePlugins": [],
    }


@router.get(
    "/v1/projects/{write_key}/settings",
    responses=_ERRORS,
    summary="Segment source settings (analytics.js loads them first)",
)
async def settings(write_key: str, request: Request) -> dict[str, Any]:
    """The settings for this write key, pointing the SDK back at this API."""
    ingest_caller(request, write_key)
    host = request.headers.get("x-forwarded-host") or request.url.netloc
    scheme = request.headers.get("x-forwarded-proto") or request.url.scheme
    return source_settings(write_key, scheme.split(",")[0].strip(), host.split(",")[0].strip())
