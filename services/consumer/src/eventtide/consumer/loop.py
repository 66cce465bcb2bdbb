"""The storage loop: Kafka batches in, one database transaction per batch, offsets with them.

Exactly once comes from three things together: each batch's rows and the next offset
of every partition it read commit in one transaction; on assignment the consumer seeks
to the offsets found in the database, not Kafka's; and ``event_id`` is unique, so an
event delivered twice (a producer retry, a replay, a zombie after a rebalance) inserts
nothing and adds nothing to the statistics. Kafka offsets are committed after the
database commit only so that lag stays visible to the operator and standard tools.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from queue import Empty, SimpleQueue
from typing import Any, NamedTuple

from confluent_kafka import OFFSET_BEGINNING, OFFSET_END, Consumer, KafkaException, TopicPartition
from sqlalchemy import Engine

from eventtide.consumer.batching import Prepared, prepare
from eventtide.consumer.report import ConsumerReport
from eventtide.consumer.retry import backoff, is_transient
from eventtide.consumer.settings import ConsumerSettings
from eventtide.core.db import StorageBatch, WriteResult, load_offsets, write_batch
from eventtide.core.kafka import EventProducer
from eventtide.core.signals import StopFlag

log = logging.getLogger("eventtide.consumer")

ABANDON_MARGIN_S = 3.0
"""Stop retrying this long before the grace period ends, to leave the group in time."""

IDLE_POLL_S = 0.1
"""How long one wait for the first message of a batch lasts (then stop is checked)."""


class BatchAbandonedError(Exception):
    """A batch given up because the process must stop; nothing of it was committed."""


class Committed(NamedTuple):
    """A batch the database committed, handed from the writer back to the main thread."""

    batch: StorageBatch
    result: WriteResult
    at: float
    """When the commit returned (``time.time()``), for the latency of its events."""


class StorageConsumer:
    """One consumer-group member storing one topic into the database."""

    def __init__(
        self,
        *,
        config: Mapping[str, Any],
        topic: str,
        engine: Engine,
        settings: ConsumerSettings,
        stop: StopFlag,
        dlq: EventProducer | None = None,
        context: Mapping[str, Any] | None = None,
        on_batch: Callable[[WriteResult, ConsumerReport], None] | None = None,
    ) -> None:
        self.topic = topic
        self.engine = engine
        self.settings = settings
        self.stop = stop
        self.dlq = dlq
        self.context = context
        self.on_batch = on_batch
        self.group_id: str = config["group.id"]
        self.report = ConsumerReport()
        self._buffer: list[Any] = []  # confluent_kafka.Message, read as batching.Record
        self._assigned: set[int] = set()
        self._consumer = Consumer(dict(config))
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="db-writer")
        self._in_flight: Future[None] | None = None
        self._committed: SimpleQueue[Committed] = SimpleQueue()
        self._first_message_at: float | None = None
        self._likely_duplicates = False

    # -- rebalancing -------------------------------------------------------------

    def _on_assign(self, consumer: Any, partitions: list[Any]) -> None:
        """Seek every newly assigned partition to the offset stored in the database."""
        stored = self._retrying(self._read_offsets, abandon=False)
        missing = OFFSET_BEGINNING if self.settings.offset_reset == "earliest" else OFFSET_END
        positioned = [
            TopicPartition(p.topic, p.partition, stored.get(p.partition, missing))
            for p in partitions
        ]
        self._assigned.update(p.partition for p in partitions)
        log.info("assigned %s", {p.partition: p.offset for p in positioned})
        consumer.incremental_assign(positioned)

    def _on_revoke(self, consumer: Any, partitions: list[Any]) -> None:
        """Forget buffered messages of partitions we no longer own; their next owner
        reads them again from the offsets in the database."""
        gone = {p.partition for p in partitions}
        self._wait_in_flight()  # hand over only what is committed, to spare duplicates
        self._commit_to_kafka()
        self._assigned -= gone
        self._buffer = [m for m in self._buffer if m.partition() not in gone]
        log.info("revoked %s", sorted(gone))

    def _read_offsets(self) -> dict[int, int]:
        with self.engine.connect() as conn:
            return load_offsets(conn, self.group_id, self.topic)

    # -- the loop ----------------------------------------------------------------

    def run(self, idle_exit_s: float | None = None) -> ConsumerReport:
        """Consume until stopped (or idle for ``idle_exit_s``); returns the report.

        A batch's time bound runs from the moment its first message arrived: while no
        batch is open, ``consume`` returns with the first message (``consume`` waits for
        the full count or the full timeout, so asking for a whole batch while idle would
        hold that message back for the whole window, unseen). Then the rest of the
        batch is awaited until it is full or the window has passed.
        """
        started = time.monotonic()
        last_message = started
        self._consumer.subscribe(
            [self.topic], on_assign=self._on_assign, on_revoke=self._on_revoke,
            on_lost=self._on_revoke,
        )  # fmt: skip
        consume = self._consumer.consume
        max_events = self.settings.batch_max_events
        max_wait = self.settings.batch_max_ms / 1000.0
        deadline = 0.0  # when the open batch closes; meaningful while the buffer has messages
        try:
            while not self.stop.stopped:
                if self._buffer:
                    room = max_events - len(self._buffer)
                    messages = consume(room, max(0.0, deadline - time.monotonic()))
                else:
                    messages = consume(1, IDLE_POLL_S)
                opened = not self._buffer
                self._take(messages)
                self._commit_to_kafka()
                now = time.monotonic()
                if self._buffer:
                    last_message = now
                    if opened:
                        deadline = now + max_wait
                        if self._first_message_at is None:
                            self._first_message_at = now
                    if len(self._buffer) >= max_events or now >= deadline:
                        self._flush()
                elif idle_exit_s and now - last_message >= idle_exit_s:
                    break
            if self._buffer:
                self._flush()  # finish the batch in hand, or abandon it within the grace
            self._wait_in_flight()
            self._commit_to_kafka(wait=True)
        finally:
            self._writer.shutdown(wait=True)
            self.report.elapsed_s = time.monotonic() - started
            self.report.stopped_by = self.stop.signal_name
            self._close()
        return self.report

    def _take(self, messages: list[Any]) -> None:
        """Buffer the messages of partitions we own; log (and skip) consumer errors."""
        assigned = self._assigned
        for message in messages:
            if message.error() is not None:
                log.warning("consume error: %s", message.error())
            elif message.partition() in assigned:
                self._buffer.append(message)

    def _close(self) -> None:
        try:
            self._consumer.close()
        except (KafkaException, RuntimeError) as error:  # leaving the group is best effort
            log.warning("closing the consumer: %s", error)
        if self.dlq is not None:
            self.dlq.flush(10.0)

    def _flush(self) -> None:
        """Prepare the buffered batch here, then hand it to the writer thread.

        Decoding the next batch overlaps with the database writing the previous one
        (psycopg releases the GIL while it waits), and at most one batch is in the
        database at a time, so batches still commit in order.
        """
        messages, self._buffer = self._buffer, []
        prepared = prepare(messages, self.group_id, self.context)
        self.report.consumed += len(messages)
        self._wait_in_flight()
        try:
            self._send_dead_letters(prepared)
        except BatchAbandonedError:
            self._abandoned(len(messages))
            return
        self._in_flight = self._writer.submit(self._store, prepared, len(messages))

    def _wait_in_flight(self) -> None:
        """Block until the batch in the database is committed (or re-raise its error)."""
        future, self._in_flight = self._in_flight, None
        if future is not None:
            future.result()

    def _abandoned(self, count: int) -> None:
        self.report.abandoned_batches += 1
        log.warning("abandoned a batch of %d messages on shutdown", count)

    def _store(self, prepared: Prepared, count: int) -> None:
        """The writer thread: one transaction, then the bookkeeping after the commit."""
        try:
            result = self._retrying(lambda: self._write(prepared.batch), abandon=True)
        except BatchAbandonedError:
            self._abandoned(count)
            return
        committed = Committed(prepared.batch, result, time.time())
        self._likely_duplicates = result.duplicates > 0
        self.report.batches += 1
        self.report.stored += len(result.inserted)
        self.report.duplicates += result.duplicates
        self.report.dead_lettered += result.dead_letters
        self._committed.put(committed)  # the Kafka commit is the main thread's job
        if self._first_message_at is not None:
            self.report.active_s = time.monotonic() - self._first_message_at
        if self.on_batch is not None:
            self.on_batch(result, self.report)

    def _write(self, batch: StorageBatch) -> WriteResult:
        with self.engine.begin() as conn:
            return write_batch(
                conn, batch, self.settings.bulk, likely_duplicates=self._likely_duplicates
            )

    def _send_dead_letters(self, prepared: Prepared) -> None:
        """At least once into the topic: sent and acknowledged before the rows commit."""
        if self.dlq is None or not prepared.dlq:
            return
        for message in prepared.dlq:
            self.dlq.send_message(message)
        while self.dlq.flush(5.0):
            if self.stop.stopped and self.stop.seconds_since() > self._abandon_after():
                raise BatchAbandonedError
            log.warning("dead-letter topic: waiting for acknowledgements")

    def _commit_to_kafka(self, *, wait: bool = False) -> None:
        """Commit to Kafka the offsets of batches the database has committed.

        Only the main thread touches the Kafka consumer: a commit from the writer thread
        while the main thread waited for it inside a rebalance callback deadlocked.
        The latency of the committed events is recorded here too, while the writer
        already stores the next batch, rather than on the database thread.
        """
        latest: dict[tuple[str, int], int] = {}
        record = self.report.latency.record
        while True:
            try:
                batch, result, committed_at = self._committed.get_nowait()
            except Empty:
                break
            for row in result.inserted:
                record(committed_at - row.occurred_at.timestamp())
            for o in batch.offsets:
                latest[(o.topic, o.partition)] = max(
                    o.next_offset, latest.get((o.topic, o.partition), 0)
                )
        offsets = [
            TopicPartition(topic, partition, offset)
            for (topic, partition), offset in latest.items()
            if partition in self._assigned
        ]
        if not offsets:
            return
        try:
            if wait:
                self._consumer.commit(offsets=offsets, asynchronous=False)
            else:
                self._consumer.commit(offsets=offsets, asynchronous=True)
        except KafkaException as error:  # lag display only; the database has the truth
            log.info("kafka offset commit skipped: %s", error)

    def _abandon_after(self) -> float:
        return max(0.0, self.settings.shutdown_grace_s - ABANDON_MARGIN_S)

    def _retrying(self, action: Callable[[], Any], *, abandon: bool) -> Any:
        """Run ``action`` until it succeeds, waiting out transient database failures."""
        delays = backoff(self.settings.retry_initial_s, self.settings.retry_max_s)
        while True:
            try:
                return action()
            except Exception as error:
                if not is_transient(error):
                    raise
                self.report.retries += 1
                log.warning("transient database failure, retrying: %s", str(error).splitlines()[0])
            if abandon and self.stop.stopped and self.stop.seconds_since() > self._abandon_after():
                raise BatchAbandonedError
            time.sleep(next(delays))
