"""The transactional outbox: output records commit with the batch, then go to Kafka.

Without it, a loop that sends its results after the database commit loses them from
the topics when it is killed between the commit and the broker's acknowledgements (the
restart resumes after the committed batch). With it:

1. :meth:`Outbox.pack` (writer thread, before the transaction) packs the batch's
   records into one blob;
2. :meth:`Outbox.store` (inside the batch's transaction) inserts that blob as one row
   and deletes the rows acknowledged since the previous batch;
3. :meth:`Outbox.committed` (after the commit) forgets the deleted ids and sends the
   records, each with a delivery callback; once every record of a row is acknowledged,
   its id waits for the next batch's (or :meth:`close`'s) delete;
4. :meth:`Outbox.resend` (on partition assignment, before the first batch of those
   partitions is read) sends again the rows a dead member left for them.

So every committed record reaches its topic at least once; a record can arrive twice
(sent, acknowledged, not yet deleted, then the process dies), and readers drop the
repeat by the record's deterministic id or key. Two members sending the same leftover
row, or deleting the same id, do no harm: deletes go by id and ignore missing rows.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from eventtide.core.db.outbox import delete_outbox, insert_outbox, load_outbox
from eventtide.core.metrics import OUTBOX_FAILED, OUTBOX_PENDING, OUTBOX_RESENT
from eventtide.core.transactional.outbox_rows import (
    Acknowledgements,
    OutRecord,
    StoredRow,
    pack_partitions,
    pack_records,
    to_resend,
    unpack_partitions,
    unpack_records,
)

if TYPE_CHECKING:
    from sqlalchemy import Connection, Engine

    from eventtide.core.kafka import EventProducer

log = logging.getLogger("eventtide.outbox")

_UNDELIVERED = "outbox row %d: a record was not delivered (%s); the row stays for a re-send"


@dataclass(frozen=True, slots=True)
class Packed:
    """One batch's records, ready to store and to send."""

    records: Sequence[OutRecord]
    partitions: str
    payload: bytes


@dataclass(frozen=True, slots=True)
class Stored:
    """What one batch transaction did to the outbox: the row it added, the ids it deleted."""

    row_id: int | None
    deleted: frozenset[int]


class UnknownOutputTopicError(ValueError):
    """A record names a topic the outbox has no producer for."""


class Outbox:
    """One loop's outbox: its producers (one per output topic) and the rows in flight."""

    def __init__(
        self,
        *,
        engine: Engine,
        group_id: str,
        topic: str,
        producers: Iterable[EventProducer],
    ) -> None:
        self.engine, self.group_id, self.topic = engine, group_id, topic
        self.producers = {p.topic: p for p in producers}
        self.acks = Acknowledgements()
        self.resent_rows = 0

    # -- the batch's side -----------------------------------------------------------

    def pack(self, records: Sequence[OutRecord], partitions: Iterable[int]) -> Packed | None:
        """The batch's records packed for :meth:`store` (``None`` when there are none)."""
        if not records:
            return None
        unknown = {r.topic for r in records} - self.producers.keys()
        if unknown:
            raise UnknownOutputTopicError(f"no producer for output topics {sorted(unknown)}")
        return Packed(records, pack_partitions(partitions), pack_records(records))

    def store(self, conn: Connection, packed: Packed | None) -> Stored:
        """In the batch's transaction: add its row, delete the rows acknowledged so far."""
        done = self.acks.done()
        if done:
            delete_outbox(conn, done)
        if packed is None:
            return Stored(None, done)
        row_id = insert_outbox(
            conn, group_id=self.group_id, topic=self.topic, partitions=packed.partitions,
            records=packed.payload, count=len(packed.records),
        )  # fmt: skip
        return Stored(row_id, done)

    def committed(self, packed: Packed | None, stored: Stored) -> None:
        """After the commit: forget the deleted ids, send the batch's records."""
        self.acks.deleted(stored.deleted)
        if packed is not None and stored.row_id is not None:
            self._send(stored.row_id, packed.records)
        self.poll()

    # -- leftovers --------------------------------------------------------------------

    def resend(self, partitions: Collection[int]) -> int:
        """Send again the rows left for ``partitions`` by a member that died before their
        acknowledgements; returns how many rows. Reads the database (retry on failure)."""
        with self.engine.connect() as conn:
            stored = load_outbox(conn, self.group_id, self.topic)
        rows = to_resend(
            (StoredRow(i, unpack_partitions(p), payload) for i, p, payload in stored),
            partitions,
            self.acks.own(),
        )
        for row in rows:
            records = unpack_records(row.payload)
            unknown = {r.topic for r in records} - self.producers.keys()
            if unknown:
                log.error("outbox row %d names unknown topics %s; left in place", row.row_id,
                          sorted(unknown))  # fmt: skip
                continue
            self._send(row.row_id, records)
        if rows:
            self.resent_rows += len(rows)
            OUTBOX_RESENT.inc(len(rows))
            log.info("re-sent %d leftover outbox rows for partitions %s", len(rows),
                     sorted(partitions))  # fmt: skip
        self.poll()
        return len(rows)

    # -- sending ----------------------------------------------------------------------

    def _send(self, row_id: int, records: Sequence[OutRecord]) -> None:
        self.acks.sent(row_id, len(records))
        OUTBOX_PENDING.set(self.acks.pending())
        callbacks: dict[tuple[str, str], Any] = {}
        for topic, message in records:
            producer = self.producers[topic]
            callback = callbacks.get((topic, message.event_type))
            if callback is None:
                callback = callbacks[(topic, message.event_type)] = self._callback(
                    row_id, producer.stats.callback_for(message.event_type)
                )
            producer.send_reported(message, callback)

    def _callback(self, row_id: int, count: Any) -> Any:
        """A delivery callback counting the report (``count``) and settling the row."""
        report, acks = self.acks.report, self.acks

        def on_delivery(err: Any, msg: Any) -> None:
            count(err, msg)
            settled = report(row_id, err is None)
            if settled is not None:
                OUTBOX_PENDING.set(acks.pending())
                if settled == "failed":
                    OUTBOX_FAILED.inc()
                    log.warning(_UNDELIVERED, row_id, err)

        return on_delivery

    def poll(self) -> None:
        """Serve the producers' delivery reports (and publish their counts)."""
        for producer in self.producers.values():
            producer.poll(0)

    def close(self, timeout_s: float) -> int:
        """Flush every producer, then delete the acknowledged rows in a transaction of their
        own; returns the records left unacknowledged (their rows stay for a re-send)."""
        left = sum(p.flush(timeout_s) for p in self.producers.values())
        done = self.acks.done()
        if done:
            try:
                with self.engine.begin() as conn:
                    delete_outbox(conn, done)
            except Exception as error:  # rows left behind are only sent once more
                log.warning("could not delete %d acknowledged outbox rows: %s", len(done), error)
            else:
                self.acks.deleted(done)
        return left
