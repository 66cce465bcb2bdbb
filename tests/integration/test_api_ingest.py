"""``POST /v1/events`` against the real Kafka (and, with the consumer, PostgreSQL)."""

from __future__ import annotations

import gzip
import time
from pathlib import Path

import orjson
import pytest
from api_helpers import api_client, as_json, core_for, new_key
from confluent_kafka import Consumer
from storage_helpers import (
    consumer_env,
    count_stored,
    create_topic,
    dead_letters,
    end_offsets,
    simulated_events,
    start_consumer,
)

from eventtide.core.kafka.codec import header

pytestmark = pytest.mark.integration

JSON = {"content-type": "application/json"}


def _read_all(bootstrap: str, topic: str, expected: int) -> list:
    reader = Consumer(
        {"bootstrap.servers": bootstrap, "group.id": f"r-{topic}", "auto.offset.reset": "earliest"}
    )
    reader.subscribe([topic])
    seen: list = []
    deadline = time.monotonic() + 30
    while len(seen) < expected and time.monotonic() < deadline:
        seen += [m for m in reader.consume(100, 0.5) if m.error() is None]
    reader.close()
    return seen


def test_n_events_over_http_are_n_in_kafka_and_n_stored(
    kafka_bootstrap: str, fresh_database_url: str, tmp_path: Path
) -> None:
    topic = create_topic(kafka_bootstrap, "test.api")
    dlq = create_topic(kafka_bootstrap, "test.api.dlq", partitions=1)
    events = [as_json(e) for e in simulated_events(1_000, users=50)]
    for event in events[::2]:
        event.pop("event_id")  # the server fills it
    key = {"x-api-key": new_key(fresh_database_url, "ingest")}
    with api_client(core_for(kafka_bootstrap, topic, dlq), fresh_database_url) as client:
        accepted = 0
        for start in range(0, len(events), 100):
            body = orjson.dumps(events[start : start + 100])
            if start % 200:
                answer = client.post(
                    "/v1/events",
                    content=gzip.compress(body),
                    headers=JSON | key | {"content-encoding": "gzip"},
                )
            else:
                answer = client.post("/v1/events", content=body, headers=JSON | key)
            assert answer.status_code == 200, answer.text
            accepted += answer.json()["accepted"]
    assert accepted == 1_000
    assert sum(end_offsets(kafka_bootstrap, topic, 6).values()) == 1_000

    env = consumer_env(kafka_bootstrap, fresh_database_url, EVENTTIDE_DLQ_TOPIC=dlq)
    proc = start_consumer(env, topic, "g-api", tmp_path / "c.log", idle_exit=4)
    assert proc.wait(120) == 0, (tmp_path / "c.log").read_text()[-2000:]
    assert count_stored(fresh_database_url) == 1_000


def test_rejected_items_reach_the_dlq_and_the_table_with_their_reasons(
    kafka_bootstrap: str, fresh_database_url: str, tmp_path: Path
) -> None:
    database_url, key = fresh_database_url, {"x-api-key": new_key(fresh_database_url, "ingest")}
    topic = create_topic(kafka_bootstrap, "test.api")
    dlq = create_topic(kafka_bootstrap, "test.api.dlq", partitions=1)
    good = as_json(next(iter(simulated_events(1))))
    bad_country = good | {"context": good["context"] | {"country": "xx"}, "event_id": None}
    old_writer = good | {"event_type": "teleport", "event_id": None, "schema_version": 1}
    batch = [good, bad_country, "text", old_writer]  # version 1 names are a closed set
    with api_client(core_for(kafka_bootstrap, topic, dlq), database_url) as client:
        answer = client.post("/v1/events", content=orjson.dumps(batch), headers=JSON | key)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["accepted"], body["rejected"]) == (1, 3)
    assert [r["status"] for r in body["results"]] == ["accepted"] + ["rejected"] * 3
    assert body["results"][1]["field"] == "context.country"
    letters = _read_all(kafka_bootstrap, dlq, 3)
    assert sorted(header(m.headers(), "error_rule") for m in letters) == sorted(
        ["string_pattern_mismatch", "object_expected", "union_tag_invalid"]
    )
    assert {header(m.headers(), "original_topic") for m in letters} == {"http"}
    assert sum(end_offsets(kafka_bootstrap, topic, 6).values()) == 1

    # a consumer on the dead-letter topic stores them in the table, reasons and bytes kept
    env = consumer_env(kafka_bootstrap, database_url, EVENTTIDE_DLQ_TOPIC=dlq)
    proc = start_consumer(env, dlq, "g-dlq", tmp_path / "c.log", idle_exit=3)
    assert proc.wait(120) == 0, (tmp_path / "c.log").read_text()[-2000:]
    rows = dead_letters(database_url)
    assert sorted((r.kind, r.field, r.rule) for r in rows) == sorted(
        [
            ("schema_violation", "context.country", "string_pattern_mismatch"),
            ("schema_violation", "", "object_expected"),
            ("unknown_event_type", "event_type", "union_tag_invalid"),
        ]
    )
    assert {r.source_topic for r in rows} == {dlq}
    assert all(r.message for r in rows)
    assert b'"text"' in {r.payload for r in rows}


def test_no_2xx_when_kafka_cannot_acknowledge(fresh_database_url: str) -> None:
    database_url, key = fresh_database_url, {"x-api-key": new_key(fresh_database_url, "admin")}
    dead = core_for("127.0.0.1:9", "events.v1", "events.dlq.v1")  # nothing listens there
    good = as_json(next(iter(simulated_events(1))))
    with api_client(dead, database_url, ack_timeout_s=2.0) as client:
        answer = client.post("/v1/events", content=orjson.dumps([good] * 10), headers=JSON | key)
    assert answer.status_code == 503
    assert answer.headers["content-type"] == "application/problem+json"
    assert int(answer.headers["retry-after"]) >= 1


@pytest.mark.parametrize(
    ("body", "headers", "status"),
    [
        (b"{broken", JSON, 400),
        (b"{}", {"content-type": "text/plain"}, 415),
        (b"[" + b"{}," * 1_000 + b"{}]", JSON, 413),
    ],
)
def test_whole_request_errors_are_problem_documents(
    kafka_bootstrap: str, fresh_database_url: str, body: bytes, headers: dict, status: int
) -> None:
    database_url, key = fresh_database_url, {"x-api-key": new_key(fresh_database_url, "ingest")}
    core = core_for(kafka_bootstrap, "events.v1", "events.dlq.v1")
    with api_client(core, database_url) as client:
        answer = client.post("/v1/events", content=body, headers=headers | key)
    assert answer.status_code == status
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["status"] == status
