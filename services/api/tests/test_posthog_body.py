"""PostHog capture bodies as posthog-js and the server SDKs pack them, on plain bytes."""

from __future__ import annotations

import base64
import gzip
from urllib.parse import quote

import orjson
import pytest

from eventtide.api.posthog_body import FORM, Capture, decode_capture, decode_document
from eventtide.api.problems import Problem

pytestmark = pytest.mark.unit

LIMIT = 1 << 20
EVENT = {"event": "Product Added", "distinct_id": "u-1", "properties": {"price": 12.5, "é": "ü"}}
BATCH = {"api_key": "et_k", "batch": [EVENT, EVENT], "sent_at": "2026-12-06T10:00:00Z"}


def _decode(raw: bytes, compression: str | None = None, content_type: str = "text/plain") -> object:
    return decode_capture(raw, compression=compression, content_type=content_type, max_bytes=LIMIT)


def _form(data: str) -> bytes:
    return ("data=" + quote(data, safe="")).encode()


def _b64(document: object) -> str:
    return base64.b64encode(orjson.dumps(document)).decode()


EXPECTED = Capture([EVENT, EVENT], "et_k", "2026-12-06T10:00:00Z")


def test_every_packing_posthog_js_uses_reads_the_same_batch() -> None:
    plain = orjson.dumps(BATCH)
    assert _decode(plain, content_type="application/json") == EXPECTED
    assert _decode(gzip.compress(plain), "gzip-js") == EXPECTED
    assert _decode(gzip.compress(plain), "gzip") == EXPECTED
    # a gzip body is known by its magic bytes, whatever the label (a proxy dropped the query)
    assert _decode(gzip.compress(plain)) == EXPECTED
    assert _decode(_form(_b64(BATCH)), "base64", FORM) == EXPECTED
    # a client that did not escape "+" in its form: it reads as a space
    spaced = _form(_b64(BATCH)).replace(b"%2B", b"+")
    assert _decode(spaced, "base64", FORM) == EXPECTED
    # an old form body: JSON itself in `data`, or base64 without the query
    assert _decode(_form(orjson.dumps(BATCH).decode()), None, FORM) == EXPECTED
    assert _decode(_form(_b64(BATCH)), None, FORM) == EXPECTED


def test_one_event_a_bare_list_and_where_the_token_hides() -> None:
    single = {**EVENT, "api_key": "et_one"}
    assert _decode(orjson.dumps(single)) == Capture([single], "et_one", None)
    listed = [{**EVENT, "properties": {"token": "et_prop"}}]
    assert _decode(orjson.dumps(listed)) == Capture(listed, "et_prop", None)
    tokened = {"token": "et_top", "batch": [EVENT]}
    assert _decode(orjson.dumps(tokened)) == Capture([EVENT], "et_top", None)
    assert _decode(orjson.dumps({"batch": [EVENT]})) == Capture([EVENT], None, None)


@pytest.mark.parametrize(
    ("raw", "compression", "content_type", "status", "says"),
    [
        (b"x", "lz64", "text/plain", 415, "gzip-js"),
        (b"x", "brotli", "text/plain", 415, "not read"),
        (b"\x1f\x8bnot gzip at all", "gzip-js", "text/plain", 400, "gzip"),
        (gzip.compress(orjson.dumps(BATCH))[:-9], "gzip-js", "text/plain", 400, "truncated"),
        (b"data=%%%not-base64", "base64", FORM, 400, "base64"),
        (b"other=1", "base64", FORM, 400, "data="),
        (_form(base64.b64encode(b"{not json").decode()), "base64", "text/plain", 400, "JSON"),
        (b'{"batch": []}', None, "application/json", 400, "non-empty"),
        (b"[]", None, "application/json", 400, "non-empty"),
        (b'"text"', None, "application/json", 400, "batch"),
    ],
)
def test_a_bad_body_says_what_is_wrong(
    raw: bytes, compression: str | None, content_type: str, status: int, says: str
) -> None:
    problem = _decode(raw, compression, content_type)
    assert isinstance(problem, Problem), problem
    assert problem.status == status
    assert says in problem.detail


def test_a_gzip_bomb_is_refused_before_it_is_inflated() -> None:
    bomb = gzip.compress(b"[" + b" " * (2 * LIMIT) + b"]")
    problem = decode_document(bomb, compression="gzip-js", content_type=None, max_bytes=LIMIT)
    assert isinstance(problem, Problem)
    assert problem.status == 413
