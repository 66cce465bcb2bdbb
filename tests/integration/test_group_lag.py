"""Group offsets and watermarks through the Admin API, on the real broker."""

from __future__ import annotations

import uuid

import pytest
from confluent_kafka import Consumer, Producer

from eventtide.core.kafka.group_lag import (
    AdminPool,
    LagReadError,
    ensure_topic,
    partition_count,
    read_group,
)

pytestmark = pytest.mark.integration


def fill(bootstrap: str, topic: str, per_partition: int, partitions: int) -> None:
    producer = Producer({"bootstrap.servers": bootstrap})
    for partition in range(partitions):
        for _ in range(per_partition):
            producer.produce(topic, value=b"x", partition=partition)
    assert producer.flush(30) == 0


def test_topic_created_then_grown_never_auto_created(kafka_bootstrap: str):
    admin = AdminPool().get(kafka_bootstrap)
    topic = f"lag.{uuid.uuid4().hex[:8]}"
    assert partition_count(admin, topic) is None
    assert partition_count(admin, topic) is None  # asking did not create it
    assert ensure_topic(admin, topic, 2, 1) == "created"
    assert ensure_topic(admin, topic, 2, 1) == "exists"
    assert ensure_topic(admin, topic, 3, 1) == "grown"
    assert partition_count(admin, topic) == 3


def test_unknown_group_has_no_committed_offsets_and_a_consumed_one_has(kafka_bootstrap: str):
    pool = AdminPool()
    admin = pool.get(kafka_bootstrap)
    assert pool.get(kafka_bootstrap) is admin  # one client per cluster
    topic = f"lag.{uuid.uuid4().hex[:8]}"
    ensure_topic(admin, topic, 2, 1)
    fill(kafka_bootstrap, topic, per_partition=10, partitions=2)
    group = f"g-{uuid.uuid4().hex[:8]}"

    before = read_group(admin, group, topic)
    assert before.state == "Dead"
    assert [(p.partition, p.end, p.committed) for p in before.partitions] == [
        (0, 10, None),
        (1, 10, None),
    ]

    consumer = Consumer(
        {"bootstrap.servers": kafka_bootstrap, "group.id": group, "auto.offset.reset": "earliest",
         "enable.auto.commit": False}
    )  # fmt: skip
    consumer.subscribe([topic])
    seen = 0
    for _ in range(30):
        seen += len(consumer.consume(100, timeout=1.0))
        if seen >= 20:
            break
    consumer.commit(asynchronous=False)
    during = read_group(admin, group, topic)
    consumer.close()
    assert during.state == "Stable"
    assert during.members == 1
    after = read_group(admin, group, topic)
    assert after.state == "Empty"
    assert [p.committed for p in after.partitions] == [10, 10]


def test_missing_topic_is_an_error_not_zero_lag(kafka_bootstrap: str):
    admin = AdminPool().get(kafka_bootstrap)
    with pytest.raises(LagReadError, match="does not exist"):
        read_group(admin, "g", f"missing.{uuid.uuid4().hex[:8]}")


def test_unreachable_kafka_is_an_error():
    admin = AdminPool().get("127.0.0.1:1")
    with pytest.raises(LagReadError):
        read_group(admin, "g", "t")
