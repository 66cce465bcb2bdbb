"""Mixpanel request bodies as its SDKs pack them: form data (JSON or base64), JSON."""

from __future__ import annotations

import base64
from urllib.parse import urlencode

import orjson
import pytest

from eventtide.api.mixpanel_body import FORM, decode_request
from eventtide.api.problems import Problem

pytestmark = pytest.mark.unit

PROPERTIES = {"token": "et_k", "distinct_id": "u-1"}
EVENTS = [{"event": "Song Played", "properties": PROPERTIES},
          {"event": "Song Skipped", "properties": PROPERTIES}]  # fmt: skip


def _form(data: str, **fields: str) -> bytes:
    return urlencode({"data": data, **fields}).encode()


def test_every_packing_reads_the_same_messages_and_token() -> None:
    text = orjson.dumps(EVENTS).decode()
    packed = base64.b64encode(text.encode()).decode()
    urlsafe = base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")
    for raw, content_type in (
        (_form(text, verbose="1"), FORM),  # the Python SDK
        (_form(packed), f"{FORM}; charset=UTF-8"),  # mixpanel-browser's default
        (_form(urlsafe), FORM),
        (_form(packed), "text/plain;charset=UTF-8"),  # mixpanel-browser's beacon
        (text.encode(), "application/json"),  # the ingestion API's JSON body
    ):
        request = decode_request(raw, content_type=content_type, query_verbose=None)
        assert (request.messages, request.token) == (EVENTS, "et_k"), content_type
    assert decode_request(_form(text, verbose="1"), content_type=FORM, query_verbose=None).verbose
    assert decode_request(text.encode(), content_type=None, query_verbose="1").verbose
    assert not decode_request(text.encode(), content_type=None, query_verbose=None).verbose


def test_a_profile_update_names_its_token_and_one_object_is_one_message() -> None:
    update = {"$token": "et_k", "$distinct_id": "u-1", "$set": {"plan": "pro"}}
    request = decode_request(_form(orjson.dumps(update).decode()), content_type=FORM,
                             query_verbose=None)  # fmt: skip
    assert (request.messages, request.token) == ([update], "et_k")


@pytest.mark.parametrize(
    ("raw", "content_type", "said"),
    [
        (_form("%%%"), FORM, "neither JSON nor base64"),
        (urlencode({"verbose": "1"}).encode(), FORM, "form field `data`"),
        (b"[]", "application/json", "at least one message"),
        (b"{not json", "application/json", "not JSON"),
        (orjson.dumps([EVENTS[0], {"event": "x", "properties": {"token": "et_other"}}]),
         "application/json", "different tokens"),
    ],
)  # fmt: skip
def test_what_is_not_a_mixpanel_request_is_refused_saying_why(
    raw: bytes, content_type: str, said: str
) -> None:
    with pytest.raises(Problem, match=said) as refused:
        decode_request(raw, content_type=content_type, query_verbose=None)
    assert refused.value.status == 400
