"""One trace from the HTTP request to the database row, as an SRE would follow it.

The API and the consumer run as real processes exporting OTLP/HTTP to a receiver in
this test; events go in over HTTP and out of real Kafka into real PostgreSQL. The
spans must join up: the API's request span is the parent of the PRODUCER span, the
consumer's batch span links to that producer span (carried in the ``traceparent``
header), and the database spans are children of the batch span.
"""

from __future__ import annotations

import os
from pathlib import Path

import httpx
import orjson
import pytest
from api_helpers import as_json, new_key
from service_processes import start_api, stop_api
from storage_helpers import consumer_env, create_topic, simulated_events, start_consumer

from eventtide.devstack.observability.otlp import ReceivedSpan, otlp_receiver
from eventtide.devstack.ports import free_port

pytestmark = pytest.mark.integration

EVENTS = 5


def _otel_env(endpoint: str) -> dict[str, str]:
    return {"OTEL_EXPORTER_OTLP_ENDPOINT": endpoint, "OTEL_BSP_SCHEDULE_DELAY": "100"}


def _one(spans: list[ReceivedSpan], **match: str) -> ReceivedSpan:
    found = [s for s in spans if all(getattr(s, k) == v for k, v in match.items())]
    assert found, f"no span with {match} among {[(s.service, s.name) for s in spans]}"
    return found[0]


def test_http_request_to_database_is_one_connected_trace(
    kafka_bootstrap: str, fresh_database_url: str, tmp_path: Path
) -> None:
    topic = create_topic(kafka_bootstrap, "test.trace", partitions=1)
    dlq = create_topic(kafka_bootstrap, "test.trace.dlq", partitions=1)
    key = {"x-api-key": new_key(fresh_database_url, "ingest")}
    events = [as_json(e) for e in simulated_events(EVENTS, users=2)]
    port = free_port()
    with otlp_receiver() as receiver:
        env = consumer_env(
            kafka_bootstrap, fresh_database_url, EVENTTIDE_EVENTS_TOPIC=topic,
            EVENTTIDE_DLQ_TOPIC=dlq, **_otel_env(receiver.endpoint),
        )  # fmt: skip
        env.pop("OTEL_SERVICE_NAME", None)
        api = start_api(env, port, tmp_path / "api.log")
        try:
            answer = httpx.post(
                f"http://127.0.0.1:{port}/v1/events",
                content=orjson.dumps(events),
                headers={"content-type": "application/json"} | key,
                timeout=30,
            )
            assert answer.status_code == 200, answer.text
        finally:
            stop_api(api, tmp_path / "api.log")
        consumer = start_consumer(env, topic, "g-trace", tmp_path / "c.log", idle_exit=2)
        assert consumer.wait(60) == 0, (tmp_path / "c.log").read_text()[-2000:]
        spans = receiver.wait_for(
            lambda got: any(s.name == f"process {topic}" for s in got), timeout_s=10
        )

    request = _one(spans, service="api", kind="SERVER")
    assert request.attributes["http.route"] == "/v1/events"
    send = _one(spans, service="api", name=f"send {topic}")
    assert (send.kind, send.trace_id, send.parent_span_id) == (
        "PRODUCER", request.trace_id, request.span_id,
    )  # fmt: skip
    assert send.attributes["messaging.system"] == "kafka"
    assert send.attributes["messaging.destination.name"] == topic
    assert send.attributes["messaging.batch.message_count"] == EVENTS

    batch = _one(spans, service="consumer", name=f"process {topic}")
    assert batch.kind == "CONSUMER"
    assert (send.trace_id, send.span_id) in batch.links, "the batch does not link to the send"
    assert batch.attributes["messaging.consumer.group.name"] == "g-trace"
    assert batch.attributes["messaging.operation.type"] == "process"
    assert batch.attributes["messaging.batch.message_count"] == EVENTS

    writes = [s for s in spans if s.parent_span_id == batch.span_id and s.kind == "CLIENT"]
    assert {s.attributes.get("db.system") for s in writes} == {"postgresql"}
    assert any(s.name == "COPY user_events" for s in writes), [s.name for s in writes]
    assert all(s.trace_id == batch.trace_id for s in writes)
    assert os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT") is None  # the test process exports nothing
