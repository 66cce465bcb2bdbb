"""The exactly-once batch loop: Kafka batches in, one database transaction per batch.

Exactly once comes from three things together: each batch's rows and the next offset
of every partition it read commit in one transaction (the service's ``write`` stores
both); on assignment the loop seeks to the offsets found in the database, not Kafka's;
and the service's rows have a unique key, so a message delivered twice (a producer
retry, a replay, a zombie after a rebalance) changes nothing. Kafka offsets are
committed after the database commit only so that lag stays visible to the operator
and standard tools. What a service does per batch comes in as
:class:`~eventtide.core.transactional.steps.BatchSteps`.

A service that also sends results to Kafka topics gives the loop an
:class:`~eventtide.core.transactional.outbox.Outbox` and ``steps.outgoing``: the batch's
records are stored in its transaction and sent after the commit, and leftovers of a
dead member are sent again on assignment, so the topics get every committed record at
least once (:mod:`eventtide.core.transactional.outbox`).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from queue import Empty, SimpleQueue
from typing import Any, Generic, NamedTuple

from opentelemetry import trace
from opentelemetry.trace import Span
from sqlalchemy import Engine

from eventtide.core.db.offsets import load_offsets
from eventtide.core.db.retry import backoff, is_transient
from eventtide.core.kafka.consumer import FROM_END, FROM_START, GroupConsumer
from eventtide.core.kafka.spans import process_span
from eventtide.core.signals import StopFlag
from eventtide.core.telemetry import component_name
from eventtide.core.transactional.metrics import loop_metrics
from eventtide.core.transactional.outbox import Outbox, Packed, Stored
from eventtide.core.transactional.phases import PhaseHook, hook_from_environment
from eventtide.core.transactional.steps import (
    BatchAbandonedError,
    BatchSteps,
    LoopBounds,
    LoopReport,
    P,
    R,
)

log = logging.getLogger("eventtide.transactional")

ABANDON_MARGIN_S = 3.0
"""Stop retrying this long before the grace period ends, to leave the group in time."""

IDLE_POLL_S = 0.1
"""How long one wait for the first message of a batch lasts (then stop is checked)."""


class _Committed(NamedTuple, Generic[P, R]):
    """A batch the database committed, handed from the writer back to the main thread."""

    prepared: P
    result: R
    at: float
    """When the commit returned (``time.time()``)."""


class BatchLoop(Generic[P, R]):
    """One consumer-group member storing one topic into the database, batch by batch."""

    def __init__(
        self,
        *,
        consumer: GroupConsumer,
        topic: str,
        engine: Engine,
        steps: BatchSteps[P, R],
        bounds: LoopBounds,
        stop: StopFlag,
        report: LoopReport | None = None,
        phase: PhaseHook | None = None,
        outbox: Outbox | None = None,
    ) -> None:
        if outbox is not None and steps.outgoing is None:
            raise ValueError("an outbox needs steps.outgoing (the batch's records)")
        self.topic = topic
        self._outbox = outbox
        self.engine = engine
        self.steps = steps
        self.bounds = bounds
        self.stop = stop
        self.report = report if report is not None else LoopReport()
        self.group_id = consumer.group_id
        self._phase = phase if phase is not None else hook_from_environment()
        self._buffer: list[Any] = []  # confluent_kafka.Message, read as kafka.records.Record
        self._assigned: set[int] = set()
        self._consumer = consumer
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="db-writer")
        self._in_flight: Future[None] | None = None
        self._committed: SimpleQueue[_Committed[P, R]] = SimpleQueue()
        self._first_message_at: float | None = None
        self._abandoning = False
        """Set by the first abandoned batch: every later one is abandoned too. Its offsets
        would pass the abandoned batch's messages, which nobody would then read again."""
        self._metrics = loop_metrics(component_name())

    # -- rebalancing -------------------------------------------------------------

    def _on_assign(self, partitions: list[tuple[str, int]]) -> None:
        """Seek every newly assigned partition to the offset stored in the database."""
        stored = self._retrying(self._read_offsets, abandon=False)
        missing = FROM_START if self.bounds.offset_reset == "earliest" else FROM_END
        positioned = [(t, p, stored.get(p, missing)) for t, p in partitions]
        if self.steps.assigned is not None:
            new = [p for _, p in partitions]
            self._retrying(lambda: self.steps.assigned(new), abandon=False)  # type: ignore[misc]
        if self._outbox is not None:  # before the first batch of these partitions is read
            outbox = self._outbox
            self._retrying(lambda: outbox.resend([p for _, p in partitions]), abandon=False)
        if self._phase is not None:
            self._phase("assigned")
        self._assigned.update(p for _, p in partitions)
        log.info("assigned %s", {p: offset for _, p, offset in positioned})
        self._consumer.assign_at(positioned)

    def _on_revoke(self, partitions: list[tuple[str, int]]) -> None:
        """Forget buffered messages and lag series of partitions we no longer own; their
        next owner reads them again from the offsets in the database.

        A lag gauge left behind would keep its last value for good, and a sum over the
        group would count that partition twice once its new owner reports it too.
        """
        gone = {p for _, p in partitions}
        self._wait_in_flight()  # hand over only what is committed, to spare duplicates
        if self._phase is not None:
            self._phase("revoked")
        self._commit_to_kafka()
        self._assigned -= gone
        for topic, partition in partitions:  # the new owner reports their lag from now on
            self._metrics.lag.remove(topic, str(partition))
        self._buffer = [m for m in self._buffer if m.partition() not in gone]
        if self.steps.revoked is not None:
            self.steps.revoked(sorted(gone))
        log.info("revoked %s", sorted(gone))

    def _reachable(self) -> None:
        """Fail at start, with the cause, when Kafka or the database cannot be reached.

        Once running, outages are waited out (``_retrying``); at start they are far more
        often a wrong address, which waiting would only hide.
        """
        with self.engine.connect():
            pass
        self._consumer.connect(self.bounds.connect_timeout_s)

    def _read_offsets(self) -> dict[int, int]:
        with self.engine.connect() as conn:
            return load_offsets(conn, self.group_id, self.topic)

    # -- the loop ----------------------------------------------------------------

    def run(self, idle_exit_s: float | None = None) -> LoopReport:
        """Consume until stopped (or idle for ``idle_exit_s``); returns the report.

        A batch's time bound runs from the moment its first message arrived: while no
        batch is open, ``consume`` returns with the first message (``consume`` waits for
        the full count or the full timeout, so asking for a whole batch while idle would
        hold that message back for the whole window, unseen). Then the rest of the
        batch is awaited until it is full or the window has passed.
        """
        self._reachable()
        started = time.monotonic()
        last_message = started
        self._consumer.subscribe([self.topic], on_assign=self._on_assign, on_revoke=self._on_revoke)
        consume = self._consumer.consume
        max_events = self.bounds.batch_max_events
        max_wait = self.bounds.batch_max_ms / 1000.0
        phase = self._phase
        deadline = 0.0  # when the open batch closes; meaningful while the buffer has messages
        try:
            while not self.stop.stopped:
                if self._buffer:
                    room = max_events - len(self._buffer)
                    messages = consume(room, max(0.0, deadline - time.monotonic()))
                else:
                    messages = consume(1, IDLE_POLL_S)
                if phase is not None and messages:
                    phase("polled")
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
            self._consumer.close()
        return self.report

    def _take(self, messages: list[Any]) -> None:
        """Buffer the messages of partitions we own; log (and skip) consumer errors."""
        assigned = self._assigned
        for message in messages:
            if message.error() is not None:
                log.warning("consume error: %s", message.error())
            elif message.partition() in assigned:
                self._buffer.append(message)

    def _flush(self) -> None:
        """Prepare the buffered batch here, then hand it to the writer thread.

        Preparing the next batch overlaps with the database writing the previous one
        (psycopg releases the GIL while it waits), and at most one batch is in the
        database at a time, so batches still commit in order.
        """
        messages, self._buffer = self._buffer, []
        handed = time.monotonic()
        span = process_span(self.topic, self.group_id, messages)
        prepared = self.steps.prepare(messages)
        self.report.consumed += len(messages)
        if self._phase is not None:
            self._phase("prepared")
        self._wait_in_flight()
        if self.steps.before_write is not None:
            try:
                self.steps.before_write(prepared, self._give_up)
            except BatchAbandonedError:
                self._abandoned(len(messages))
                if span is not None:
                    span.end()
                return
        self._in_flight = self._writer.submit(self._store, prepared, len(messages), span, handed)

    def _give_up(self) -> bool:
        """True once a stop was asked for and the grace left for this batch is used up."""
        return self.stop.stopped and self.stop.seconds_since() > self._abandon_after()

    def _wait_in_flight(self) -> None:
        """Block until the batch in the database is committed (or re-raise its error)."""
        future, self._in_flight = self._in_flight, None
        if future is not None:
            future.result()

    def _abandoned(self, count: int) -> None:
        self._abandoning = True
        self.report.abandoned_batches += 1
        log.warning("abandoned a batch of %d messages on shutdown", count)

    def _store(
        self, prepared: P, count: int, span: Span | None = None, handed: float | None = None
    ) -> None:
        """The writer thread: one transaction, then the bookkeeping after the commit.

        The batch's ``process`` span (if tracing) is current here, so the database
        spans of its transaction are its children.
        """
        if span is None:
            self._store_traced(prepared, count)
        else:
            with trace.use_span(span, end_on_exit=True):
                self._store_traced(prepared, count)
        if handed is not None:
            self._metrics.batch_duration.observe(time.monotonic() - handed)
            self._metrics.batch_size.observe(count)
            self._metrics.messages.inc(count)

    def _store_traced(self, prepared: P, count: int) -> None:
        if self._abandoning:
            self._abandoned(count)
            return
        packed = self._pack(prepared)
        try:
            result, stored = self._retrying(lambda: self._write(prepared, packed), abandon=True)
        except BatchAbandonedError:
            self._abandoned(count)
            return
        if self._phase is not None:
            self._phase("db-committed")
        if self._outbox is not None and stored is not None:
            self._outbox.committed(packed, stored)
        self.report.batches += 1
        self._committed.put(_Committed(prepared, result, time.time()))  # Kafka: main thread
        if self._first_message_at is not None:
            self.report.active_s = time.monotonic() - self._first_message_at
        if self.steps.after_commit is not None:
            self.steps.after_commit(prepared, result)

    def _pack(self, prepared: P) -> Packed | None:
        """The batch's output records packed for the outbox (writer thread, before the
        transaction, so a retried transaction does not pack them again)."""
        if self._outbox is None or self.steps.outgoing is None:
            return None
        partitions = {o.partition for o in prepared.offsets}
        return self._outbox.pack(self.steps.outgoing(prepared), partitions)

    def _write(self, prepared: P, packed: Packed | None) -> tuple[R, Stored | None]:
        with self.engine.begin() as conn:
            result = self.steps.write(conn, prepared)
            stored = None if self._outbox is None else self._outbox.store(conn, packed)
            if self._phase is not None:
                self._phase("writing")
            return result, stored

    def _commit_to_kafka(self, *, wait: bool = False) -> None:
        """Commit to Kafka the offsets of batches the database has committed.

        Only the main thread touches the Kafka consumer: a commit from the writer thread
        while the main thread waited for it inside a rebalance callback deadlocked.
        ``acknowledged`` runs here too (the consumer records latency), while the writer
        already stores the next batch, rather than on the database thread.
        """
        latest: dict[tuple[str, int], int] = {}
        acknowledged = self.steps.acknowledged
        while True:
            try:
                prepared, result, committed_at = self._committed.get_nowait()
            except Empty:
                break
            if acknowledged is not None:
                acknowledged(prepared, result, committed_at)
            for o in prepared.offsets:
                latest[(o.topic, o.partition)] = max(
                    o.next_offset, latest.get((o.topic, o.partition), 0)
                )
        positions = [(t, p, offset) for (t, p), offset in latest.items() if p in self._assigned]
        self._consumer.commit(positions, wait=wait)
        for topic, partition, lag in self._consumer.lag(positions):
            self._metrics.lag.labels(topic, str(partition)).set(lag)

    def _abandon_after(self) -> float:
        return max(0.0, self.bounds.shutdown_grace_s - ABANDON_MARGIN_S)

    def _retrying(self, action: Callable[[], Any], *, abandon: bool) -> Any:
        """Run ``action`` until it succeeds, waiting out transient database failures."""
        delays = backoff(self.bounds.retry_initial_s, self.bounds.retry_max_s)
        while True:
            try:
                return action()
            except Exception as error:
                if not is_transient(error):
                    raise
                self.report.retries += 1
                log.warning("transient database failure, retrying: %s", str(error).splitlines()[0])
            if abandon and self._give_up():
                raise BatchAbandonedError
            time.sleep(next(delays))
