"""The consumer wrapper: the only place a service meets ``confluent_kafka.Consumer``.

A group member in eventtide never lets Kafka decide where to start: offsets live in
the database with the rows (:mod:`eventtide.core.transactional`), so the wrapper's
subscription takes assignment callbacks that position each partition explicitly, and
its commits are only for showing lag. Messages are handed out as the client's own
objects (copying each costs about 2 µs, a tenth of the consumer's per-event budget);
callers read them through :class:`eventtide.core.kafka.records.Record`'s accessors.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final

from confluent_kafka import OFFSET_BEGINNING, OFFSET_END, Consumer, KafkaException, TopicPartition

from eventtide.core.kafka.logs import with_logger

log = logging.getLogger("eventtide.kafka.consumer")

FROM_START: Final = OFFSET_BEGINNING
"""Logical offset: the oldest message still kept."""
FROM_END: Final = OFFSET_END
"""Logical offset: only messages produced from now on."""

Position = tuple[str, int, int]
"""(topic, partition, offset) to start reading a partition at."""
PartitionsCallback = Callable[[list[tuple[str, int]]], None]


class GroupConsumer:
    """A consumer-group member with explicit positioning and commits done by the caller."""

    def __init__(self, config: Mapping[str, Any]) -> None:
        self.config = dict(config)
        self.group_id: str = self.config["group.id"]
        self._consumer = Consumer(with_logger(self.config))
        self.consume = self._consumer.consume
        """``consume(count, timeout_s)``: the client's own batch call, bound once (hot path)."""

    def subscribe(
        self,
        topics: Sequence[str],
        *,
        on_assign: PartitionsCallback,
        on_revoke: PartitionsCallback,
    ) -> None:
        """Join the group; callbacks get (topic, partition) pairs and run inside ``consume``.

        A lost assignment (session timed out) is handled as a revocation.
        """

        def assigned(_consumer: Any, partitions: list[Any]) -> None:
            on_assign([(p.topic, p.partition) for p in partitions])

        def revoked(_consumer: Any, partitions: list[Any]) -> None:
            on_revoke([(p.topic, p.partition) for p in partitions])

        self._consumer.subscribe(
            list(topics), on_assign=assigned, on_revoke=revoked, on_lost=revoked
        )

    def connect(self, timeout_s: float) -> None:
        """Reach the cluster once at start, or raise :class:`KafkaUnavailableError`.

        librdkafka retries an unreachable broker forever, which is right while running
        (a broker restart heals) but left a service started against a wrong
        ``KAFKA_BOOTSTRAP_SERVERS`` silent forever instead of saying so.
        """
        from eventtide.core.kafka.producer import KafkaUnavailableError

        try:
            self._consumer.list_topics(timeout=timeout_s)
        except KafkaException as error:
            raise KafkaUnavailableError(error.args[0].str()) from error

    def assign_at(self, positions: Sequence[Position]) -> None:
        """Add partitions to the assignment, each starting at the given offset
        (incremental, as the cooperative-sticky protocol requires)."""
        self._consumer.incremental_assign([TopicPartition(t, p, o) for t, p, o in positions])

    def commit(self, positions: Sequence[Position], *, wait: bool = False) -> None:
        """Commit next offsets to Kafka; best effort, since the database holds the truth."""
        if not positions:
            return
        offsets = [TopicPartition(t, p, o) for t, p, o in positions]
        try:
            if wait:
                self._consumer.commit(offsets=offsets, asynchronous=False)
            else:
                self._consumer.commit(offsets=offsets, asynchronous=True)
        except KafkaException as error:  # lag display only
            log.info("kafka offset commit skipped: %s", error)

    def lag(self, positions: Sequence[Position]) -> list[tuple[str, int, int]]:
        """``(topic, partition, lag)`` for committed positions, from cached high offsets.

        No broker round trip: the client updates a partition's high offset with every
        fetch response, which is as fresh as a lag gauge needs to be.
        """
        lags = []
        for topic, partition, offset in positions:
            _low, high = self._consumer.get_watermark_offsets(
                TopicPartition(topic, partition), cached=True
            )
            if high >= 0:
                lags.append((topic, partition, max(0, high - offset)))
        return lags

    def close(self) -> None:
        """Leave the group (best effort: the process is ending anyway)."""
        try:
            self._consumer.close()
        except (KafkaException, RuntimeError) as error:
            log.warning("closing the consumer: %s", error)
