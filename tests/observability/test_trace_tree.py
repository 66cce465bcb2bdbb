"""``eventtide dev traces`` prints parents above children and links under their span."""

from __future__ import annotations

import pytest

from eventtide.devstack.observability.otlp import ReceivedSpan
from eventtide.devstack.observability.traces import tree_lines

pytestmark = pytest.mark.unit


def _span(service: str, name: str, kind: str, trace: str, span: str, parent: str = "", **kw):
    return ReceivedSpan(service, name, kind, trace, span, parent, kw.pop("attributes", {}), **kw)


def test_a_batch_links_back_to_the_request_trace() -> None:
    spans = [
        _span("consumer", "process t", "CONSUMER", "b" * 32, "3" * 16,
              links=[("a" * 32, "2" * 16)]),
        _span("consumer", "COPY user_events", "CLIENT", "b" * 32, "4" * 16, "3" * 16),
        _span("api", "send t", "PRODUCER", "a" * 32, "2" * 16, "1" * 16),
        _span("api", "POST /v1/events", "SERVER", "a" * 32, "1" * 16,
              attributes={"http.route": "/v1/events"}),
    ]  # fmt: skip
    assert tree_lines(spans) == [
        f"trace {'b' * 32}",
        "  consumer: process t [CONSUMER]",
        "    ~ linked to api: send t [PRODUCER]",
        "    consumer: COPY user_events [CLIENT]",
        f"trace {'a' * 32}",
        "  api: POST /v1/events [SERVER]  (http.route=/v1/events)",
        "    api: send t [PRODUCER]",
    ]


def test_an_unknown_parent_makes_a_root_and_an_unknown_link_shows_its_ids() -> None:
    lone = _span("x", "s", "INTERNAL", "c" * 32, "5" * 16, "9" * 16, links=[("d" * 32, "6" * 16)])
    assert tree_lines([lone]) == [
        f"trace {'c' * 32}",
        "  x: s [INTERNAL]",
        f"    ~ linked to {'d' * 32}/{'6' * 16}",
    ]
