"""Local servers can be restarted on the same address with their data intact.

Reliability tests lean on this to take Kafka or PostgreSQL away mid-stream; here it is
checked once, cheaply, so the restart path never rots. External servers are never
restarted (they are not ours), so these tests need the devstack-started ones.
"""

from __future__ import annotations

import os
import signal
import uuid
from contextlib import suppress

import psycopg
import pytest
from confluent_kafka import Consumer, Producer
from confluent_kafka.admin import AdminClient, NewTopic

from eventtide.devstack.procs import pid_alive
from eventtide.devstack.pytest_plugin import LocalServer

pytestmark = pytest.mark.integration


def test_kafka_restart_keeps_topics_and_messages(kafka_broker: LocalServer) -> None:
    bootstrap = kafka_broker.bootstrap
    topic = f"restart-{uuid.uuid4().hex[:12]}"
    admin = AdminClient({"bootstrap.servers": bootstrap})  # keep it alive until answered
    admin.create_topics([NewTopic(topic, num_partitions=2, replication_factor=1)])[topic].result(
        timeout=30
    )
    producer = Producer({"bootstrap.servers": bootstrap, "enable.idempotence": True})
    for i in range(100):
        producer.produce(topic, key=str(i), value=f"before-{i}".encode())
    assert producer.flush(30) == 0

    pids_before = kafka_broker.endpoint.pids
    kafka_broker.restart()
    assert kafka_broker.bootstrap == bootstrap
    assert kafka_broker.endpoint.pids != pids_before

    for i in range(100):
        producer.produce(topic, key=str(i), value=f"after-{i}".encode())
    assert producer.flush(60) == 0, "the producer did not reconnect after the restart"

    consumer = Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": f"restart-{uuid.uuid4().hex[:8]}",
            "auto.offset.reset": "earliest",
        }
    )
    consumer.subscribe([topic])
    values: set[bytes] = set()
    try:
        for _ in range(60):
            for message in consumer.consume(num_messages=500, timeout=1.0):
                assert message.error() is None, message.error()
                values.add(message.value())
            if len(values) == 200:
                break
    finally:
        consumer.close()
    assert len(values) == 200


def test_postgres_crash_restart_keeps_committed_rows(postgres_server: LocalServer) -> None:
    """A crash kills the backends too, and the stop returns once they are gone: one left
    running holds the old shared memory, and the server then refused to start again
    ("pre-existing shared memory block is still in use"), which happened on a loaded
    machine with other tests' connections open."""
    address = postgres_server.address
    url = postgres_server.endpoint.details["libpq_url"]
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS restart_smoke (id integer PRIMARY KEY)")
        conn.execute("INSERT INTO restart_smoke VALUES (%s) ON CONFLICT DO NOTHING", (1,))
    held = psycopg.connect(url)
    held.execute("SELECT 1")  # a backend with an open transaction across the crash
    backend = held.info.backend_pid
    os.kill(backend, signal.SIGSTOP)  # too slow to see the server die, as on a loaded machine
    try:
        postgres_server.stop(hard=True)
        assert not pid_alive(backend), "a backend outlived the crash"
    finally:
        with suppress(ProcessLookupError):
            os.kill(backend, signal.SIGKILL)  # never left behind, stopped, by a failure
    held.close()
    postgres_server.resume()
    assert postgres_server.address == address

    with psycopg.connect(url, autocommit=True) as conn:
        assert conn.execute("SELECT id FROM restart_smoke").fetchall() == [(1,)]
        conn.execute("DROP TABLE restart_smoke")
