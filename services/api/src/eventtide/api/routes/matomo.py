"""Matomo's Tracking HTTP API: what Matomo's trackers send to ``matomo.php``.

Matomo's requests carry no key (``idsite`` is public), so the ingest key is part of the
tracker URL a tracker is given, ``https://events.example.com/matomo/<key>/matomo.php``
(``piwik.php`` too, the name older trackers use). A request is one action in its query
string (GET), or in a form body (POST), or a bulk request: JSON ``{"requests":
["?idsite=1&rec=1&...", ...]}``. Each action is mapped by
:mod:`eventtide.core.events.contracts.matomo`, accepted or dead-lettered as at every door;
a request naming a user and a visitor adds the identify linking them, once per pair per
process. The answer is Matomo's: a 1x1 GIF (204 with ``send_image=0``), and for a bulk
request ``{"status": "success", "tracked": n, "invalid": m}``.
"""

from __future__ import annotations

import base64
from typing import Final

import orjson
from fastapi import APIRouter, Request, Response

from eventtide.api.delivery import read_body
from eventtide.api.deps import SettingsDep
from eventtide.api.identity_links import with_links
from eventtide.api.matomo_body import decode_actions
from eventtide.api.problems import documented
from eventtide.api.routes.sdk_common import ingest_caller, openapi_body, send_messages
from eventtide.core.events.contracts.matomo import from_matomo, link_event, records_nothing

router = APIRouter(tags=["matomo"])

_ERRORS: Final = documented(400, 401, 403, 413, 429, 503)
PIXEL: Final = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")
"""A transparent 1x1 GIF, what ``matomo.php`` answers unless told ``send_image=0``."""
TRACKERS: Final = ("matomo.php", "piwik.php")
_BULK: Final = openapi_body(
    {
        "type": "object",
        "required": ["requests"],
        "properties": {"requests": {"type": "array", "minItems": 1, "items": {"type": "string"}}},
    }
)


async def _track(key: str, request: Request, settings: SettingsDep, body: bytes) -> Response:
    ingest_caller(request, key)
    query = dict(request.query_params)
    actions, bulk = decode_actions(query, body, request.headers.get("content-type", ""))
    recorded = [action for action in actions if not records_nothing(action)]
    messages, links = with_links(recorded, request.app.state.matomo_pairs, link_event)
    accepted, refused = await send_messages(
        request, messages, from_matomo, sent_at=None, settings=settings, added=links
    )
    if bulk:
        return Response(
            orjson.dumps({"status": "success", "tracked": accepted - links, "invalid": refused}),
            media_type="application/json",
        )
    if query.get("send_image") == "0" or actions[0].get("send_image") == "0":
        return Response(status_code=204)
    return Response(PIXEL, media_type="image/gif", headers={"Cache-Control": "no-store"})


for _tracker in TRACKERS:

    @router.get(
        f"/matomo/{{key}}/{_tracker}", responses=_ERRORS,
        summary=f"Matomo Tracking API ({_tracker}): one action in the query string",
    )  # fmt: skip
    async def matomo_get(key: str, request: Request, settings: SettingsDep) -> Response:
        """One action, its parameters in the query string."""
        return await _track(key, request, settings, b"")

    @router.post(
        f"/matomo/{{key}}/{_tracker}", responses=_ERRORS, openapi_extra=_BULK,
        summary=f"Matomo Tracking API ({_tracker}): a form, or a bulk request",
    )  # fmt: skip
    async def matomo_post(key: str, request: Request, settings: SettingsDep) -> Response:
        """One action as a form (over the query's parameters), or JSON ``requests``."""
        body = await read_body(request, settings.body_max_bytes)
        return await _track(key, request, settings, body)
