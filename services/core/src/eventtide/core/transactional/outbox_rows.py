"""What one outbox row holds, which leftover rows to send again, and which rows are
acknowledged: pure, no I/O.

A batch's outgoing records are stored as ONE row in the batch's own transaction: the
records packed into a single msgpack blob (bytes stay bytes, so values, keys and header
values travel unchanged), plus the source partitions the batch read. One row per batch
rather than per record, because the processor's window-closing batches carry about
15,000 records: one INSERT of one blob costs the same whether the batch had 10 records
or 15,000, and packing is a C loop (figures: docs/processor.md, "Output topics").
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal, NamedTuple

import msgpack

from eventtide.core.kafka.codec import Headers, WireMessage

Settled = Literal["acknowledged", "failed"]


class OutRecord(NamedTuple):
    """One record for one output topic: the topic and the message as the producer takes it."""

    topic: str
    message: WireMessage


@dataclass(frozen=True, slots=True)
class StoredRow:
    """One outbox row as read back: its id, the partitions its batch read, the blob."""

    row_id: int
    partitions: frozenset[int]
    payload: bytes


class OutboxDecodeError(ValueError):
    """An outbox row whose blob is not what :func:`pack_records` writes."""


def pack_records(records: Sequence[OutRecord]) -> bytes:
    """The records as one msgpack blob: ``[[topic, [kind, key, value, headers]], ...]``.

    The named tuples go to msgpack as they are (it writes tuples as arrays in C): about
    0.7 µs per record, against 1.7 µs when each was first rebuilt as a flat list.
    """
    packed: bytes = msgpack.packb(records, use_bin_type=True)
    return packed


def unpack_records(payload: bytes) -> list[OutRecord]:
    """The records of :func:`pack_records`; a blob of another shape is refused by name."""
    try:
        items = msgpack.unpackb(payload, raw=False, use_list=True)
        return [
            OutRecord(topic, WireMessage(kind, key, value, _headers(headers)))
            for topic, (kind, key, value, headers) in items
        ]
    except (ValueError, TypeError, msgpack.UnpackException) as error:
        raise OutboxDecodeError(f"not an outbox payload: {error}") from error


def _headers(raw: list[list[object]]) -> Headers:
    return [(str(name), value) for name, value in raw]  # type: ignore[misc]


def pack_partitions(partitions: Iterable[int]) -> str:
    """Source partitions as stored: ``"0,3,5"`` (sorted, no duplicates)."""
    return ",".join(str(p) for p in sorted(set(partitions)))


def unpack_partitions(text: str) -> frozenset[int]:
    """The partitions :func:`pack_partitions` wrote."""
    return frozenset(int(p) for p in text.split(",") if p)


def to_resend(
    rows: Iterable[StoredRow], assigned: Iterable[int], own: Iterable[int]
) -> list[StoredRow]:
    """The leftover rows to send again now that ``assigned`` partitions were assigned.

    A row is left over when the member that committed it died (or lost its partitions)
    before every record was acknowledged. Its records must reach the topics before any
    newer result of the same partitions, so they are sent on assignment, before the
    first batch of those partitions is read. Rows of other partitions belong to their
    owner; rows this process stored itself (``own``: still in flight) are already being
    sent. Oldest first, so a key's records keep their order.
    """
    wanted = set(assigned)
    mine = set(own)
    return sorted(
        (r for r in rows if r.row_id not in mine and r.partitions & wanted),
        key=lambda r: r.row_id,
    )


class Acknowledgements:
    """Which outbox rows wait for acknowledgements and which are done, to delete.

    Delivery reports arrive on whichever thread polls the producers, so every change
    holds a lock. A row is done once each of its records was acknowledged; one refused
    record makes it failed instead: it is forgotten here, stays in the table and is sent
    again on the next assignment (its records all carry their ids, so the repeat of
    those that did arrive is harmless).
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._waiting: dict[int, int] = {}
        self._done: set[int] = set()

    def sent(self, row_id: int, count: int) -> None:
        """``count`` records of ``row_id`` were handed to the producers."""
        with self._lock:
            if count:
                self._waiting[row_id] = self._waiting.get(row_id, 0) + count
            else:
                self._done.add(row_id)

    def report(self, row_id: int, delivered: bool) -> Settled | None:
        """One record's delivery report; says when it settled its row."""
        with self._lock:
            left = self._waiting.get(row_id)
            if left is None:
                return None  # the row failed before: nothing more to decide
            if not delivered:
                del self._waiting[row_id]
                return "failed"
            if left > 1:
                self._waiting[row_id] = left - 1
                return None
            del self._waiting[row_id]
            self._done.add(row_id)
            return "acknowledged"

    def done(self) -> frozenset[int]:
        """Rows fully acknowledged and not yet deleted."""
        with self._lock:
            return frozenset(self._done)

    def deleted(self, row_ids: Iterable[int]) -> None:
        """These rows are gone from the table (the deleting transaction committed)."""
        with self._lock:
            self._done.difference_update(row_ids)

    def own(self) -> set[int]:
        """Rows this process is sending or has yet to delete."""
        with self._lock:
            return set(self._waiting) | self._done

    def pending(self) -> int:
        """Rows still waiting for an acknowledgement."""
        with self._lock:
            return len(self._waiting)
