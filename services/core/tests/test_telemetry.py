"""The telemetry set-up's pure parts: the tracing switch, JSON log lines, messaging spans."""

from __future__ import annotations

import json
import logging
import subprocess
import sys

import pytest
from opentelemetry.sdk.trace import TracerProvider

from eventtide.core.kafka.codec import HEADER_TRACEPARENT, WireMessage
from eventtide.core.kafka.spans import (
    MAX_LINKS,
    messaging_attributes,
    parse_traceparent,
    producer_links,
    with_traceparent,
)
from eventtide.core.telemetry.logs import log_record
from eventtide.core.telemetry.settings import TelemetrySettings

pytestmark = pytest.mark.unit

TP = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"


@pytest.mark.parametrize(
    ("env", "on"),
    [
        ({}, False),
        ({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318"}, True),
        ({"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://c:4318/v1/traces"}, True),
        ({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318", "OTEL_SDK_DISABLED": "true"}, False),
        ({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318", "OTEL_TRACES_EXPORTER": "none"}, False),
    ],
)
def test_tracing_is_on_only_with_an_endpoint_and_not_disabled(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], on: bool
) -> None:
    for name in ("OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert TelemetrySettings().tracing is on


def test_tracing_off_loads_no_sdk_and_names_the_service() -> None:
    probe = (
        "import os, sys, json\n"
        "from eventtide.core.telemetry import setup, tracing_enabled\n"
        "setup('consumer')\n"
        "print(json.dumps([tracing_enabled(), os.environ['OTEL_SERVICE_NAME'],"
        " 'opentelemetry.sdk' in sys.modules]))\n"
    )
    env = {"PATH": "/usr/bin:/bin"}
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         env=env, check=True, timeout=60)  # fmt: skip
    assert json.loads(out.stdout) == [False, "consumer", False]


def test_log_lines_carry_the_active_span_ids() -> None:
    record = logging.LogRecord("eventtide.x", logging.INFO, __file__, 1, "hello %s", ("you",), None)
    assert "trace_id" not in log_record(record, "api")
    tracer = TracerProvider().get_tracer("test")
    with tracer.start_as_current_span("s") as span:
        line = log_record(record, "api")
    context = span.get_span_context()
    assert line["message"] == "hello you"
    assert line["service"] == "api"
    assert line["trace_id"] == f"{context.trace_id:032x}"
    assert line["span_id"] == f"{context.span_id:016x}"


def test_traceparent_is_replaced_not_added() -> None:
    message = WireMessage(
        "click", b"u", b"{}", [("event_type", b"click"), (HEADER_TRACEPARENT, b"x")]
    )
    out = with_traceparent(message, TP)
    assert out.headers == [("event_type", b"click"), (HEADER_TRACEPARENT, TP.encode())]
    assert message.headers[1] == (HEADER_TRACEPARENT, b"x")  # the original is untouched


@pytest.mark.parametrize(
    "bad",
    [None, "", "garbage", "01-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
     "00-" + "0" * 32 + "-b7ad6b7169203331-01", "00-0af7651916cd43dd8448eb211c80319c-zz-01"],
)  # fmt: skip
def test_malformed_traceparents_give_no_context(bad: str | None) -> None:
    assert parse_traceparent(bad) is None


def test_links_are_distinct_producer_contexts_up_to_the_limit() -> None:
    other = "00-0af7651916cd43dd8448eb211c80319c-00f067aa0ba902b7-01"
    headers = [
        [(HEADER_TRACEPARENT, TP.encode())],
        [(HEADER_TRACEPARENT, TP.encode())],  # the same send: one link
        [("event_type", b"x"), (HEADER_TRACEPARENT, other.encode())],
        None,
        [(HEADER_TRACEPARENT, b"broken")],
    ]
    links = producer_links(headers)
    assert [f"{ln.context.span_id:016x}" for ln in links] == [
        "b7ad6b7169203331",
        "00f067aa0ba902b7",
    ]
    assert all(ln.context.is_remote for ln in links)
    many = [[(HEADER_TRACEPARENT, f"00-{i + 1:032x}-{i + 1:016x}-01".encode())] for i in range(500)]
    assert len(producer_links(many)) == MAX_LINKS


def test_messaging_attributes_follow_the_conventions() -> None:
    assert messaging_attributes("process", "events.v1", 3, "g") == {
        "messaging.system": "kafka",
        "messaging.operation.type": "process",
        "messaging.operation.name": "process",
        "messaging.destination.name": "events.v1",
        "messaging.batch.message_count": 3,
        "messaging.consumer.group.name": "g",
    }
    assert "messaging.consumer.group.name" not in messaging_attributes("send", "t", 1)
