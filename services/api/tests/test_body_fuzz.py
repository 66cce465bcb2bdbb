"""Any body PostHog's, Mixpanel's or Matomo's trackers (or anything else) post decodes to
messages or to the problem that says what is wrong with it, never to an error of the
API's own."""

from __future__ import annotations

import base64
import gzip

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from eventtide.api.matomo_body import decode_actions
from eventtide.api.mixpanel_body import FORM, decode_request
from eventtide.api.posthog_body import Capture, decode_capture
from eventtide.api.problems import Problem

pytestmark = pytest.mark.unit

JSONISH = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-(2**63), 2**63 - 1), st.text(max_size=8)),
    lambda inner: st.one_of(st.lists(inner, max_size=3),
                            st.dictionaries(st.text(max_size=8), inner, max_size=3)),
    max_leaves=10,
).map(orjson.dumps)  # fmt: skip
"""JSON documents of any shape, as bytes."""
BODIES = st.one_of(
    st.binary(max_size=80),
    JSONISH,
    JSONISH.map(gzip.compress),
    JSONISH.map(base64.b64encode),
    JSONISH.map(lambda raw: b"data=" + base64.urlsafe_b64encode(raw)),
    JSONISH.map(lambda raw: b"data=" + raw),
    st.binary(max_size=40).map(lambda raw: b"\x1f\x8b" + raw),
    st.binary(max_size=40).map(lambda raw: b"data=" + raw),
)
"""Bodies as the SDKs pack them (JSON, gzip, base64, form fields), whole or broken."""
CONTENT_TYPES = st.sampled_from([None, "application/json", FORM, f"{FORM}; charset=utf-8",
                                 "text/plain", ""])  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(BODIES, st.sampled_from([None, "gzip-js", "gzip", "base64", "lz64", ""]), CONTENT_TYPES)
def test_a_posthog_body_is_messages_or_a_problem(
    raw: bytes, compression: str | None, content_type: str | None
) -> None:
    decoded = decode_capture(
        raw, compression=compression, content_type=content_type, max_bytes=10_000
    )
    assert isinstance(decoded, Capture | Problem)


@settings(max_examples=300, deadline=None)
@given(BODIES, CONTENT_TYPES, st.sampled_from([None, "0", "1"]))
def test_a_mixpanel_body_is_messages_or_a_problem(
    raw: bytes, content_type: str | None, verbose: str | None
) -> None:
    try:
        decoded = decode_request(raw, content_type=content_type, query_verbose=verbose)
    except Problem:
        return
    assert isinstance(decoded.messages, list)
    assert decoded.messages


@settings(max_examples=200, deadline=None)
@given(
    st.one_of(BODIES, JSONISH.map(lambda raw: b'{"requests": ' + raw + b"}")),
    st.dictionaries(st.text(max_size=6), st.text(max_size=6), max_size=3),
    st.sampled_from(["application/json", FORM, "text/plain", ""]),
)
def test_a_matomo_body_is_actions_or_a_problem(
    raw: bytes, query: dict[str, str], content_type: str
) -> None:
    try:
        actions, _bulk = decode_actions(query, raw, content_type)
    except Problem:
        return
    assert actions
    assert all(isinstance(action, dict) for action in actions)
    assert all(not k.startswith("$") or k == "$position" for a in actions for k in a)
