"""``POST /v1/events`` while the broker goes away mid-stream: a 2xx only for batches
Kafka acknowledged in full, 503 with Retry-After for the others, and nothing of an
acknowledged batch missing from the topic afterwards."""

from __future__ import annotations

import threading
import time
import uuid
from typing import Any

import orjson
import pytest
from api_helpers import api_client, as_json, core_for, new_key
from confluent_kafka import Consumer
from storage_helpers import create_topic, simulated_events

from eventtide.devstack.pytest_plugin import LocalServer

pytestmark = pytest.mark.integration

JSON = {"content-type": "application/json"}
BATCH = 20


def _topic_ids(bootstrap: str, topic: str, idle_s: float = 3.0) -> set[str]:
    """Every event id on the topic (read until nothing new arrives for ``idle_s``)."""
    reader = Consumer(
        {"bootstrap.servers": bootstrap, "group.id": f"r-{topic}", "auto.offset.reset": "earliest"}
    )
    reader.subscribe([topic])
    ids: set[str] = set()
    quiet_since, deadline = time.monotonic(), time.monotonic() + 60
    while time.monotonic() - quiet_since < idle_s and time.monotonic() < deadline:
        got = [m for m in reader.consume(500, 0.5) if m.error() is None]
        if got:
            quiet_since = time.monotonic()
        ids.update(orjson.loads(m.value())["event_id"] for m in got)
    reader.close()
    return ids


def test_no_2xx_for_events_kafka_did_not_take_when_the_broker_stops(
    kafka_broker: LocalServer, fresh_database_url: str
) -> None:
    bootstrap = kafka_broker.bootstrap
    topic = create_topic(bootstrap, "test.api.outage")
    dlq = create_topic(bootstrap, "test.api.outage.dlq", partitions=1)
    key = {"x-api-key": new_key(fresh_database_url, "ingest")}
    template = [as_json(e) for e in simulated_events(BATCH, users=10)]
    answers: list[tuple[list[str], Any]] = []
    stop = threading.Event()

    with api_client(
        core_for(bootstrap, topic, dlq), fresh_database_url, ack_timeout_s=2.0
    ) as client:

        def post() -> None:
            ids = [str(uuid.uuid4()) for _ in template]
            body = orjson.dumps([e | {"event_id": i} for e, i in zip(template, ids, strict=True)])
            answers.append((ids, client.post("/v1/events", content=body, headers=JSON | key)))

        post()  # the producer has its id and a connection before the broker goes
        assert answers[0][1].status_code == 200, answers[0][1].text

        def keep_posting() -> None:
            while not stop.is_set():
                post()

        sender = threading.Thread(target=keep_posting)
        sender.start()
        try:
            time.sleep(0.5)
            kafka_broker.stop(hard=True)  # requests are in flight as it dies
            time.sleep(3.5)  # longer than the 2 s a request waits for its acks
            kafka_broker.resume()
            time.sleep(3.0)  # the producer reconnects; later batches are taken again
        finally:
            stop.set()
            sender.join(60)

    statuses = [answer.status_code for _, answer in answers]
    assert set(statuses) <= {200, 503}, statuses
    assert 503 in statuses, "no request noticed the broker was gone"
    for _, answer in answers:
        if answer.status_code == 503:
            assert answer.headers["content-type"] == "application/problem+json"
            assert int(answer.headers["retry-after"]) >= 1
    acknowledged = {i for ids, answer in answers if answer.status_code == 200 for i in ids}
    on_topic = _topic_ids(bootstrap, topic)
    missing = acknowledged - on_topic
    assert not missing, f"{len(missing)} events answered 200 are not on the topic"
    for _ids, answer in answers:
        if answer.status_code == 200:
            assert answer.json()["accepted"] == BATCH
