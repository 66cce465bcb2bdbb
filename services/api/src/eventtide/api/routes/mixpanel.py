"""Mixpanel's ingestion API: ``/track`` and ``/import`` (events), ``/engage`` (profiles),
``/groups`` (group profiles).

The project token is an eventtide ingest key (:mod:`eventtide.api.mixpanel_body` reads
the body however the SDK packed it). Each event is mapped by
:func:`eventtide.core.events.contracts.mixpanel.from_mixpanel` (a profile update by
``from_mixpanel_profile``), accepted or dead-lettered as at every door; under
Simplified ID Merge an identify is added for each device id and user id an event
carries together (:mod:`eventtide.api.identity_links`). The answer is Mixpanel's: with
``verbose=1`` ``{"status": 1, "error": null}`` plus how many were accepted, refused and
linked; without it ``1`` (``/import``: ``{"code": 200, "num_records_imported": n,
"status": "OK"}``). A refusal is a problem document that also carries Mixpanel's
``error``, which its SDKs report.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse, PlainTextResponse

from eventtide.api.delivery import read_body
from eventtide.api.deps import SettingsDep
from eventtide.api.identity_links import LinkMaker, with_links
from eventtide.api.mixpanel_body import decode_request
from eventtide.api.problems import Problem, documented
from eventtide.api.routes.sdk_common import ingest_caller, openapi_body, send_messages
from eventtide.api.sdk import Mapper, basic_username
from eventtide.core.events.contracts.mixpanel import (
    from_mixpanel,
    from_mixpanel_group,
    from_mixpanel_profile,
    link_event,
)

router = APIRouter(tags=["mixpanel"])

_ERRORS: Final = documented(400, 401, 403, 413, 415, 429, 503)
_BODY: Final = openapi_body(
    {"oneOf": [{"type": "object"}, {"type": "array", "minItems": 1, "items": {"type": "object"}}]}
)
_PACKED: Final = (
    "A form `data=<JSON or base64 of it>` (`verbose=1` for a JSON answer) or a JSON body: "
    'one message or an array (docs/ingestion.md, "Mixpanel\'s ingestion API").'
)


@dataclass(frozen=True, slots=True)
class Door:
    """What one of Mixpanel's routes does with its messages and how it answers."""

    mapper: Mapper
    link: LinkMaker | None  # events under Simplified ID Merge; profile updates link nothing
    imports: bool  # /import's answer without verbose=1 is its JSON, not ``1``

    async def __call__(self, request: Request, settings: SettingsDep) -> Response:
        try:
            raw = await read_body(request, settings.body_max_bytes)
            body = decode_request(
                raw,
                content_type=request.headers.get("content-type"),
                query_verbose=request.query_params.get("verbose"),
            )
            key = body.token or basic_username(request.headers.get("authorization"))
            ingest_caller(request, key)
            messages, links = body.messages, 0
            if self.link is not None:
                pairs = request.app.state.mixpanel_pairs
                messages, links = with_links(messages, pairs, self.link)
            accepted, refused = await send_messages(
                request, messages, self.mapper, sent_at=None, settings=settings, added=links
            )
        except Problem as problem:
            problem.extra.setdefault("error", problem.detail)
            raise
        if body.verbose:
            answer = {"status": 1, "error": None, "accepted": accepted, "rejected": refused}
            return JSONResponse({**answer, "links": links})
        if self.imports:
            return JSONResponse({"code": 200, "num_records_imported": accepted, "status": "OK"})
        return PlainTextResponse("1")


for _base, _door, _summary in (
    ("/track", Door(from_mixpanel, link_event, imports=False), "Mixpanel: track events"),
    ("/import", Door(from_mixpanel, link_event, imports=True), "Mixpanel: import events"),
    ("/engage", Door(from_mixpanel_profile, None, imports=False), "Mixpanel: profile updates"),
    ("/groups", Door(from_mixpanel_group, None, imports=False), "Mixpanel: group profiles"),
):
    for _path in (_base, _base + "/"):
        router.add_api_route(
            _path, _door, methods=["POST"], responses=_ERRORS, openapi_extra=_BODY,
            summary=_summary, description=_PACKED, include_in_schema=_path == _base,
        )  # fmt: skip
