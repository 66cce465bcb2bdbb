"""What posthog-js asks for besides capture: the project's config and its feature flags.

posthog-js loads ``/array/<token>/config`` (or the script ``config.js``) when it starts,
and reads from it which compression the server takes and whether the project has
feature flags, session recording, surveys and the like. eventtide stores events and
serves none of those features, so the config says so: gzip-js compression, no flags, no
recording. The SDK then captures without asking ``/flags`` at every page; an app that
asks for flags anyway (``/flags``, or ``/decide`` for older SDKs) gets an empty set, so
every ``isFeatureEnabled`` is false instead of an error.

The token must be an ingest key, as at capture, so a misconfigured page fails loudly
(401) on its first request rather than losing its events later.
"""

from __future__ import annotations

import uuid
from typing import Any, Final

import orjson
from fastapi import APIRouter, Request, Response

from eventtide.api.deps import SettingsDep
from eventtide.api.posthog_body import decode_document
from eventtide.api.problems import documented
from eventtide.api.routes.posthog import unpacked
from eventtide.api.routes.sdk_common import ingest_caller, openapi_body

router = APIRouter(tags=["posthog"])

_ERRORS: Final = documented(400, 401, 403, 413, 415, 429)
_FLAGS_BODY: Final = openapi_body({"type": "object"})


COMPRESSION: Final = ("gzip-js", "gzip")
"""What the config says the server takes: posthog-js then sends gzip (``base64``, also
read, is only its fallback)."""


def project_config(token: str) -> dict[str, Any]:
    """The remote config: what eventtide takes, and every optional feature off.

    ``surveys`` is left out rather than false: posthog-js (1.449) loads its surveys
    script from the API host when the config says false, and not when the key is absent.
    """
    return {
        "token": token,
        "supportedCompression": list(COMPRESSION),
        "hasFeatureFlags": False,
        "sessionRecording": False,
        "heatmaps": False,
        "siteApps": [],
        "capturePerformance": False,
        "autocaptureExceptions": False,
        "captureDeadClicks": False,
    }


def no_flags() -> dict[str, Any]:
    """The answer to a flags request, in both the v2 (``flags``) and v1 shapes."""
    return {
        "flags": {},
        "featureFlags": {},
        "featureFlagPayloads": {},
        "errorsWhileComputingFlags": False,
        "quotaLimited": [],
        "requestId": str(uuid.uuid4()),
        "config": {"enable_collect_everything": True},
        "supportedCompression": list(COMPRESSION),
        "sessionRecording": False,
        "siteApps": [],
    }


@router.get("/array/{token}/config", responses=_ERRORS, summary="PostHog project config")
async def config(token: str, request: Request) -> dict[str, Any]:
    """The project's remote config, as posthog-js reads it at start."""
    ingest_caller(request, token)
    return project_config(token)


@router.get("/array/{token}/config.js", responses=_ERRORS, summary="PostHog project config script")
async def config_script(token: str, request: Request) -> Response:
    """The same config as a script that hands it to posthog-js (its bundles load this)."""
    ingest_caller(request, token)
    payload = orjson.dumps({"config": project_config(token), "siteApps": []}).decode()
    name = orjson.dumps(token).decode()
    script = (
        "(function(w){w._POSTHOG_REMOTE_CONFIG=w._POSTHOG_REMOTE_CONFIG||{};"
        f"w._POSTHOG_REMOTE_CONFIG[{name}]={payload};}})(window);"
    )
    return Response(script, media_type="application/javascript")


async def _flags(request: Request, settings: SettingsDep) -> dict[str, Any]:
    document: object = await unpacked(request, settings, decode_document)
    body = document if isinstance(document, dict) else {}
    ingest_caller(request, body.get("token") or body.get("api_key"))
    return no_flags()


for _base in ("/flags", "/decide"):
    for _path in (_base, _base + "/"):
        router.add_api_route(
            _path, _flags, methods=["POST"], responses=_ERRORS, openapi_extra=_FLAGS_BODY,
            summary="PostHog feature flags (eventtide serves none)",
            include_in_schema=_path == _base,
        )  # fmt: skip
