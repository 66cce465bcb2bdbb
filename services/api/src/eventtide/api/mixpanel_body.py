"""PURE: a Mixpanel ingestion request's body as its messages, key and answer style.

Mixpanel's SDKs send a form ``data=<JSON>`` (its Python SDK), ``data=<base64 of the
JSON>`` (mixpanel-browser's default payload format), or a JSON body (its ingestion
API's newer form); the data is one message or an array. ``verbose=1`` (in the form or
the query) asks for a JSON answer, which the Python SDK reads. The project token (an
eventtide ingest key here) is in every event's ``properties.token`` (``/track``,
``/import``) or a profile update's ``$token`` (``/engage``); a batch whose tokens differ
is refused, since one key admits the whole request.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import parse_qs

import orjson

from eventtide.api.problems import Problem

FORM: Final = "application/x-www-form-urlencoded"


@dataclass(frozen=True, slots=True)
class Request:
    """What a request carries: its messages, the token they name, and whether the
    client asked for the verbose JSON answer."""

    messages: list[Any]
    token: str | None
    verbose: bool


def decode_request(raw: bytes, *, content_type: str | None, query_verbose: str | None) -> Request:
    """The request's messages, token and answer style; a problem says what is wrong."""
    verbose = query_verbose == "1"
    declared_form = (content_type or "").split(";")[0].strip().lower() == FORM
    if declared_form or raw.startswith(b"data="):
        form = parse_qs(raw.decode("utf-8", "replace"), keep_blank_values=True)
        verbose = verbose or form.get("verbose", [""])[0] == "1"
        if "data" not in form:
            raise _bad("send the messages as the form field `data`")
        document = _data(form["data"][0])
    else:
        document = _json(raw)
    messages = document if isinstance(document, list) else [document]
    if not messages:
        raise _bad("send at least one message")
    return Request(messages, _token(messages), verbose)


def _data(value: str) -> Any:
    """``data`` as JSON text, or as (URL-safe or standard) base64 of it."""
    stripped = value.strip()
    if stripped[:1] in ("[", "{"):
        return _json(stripped.encode())
    try:
        padded = stripped + "=" * (-len(stripped) % 4)
        decoded = base64.b64decode(padded, altchars=b"-_", validate=True)
    except (binascii.Error, ValueError) as error:
        raise _bad(f"`data` is neither JSON nor base64 of it: {error}") from error
    return _json(decoded)


def _json(raw: bytes) -> Any:
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as error:
        raise Problem(400, "malformed-json", "Malformed JSON", f"not JSON: {error}") from error


def _token(messages: list[Any]) -> str | None:
    """The one token the messages name (``properties.token`` or ``$token``)."""
    tokens = set()
    for message in messages:
        if not isinstance(message, dict):
            continue
        properties = message.get("properties")
        token = message.get("$token") or (
            properties.get("token") if isinstance(properties, dict) else None
        )
        if isinstance(token, str) and token:
            tokens.add(token)
    if len(tokens) > 1:
        raise _bad("the messages name different tokens; send each project's in its own request")
    return tokens.pop() if tokens else None


def _bad(detail: str) -> Problem:
    return Problem(400, "bad-mixpanel-request", "Not a Mixpanel request", detail)
