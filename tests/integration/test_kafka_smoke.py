"""The session's Kafka broker is real: topics, produce, consumer groups, committed offsets, lag.

Lag is read the way the operator will read it (Admin API: committed offsets against high
watermarks), so these tests also pin the arithmetic the scaling policy relies on.
"""

from __future__ import annotations

import time
import uuid

import pytest
from confluent_kafka import (
    Consumer,
    ConsumerGroupTopicPartitions,
    KafkaError,
    Producer,
    TopicPartition,
)
from confluent_kafka.admin import AdminClient, NewTopic, OffsetSpec

pytestmark = pytest.mark.integration

MESSAGES = 10_000
PARTITIONS = 6


def _create_topic(admin: AdminClient, topic: str, partitions: int) -> None:
    new = NewTopic(topic, num_partitions=partitions, replication_factor=1)
    admin.create_topics([new])[topic].result(timeout=30)


def _offsets(admin: AdminClient, topic: str, partitions: int, spec: OffsetSpec) -> dict[int, int]:
    request = {TopicPartition(topic, p): spec for p in range(partitions)}
    futures = admin.list_offsets(request, request_timeout=30)
    return {tp.partition: future.result(timeout=30).offset for tp, future in futures.items()}


def group_lag(admin: AdminClient, group: str, topic: str, partitions: int) -> int:
    """Sum over partitions of high watermark minus committed offset (earliest if none)."""
    request = ConsumerGroupTopicPartitions(
        group, [TopicPartition(topic, p) for p in range(partitions)]
    )
    result = admin.list_consumer_group_offsets([request], request_timeout=30)[group].result(
        timeout=30
    )
    committed = {tp.partition: tp.offset for tp in result.topic_partitions}
    high = _offsets(admin, topic, partitions, OffsetSpec.latest())
    low = _offsets(admin, topic, partitions, OffsetSpec.earliest())
    return sum(
        high[p] - (committed[p] if committed.get(p, -1) >= 0 else low[p]) for p in range(partitions)
    )


def test_produce_consume_and_lag(kafka_bootstrap: str) -> None:
    admin = AdminClient({"bootstrap.servers": kafka_bootstrap})
    topic = f"smoke-{uuid.uuid4().hex[:12]}"
    group = f"smoke-group-{uuid.uuid4().hex[:12]}"
    _create_topic(admin, topic, PARTITIONS)
    try:
        producer = Producer(
            {"bootstrap.servers": kafka_bootstrap, "linger.ms": 5, "enable.idempotence": True}
        )
        failures: list[str] = []

        def delivered(error: KafkaError | None, _message: object) -> None:
            if error is not None:
                failures.append(str(error))

        for i in range(MESSAGES):
            producer.produce(
                topic, key=f"user-{i % 97}", value=f"event-{i}".encode(), on_delivery=delivered
            )
            if i % 1000 == 0:
                producer.poll(0)
        assert producer.flush(60) == 0, "messages still queued after 60s"
        assert failures == []

        high = _offsets(admin, topic, PARTITIONS, OffsetSpec.latest())
        assert sum(high.values()) == MESSAGES
        assert sum(1 for count in high.values() if count > 0) > 1, "keys must spread"
        assert group_lag(admin, group, topic, PARTITIONS) == MESSAGES

        consumer = Consumer(
            {
                "bootstrap.servers": kafka_bootstrap,
                "group.id": group,
                "auto.offset.reset": "earliest",
                "enable.auto.commit": False,
            }
        )
        consumer.subscribe([topic])
        seen: set[tuple[int, int]] = set()
        values: set[bytes] = set()
        midpoint_checked = False
        deadline = time.monotonic() + 120
        try:
            while len(seen) < MESSAGES and time.monotonic() < deadline:
                batch = consumer.consume(num_messages=500, timeout=1.0)
                for message in batch:
                    assert message.error() is None, message.error()
                    seen.add((message.partition(), message.offset()))
                    values.add(message.value())
                if batch:
                    consumer.commit(asynchronous=False)
                if not midpoint_checked and len(seen) >= MESSAGES // 2:
                    lag = group_lag(admin, group, topic, PARTITIONS)
                    assert lag == MESSAGES - len(seen), (lag, len(seen))
                    midpoint_checked = True
            assert len(seen) == MESSAGES
            assert values == {f"event-{i}".encode() for i in range(MESSAGES)}
            assert midpoint_checked
            assert group_lag(admin, group, topic, PARTITIONS) == 0
        finally:
            consumer.close()
    finally:
        admin.delete_topics([topic])[topic].result(timeout=30)
