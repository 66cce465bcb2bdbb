"""Amplitude's Identify API, ``POST /identify``: a user's properties set without an event.

Amplitude's servers and integrations call it with a form (or query string; a JSON
object is read too) of
``api_key`` (here an eventtide ingest key) and ``identification``: one JSON object or an
array of them, each a ``user_id`` and/or ``device_id`` with ``user_properties`` (plain
properties are set; ``$set`` and ``$setOnce`` operations as in an Identify event). Each
is stored as the ``identify`` an Amplitude ``$identify`` event maps to, accepted or
dead-lettered as at every door; one carrying both ids links the device to the user, as
Amplitude merges them. Amplitude answers ``success``; a refusal is a problem document
with Amplitude's ``code`` and ``error`` beside it, as at ``/2/httpapi``.
"""

from __future__ import annotations

from typing import Final
from urllib.parse import parse_qs

import orjson
from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse

from eventtide.api.delivery import read_body
from eventtide.api.deps import SettingsDep
from eventtide.api.problems import Problem, documented
from eventtide.api.routes.amplitude import amplitude_caller, amplitude_problem
from eventtide.api.routes.sdk_common import openapi_body, send_messages
from eventtide.core.events.contracts.amplitude import from_amplitude

router = APIRouter(tags=["amplitude"])

_ERRORS: Final = documented(400, 401, 403, 413, 429, 503)
_BODY: Final = openapi_body(
    {
        "type": "object",
        "required": ["api_key", "identification"],
        "properties": {
            "api_key": {"type": "string"},
            "identification": {
                "type": "string",
                "description": "JSON: an object or an array of objects with `user_id` "
                "and/or `device_id` and `user_properties`",
            },
        },
    },
    media_type="application/x-www-form-urlencoded",
)
IDENTIFY: Final = "$identify"


async def _identify(request: Request, settings: SettingsDep) -> PlainTextResponse:
    try:
        raw = await read_body(request, settings.body_max_bytes)
        form: dict[str, object] = {**request.query_params, **_fields(raw)}
        amplitude_caller(request, form.get("api_key"))
        messages = [{**each, "event_type": IDENTIFY} for each in _identifications(form)]
        await send_messages(request, messages, from_amplitude, sent_at=None, settings=settings)
    except Problem as problem:
        raise amplitude_problem(problem) from None
    return PlainTextResponse("success")


def _fields(raw: bytes) -> dict[str, object]:
    """The form's fields (the last of a repeated one), or a JSON object's."""
    if raw.lstrip().startswith(b"{"):
        try:
            document = orjson.loads(raw)
        except orjson.JSONDecodeError as error:
            raise Problem(400, "malformed-json", "Malformed JSON", f"not JSON: {error}") from error
        return document if isinstance(document, dict) else {}
    parsed = parse_qs(raw.decode("utf-8", "replace"), keep_blank_values=True)
    return {name: values[-1] for name, values in parsed.items()}


def _identifications(form: dict[str, object]) -> list[dict[str, object]]:
    """The ``identification`` field's objects, or a 400 saying what is wrong."""
    parsed = form.get("identification")
    if parsed in (None, ""):
        raise Problem(400, "empty-batch", "No identification",
                      "send `identification`: a JSON object or array of them")  # fmt: skip
    if isinstance(parsed, str):
        try:
            parsed = orjson.loads(parsed)
        except orjson.JSONDecodeError as error:
            raise Problem(
                400, "malformed-json", "Malformed JSON", f"`identification` is not JSON: {error}"
            ) from error
    listed = parsed if isinstance(parsed, list) else [parsed]
    objects = [each for each in listed if isinstance(each, dict)]
    if not objects or len(objects) != len(listed):
        raise Problem(400, "malformed-json", "Malformed JSON",
                      "`identification` is an object or a non-empty array of objects")  # fmt: skip
    return objects


router.add_api_route(
    "/identify", _identify, methods=["POST"], responses=_ERRORS, openapi_extra=_BODY,
    summary="Amplitude Identify API (user properties)", response_class=PlainTextResponse,
)  # fmt: skip
