"""PURE: a PostHog capture request's body, however the SDK packed it, as its messages.

posthog-js does not send plain JSON once the project's config says the server takes
compression (``supportedCompression``): it sends ``?compression=gzip-js`` with a gzip
body labelled ``text/plain`` (no ``Content-Encoding``, so the browser sends it without a
CORS preflight), or ``?compression=base64`` with a form body ``data=<base64 JSON>`` (its
fallback, and older versions' default). Server SDKs send JSON, gzipped with
``Content-Encoding: gzip`` (undone before this). PostHog's own capture service reads
all of them, and a gzip body is known by its magic bytes whatever the label says.

The body is one event, ``{"batch": [...]}``, or a bare array of events (older
posthog-js); the project token is ``api_key`` or ``token`` at the top, or in an event
(``api_key``, ``token``, ``properties.token``).
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import parse_qs

import orjson

from eventtide.api.ingest import gunzip
from eventtide.api.problems import Problem

GZIP_MAGIC: Final = b"\x1f\x8b"
FORM: Final = "application/x-www-form-urlencoded"
SUPPORTED: Final = ("gzip-js", "gzip", "base64")
"""The ``compression`` values read."""


@dataclass(frozen=True, slots=True)
class Capture:
    """What a capture request carries: its messages, the token and the batch's sent time."""

    messages: list[Any]
    token: object
    sent_at: object


def decode_capture(
    raw: bytes, *, compression: str | None, content_type: str | None, max_bytes: int
) -> Capture | Problem:
    """The request's messages, or the problem that says what is wrong with the body."""
    document = decode_document(
        raw, compression=compression, content_type=content_type, max_bytes=max_bytes
    )
    return document if isinstance(document, Problem) else capture_of(document)


def capture_of(document: object) -> Capture | Problem:
    """A decoded body's messages: one event, ``{"batch": [...]}`` or a list of events."""
    if isinstance(document, list):
        messages, top = document, {}
    elif isinstance(document, dict):
        batch = document.get("batch")
        messages, top = (batch if isinstance(batch, list) else [document]), document
    else:
        return Problem(400, "malformed-json", "Malformed JSON", "send an event, a batch or a list")
    if not messages:
        return Problem(400, "empty-batch", "Empty batch", "send a non-empty `batch` array")
    return Capture(messages, _token(top, messages[0]), top.get("sent_at"))


def decode_document(
    raw: bytes, *, compression: str | None, content_type: str | None, max_bytes: int
) -> object:
    """The JSON document the body packs (any JSON value), or a problem."""
    packing = (compression or "").strip().lower()
    if packing and packing not in SUPPORTED:
        return Problem(
            415,
            "unsupported-media-type",
            "Unsupported compression",
            f"compression={packing!r} is not read; eventtide reads "
            f"{', '.join(SUPPORTED)} or none (PostHog's SDKs pick gzip-js from the config "
            "`/array/<token>/config` answers)",
        )
    if packing in ("gzip-js", "gzip") or raw.startswith(GZIP_MAGIC):
        inflated = gunzip(raw, max_bytes)
        if isinstance(inflated, Problem):
            return inflated
        raw = inflated
    elif packing == "base64" or _media(content_type) == FORM:
        unpacked = _form_data(raw, base64_required=packing == "base64")
        if isinstance(unpacked, Problem):
            return unpacked
        raw = unpacked
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as error:
        return Problem(400, "malformed-json", "Malformed JSON", f"the body is not JSON: {error}")


def _form_data(raw: bytes, *, base64_required: bool) -> bytes | Problem:
    """The ``data`` field of a form body: base64 of JSON, or JSON itself."""
    try:
        fields = parse_qs(raw.decode("ascii"), strict_parsing=False)
    except UnicodeDecodeError:
        fields = {}
    values = fields.get("data")
    if not values:
        return Problem(400, "malformed-form", "Malformed form body", "send the events as `data=`")
    data = values[0].strip()
    if not base64_required and data[:1] in ("{", "["):
        return data.encode()
    packed = data.replace(" ", "+")  # a "+" the client did not escape reads as a space
    try:
        return base64.b64decode(packed + "=" * (-len(packed) % 4), validate=True)
    except (binascii.Error, ValueError) as error:
        return Problem(
            400, "malformed-form", "Malformed form body", f"`data` is not base64: {error}"
        )


def _media(content_type: str | None) -> str:
    return (content_type or "").split(";", 1)[0].strip().lower()


def _token(top: dict[str, Any], first: object) -> object:
    """The project token, wherever this SDK version put it."""
    event = first if isinstance(first, dict) else {}
    properties = event.get("properties")
    from_properties = properties.get("token") if isinstance(properties, dict) else None
    return (
        top.get("api_key")
        or top.get("token")
        or event.get("api_key")
        or event.get("token")
        or from_properties
    )
