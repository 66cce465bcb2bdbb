"""Read a consumer group's offsets and a topic's watermarks through the Admin API.

Why defensive: ``list_consumer_group_offsets`` can crash the whole process inside
librdkafka when the group coordinator has not loaded yet (confluentinc/librdkafka#5040).
So the group is described first; offsets are only asked for a group the coordinator
knows (not Dead/Unknown), and every failure becomes :class:`LagReadError` for the caller
to handle (the operator keeps its replicas) instead of a wrong number.

Why shared clients: an operator with many Pipelines on one Kafka cluster needs one
connection set to it, not one per Pipeline; :class:`AdminPool` keys clients by
bootstrap servers.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from confluent_kafka import (
    ConsumerGroupState,
    ConsumerGroupTopicPartitions,
    KafkaError,
    KafkaException,
    TopicPartition,
)
from confluent_kafka.admin import AdminClient
from confluent_kafka.admin._listoffsets import OffsetSpec
from confluent_kafka.cimpl import NewPartitions, NewTopic

from eventtide.core.kafka.msk_iam import serve_token
from eventtide.core.lag import GroupReading, PartitionOffsets

REQUEST_TIMEOUT_S = 5.0

LEADERSHIP_MOVING = frozenset(
    {
        KafkaError.NOT_LEADER_FOR_PARTITION,
        KafkaError.LEADER_NOT_AVAILABLE,
        KafkaError.REPLICA_NOT_AVAILABLE,
        KafkaError.FENCED_LEADER_EPOCH,
        KafkaError.UNKNOWN_LEADER_EPOCH,
        KafkaError.OFFSET_NOT_AVAILABLE,
    }
)
"""Per-partition answers that mean "ask again in a moment": the partition's leader is
being elected or moved (Kafka's protocol marks them retriable)."""


def is_transient(error: Any) -> bool:
    """Whether a list-offsets error is worth asking again for.

    confluent-kafka builds a per-partition error from its code alone, with the
    retriable flag unset, so a leader still moving after a topic is created answered
    ``NOT_LEADER_FOR_PARTITION`` with ``retriable() == False`` and failed a lag reading;
    the code is looked at as well as the flag.
    """
    if not isinstance(error, KafkaError):
        return False
    return bool(error.retriable()) or error.code() in LEADERSHIP_MOVING


class LagReadError(Exception):
    """Lag could not be read (broker down, authorization, unknown topic, timeout)."""


_STATES = {
    ConsumerGroupState.STABLE: "Stable",
    ConsumerGroupState.PREPARING_REBALANCING: "PreparingRebalance",
    ConsumerGroupState.COMPLETING_REBALANCING: "CompletingRebalance",
    ConsumerGroupState.EMPTY: "Empty",
    ConsumerGroupState.DEAD: "Dead",
    ConsumerGroupState.UNKNOWN: "Unknown",
}


class AdminPool:
    """One AdminClient per Kafka cluster, created on first use and shared by threads."""

    def __init__(self, extra_config: dict[str, Any] | None = None) -> None:
        self._clients: dict[str, AdminClient] = {}
        self._lock = threading.Lock()
        self._extra = extra_config or {}

    def get(self, bootstrap_servers: str) -> AdminClient:
        """The shared client for ``bootstrap_servers``."""
        with self._lock:
            client = self._clients.get(bootstrap_servers)
            if client is None:
                settings: dict[str, Any] = {
                    "bootstrap.servers": bootstrap_servers,
                    "client.id": "eventtide-operator",
                    "socket.connection.setup.timeout.ms": 5000,
                    "reconnect.backoff.max.ms": 2000,
                    # librdkafka's own log lines go to logging, not raw stderr.
                    "logger": logging.getLogger("eventtide.kafka.admin"),
                    **self._extra,
                }
                client = AdminClient(settings)
                serve_token(client, settings)
                self._clients[bootstrap_servers] = client
            return client

    def discard(self, bootstrap_servers: str) -> None:
        """Forget the client after a failure: librdkafka may keep a stale coordinator
        after a broker restart, and a fresh client looks it up again."""
        with self._lock:
            self._clients.pop(bootstrap_servers, None)

    def __len__(self) -> int:
        return len(self._clients)


def _result(future: Any, what: str) -> Any:
    try:
        return future.result(timeout=REQUEST_TIMEOUT_S + 1)
    except KafkaException as error:
        raise LagReadError(f"{what}: {error.args[0]}") from error
    except Exception as error:
        raise LagReadError(f"{what}: {type(error).__name__}: {error}") from error


def partition_count(admin: AdminClient, topic: str) -> int | None:
    """Partitions of ``topic``, or None when it does not exist."""
    try:
        # All topics, not list_topics(topic=...): asking for one topic by name lets a
        # broker with auto.create.topics.enable create it with default partitions.
        metadata = admin.list_topics(timeout=REQUEST_TIMEOUT_S)
    except KafkaException as error:
        raise LagReadError(f"metadata of {topic}: {error.args[0]}") from error
    found = metadata.topics.get(topic)
    if found is None or found.error is not None:
        return None
    return len(found.partitions)


def ensure_topic(admin: AdminClient, topic: str, partitions: int, replication: int) -> str:
    """Create the topic, or grow its partitions; returns what was done.

    Returns once the cluster's metadata shows the new partitions (or after the request
    timeout): the controller answers before every broker has heard, and a caller that
    reads the partitions next would otherwise still see the old count.
    """
    existing = partition_count(admin, topic)
    if existing is None:
        futures = admin.create_topics(
            [NewTopic(topic, partitions, replication)], request_timeout=REQUEST_TIMEOUT_S
        )
        try:
            futures[topic].result(timeout=REQUEST_TIMEOUT_S + 1)
        except KafkaException as error:
            if "TOPIC_ALREADY_EXISTS" not in str(error.args[0]):
                raise LagReadError(f"create {topic}: {error.args[0]}") from error
        _await_partitions(admin, topic, partitions)
        return "created"
    if existing < partitions:
        futures = admin.create_partitions(
            [NewPartitions(topic, partitions)], request_timeout=REQUEST_TIMEOUT_S
        )
        _result(futures[topic], f"add partitions to {topic}")
        _await_partitions(admin, topic, partitions)
        return "grown"
    return "exists"


def _await_partitions(admin: AdminClient, topic: str, partitions: int) -> None:
    deadline = time.monotonic() + REQUEST_TIMEOUT_S
    while (partition_count(admin, topic) or 0) < partitions and time.monotonic() < deadline:
        time.sleep(0.05)


def read_group(admin: AdminClient, group: str, topic: str) -> GroupReading:
    """The group's state and, per partition of ``topic``, start, end and committed offsets."""
    count = partition_count(admin, topic)
    if count is None:
        raise LagReadError(f"topic {topic} does not exist")
    described = _result(
        admin.describe_consumer_groups([group], request_timeout=REQUEST_TIMEOUT_S)[group],
        f"describe group {group}",
    )
    state = _STATES.get(described.state, "Unknown")
    members = len(described.members or [])
    partitions = [TopicPartition(topic, p) for p in range(count)]
    committed: dict[int, int | None] = dict.fromkeys(range(count))
    if state not in ("Dead", "Unknown"):
        request = [ConsumerGroupTopicPartitions(group, partitions)]
        listed = _result(
            admin.list_consumer_group_offsets(request, request_timeout=REQUEST_TIMEOUT_S)[group],
            f"offsets of group {group}",
        )
        for item in listed.topic_partitions or []:
            if item.error is None and item.offset >= 0:
                committed[item.partition] = item.offset
    ends = _watermarks(admin, partitions, OffsetSpec.latest())  # type: ignore[no-untyped-call]
    starts = _watermarks(admin, partitions, OffsetSpec.earliest())  # type: ignore[no-untyped-call]
    return GroupReading(
        state=state,
        members=members,
        partitions=tuple(
            PartitionOffsets(p, end=ends[p], committed=committed[p], start=starts[p])
            for p in range(count)
        ),
    )


def _watermarks(admin: AdminClient, partitions: list[TopicPartition], spec: Any) -> dict[int, int]:
    """Offsets per partition, asked again while a partition's leader is still moving.

    Right after a topic is created or a broker restarts, the partition's leader is not
    known everywhere yet and the broker answers with a retriable error (not leader, leader
    not available) for a moment; that is no reason to fail a lag reading.
    """
    deadline = time.monotonic() + REQUEST_TIMEOUT_S
    while True:
        futures = admin.list_offsets(
            {tp: spec for tp in partitions}, request_timeout=REQUEST_TIMEOUT_S
        )
        try:
            return {
                tp.partition: int(f.result(timeout=REQUEST_TIMEOUT_S + 1).offset)
                for tp, f in futures.items()
            }
        except KafkaException as error:
            if not is_transient(error.args[0]) or time.monotonic() > deadline:
                raise LagReadError(f"list offsets: {error.args[0]}") from error
        except Exception as error:
            raise LagReadError(f"list offsets: {type(error).__name__}: {error}") from error
        time.sleep(0.1)
