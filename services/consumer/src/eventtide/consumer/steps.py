"""The consumer's part of the exactly-once loop: what one batch of events becomes.

The loop itself (positions, one transaction per batch, Kafka commits, retries,
shutdown) is core's :mod:`eventtide.core.transactional.loop`; this module supplies the
consumer's steps: decode and route the batch (:func:`~eventtide.consumer.batching.prepare`),
send its dead letters before the rows commit, write events, users, statistics, dead
letters and offsets in the batch's transaction, and count what happened.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy import Connection

from eventtide.consumer.batching import Prepared, prepare
from eventtide.consumer.report import ConsumerReport
from eventtide.consumer.store.batch import BulkMethod, WriteResult
from eventtide.consumer.store.write import write_batch
from eventtide.core.kafka import EventProducer
from eventtide.core.transactional.steps import BatchAbandonedError, BatchSteps

log = logging.getLogger("eventtide.consumer")


class EventStorage:
    """The consumer's steps and the state they share across batches."""

    def __init__(
        self,
        *,
        group_id: str,
        report: ConsumerReport,
        bulk: BulkMethod = "copy",
        dlq: EventProducer | None = None,
        context: Mapping[str, Any] | None = None,
        dlq_topic: str | None = None,
        on_batch: Callable[[WriteResult, ConsumerReport], None] | None = None,
    ) -> None:
        self.group_id = group_id
        self.report = report
        self.bulk = bulk
        self.dlq = dlq
        self.context = context
        self.dlq_topic = dlq_topic
        self.on_batch = on_batch
        self._likely_duplicates = False

    def steps(self) -> BatchSteps[Prepared, WriteResult]:
        """These steps in the loop's terms."""
        return BatchSteps(
            prepare=self.prepare,
            write=self.write,
            before_write=self.send_dead_letters,
            after_commit=self.count,
            acknowledged=self.record_latency,
        )

    def prepare(self, messages: list[Any]) -> Prepared:
        """Decode, validate and route the batch (pure)."""
        return prepare(messages, self.group_id, self.context, dlq_topic=self.dlq_topic)

    def write(self, conn: Connection, prepared: Prepared) -> WriteResult:
        """Events, users, statistics, dead letters and offsets, in the loop's transaction."""
        return write_batch(
            conn, prepared.batch, self.bulk, likely_duplicates=self._likely_duplicates
        )

    def send_dead_letters(self, prepared: Prepared, give_up: Callable[[], bool]) -> None:
        """At least once into the topic: sent and acknowledged before the rows commit."""
        if self.dlq is None or not prepared.dlq:
            return
        for message in prepared.dlq:
            self.dlq.send_message(message)
        while self.dlq.flush(5.0):
            if give_up():
                raise BatchAbandonedError
            log.warning("dead-letter topic: waiting for acknowledgements")

    def count(self, _prepared: Prepared, result: WriteResult) -> None:
        """Writer thread, after the commit: counters, metrics, the duplicates hint."""
        self._likely_duplicates = result.duplicates > 0
        self.report.stored += len(result.inserted)
        self.report.duplicates += result.duplicates
        self.report.dead_lettered += result.dead_letters
        if self.on_batch is not None:
            self.on_batch(result, self.report)

    def record_latency(self, _prepared: Prepared, result: WriteResult, committed_at: float) -> None:
        """Main thread: occurred_at to database commit, per stored event."""
        record = self.report.latency.record
        for row in result.inserted:
            record(committed_at - row.occurred_at.timestamp())
