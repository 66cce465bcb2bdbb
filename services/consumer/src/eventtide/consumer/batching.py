"""Consumed messages to one storage batch and its dead letters (pure, no I/O).

Every message ends up in exactly one place: a stored event, a skipped duplicate (decided
later by the database), or a dead letter with its reason. The batch also carries the
next offset of every partition it read, so the offsets commit with the rows.

:func:`prepare` runs once per message, so its loop does only what each message needs:
decode, build the row, remember the highest offset of the partition. Rejections are
rare and take the slow path in :func:`_dead`. The batch's statistics change is
aggregated here too, ahead of the database (see ``StorageBatch.deltas``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from eventtide.consumer.store.batch import DeadLetterRow, StorageBatch
from eventtide.core.db.deltas import aggregate
from eventtide.core.db.offsets import OffsetRow
from eventtide.core.db.rows import EventRow, Unstorable, event_row
from eventtide.core.events import Rejection
from eventtide.core.kafka import decode
from eventtide.core.kafka.codec import WireMessage
from eventtide.core.kafka.dlq import dead_letter_message
from eventtide.core.kafka.records import Record


@dataclass
class Prepared:
    """A batch ready for the database, and the messages for the dead-letter topic."""

    batch: StorageBatch
    dlq: list[WireMessage] = field(default_factory=list)

    @property
    def offsets(self) -> list[OffsetRow]:
        """The batch's next offsets, for the loop's Kafka commit."""
        return self.batch.offsets


def prepare(
    messages: Sequence[Record], group_id: str, context: Mapping[str, Any] | None = None
) -> Prepared:
    """Decode, validate and route each message; compute next offsets per partition."""
    events: list[EventRow] = []
    dead = Prepared(StorageBatch())  # collects the dead letters and their DLQ messages
    append = events.append
    last: dict[tuple[str, int], int] = {}
    for message in messages:
        partition, offset = message.partition(), message.offset()
        position = (message.topic(), partition)
        if offset > last.get(position, -1):
            last[position] = offset
        result = decode(message.value(), context)
        if isinstance(result, Rejection):
            _dead(dead, message, result.kind, result.field, result.rule, result.message,
                  result.to_json())  # fmt: skip
            continue
        row = event_row(result, partition, offset)
        if isinstance(row, Unstorable):
            _dead(dead, message, "unstorable", row.field, row.rule, row.message, row.details())
            continue
        append(row)
    offsets = [
        OffsetRow(group_id, topic, partition, offset + 1)
        for (topic, partition), offset in sorted(last.items())
    ]
    batch = StorageBatch(events, dead.batch.dead_letters, offsets, aggregate(events))
    return Prepared(batch, dead.dlq)


def _dead(
    prepared: Prepared,
    message: Record,
    kind: str,
    field_path: str,
    rule: str,
    text: str,
    details: dict[str, Any],
) -> None:
    topic, partition, offset = message.topic(), message.partition(), message.offset()
    key, payload = message.key(), message.value()
    prepared.batch.dead_letters.append(
        DeadLetterRow(
            source_topic=topic,
            source_partition=partition,
            source_offset=offset,
            message_key=key,
            payload=payload,
            kind=kind,
            field=field_path,
            rule=rule,
            message=text,
            details=details,
        )
    )
    prepared.dlq.append(
        dead_letter_message(
            key=key,
            payload=payload,
            error_class=kind,
            error_message=text,
            rule=rule,
            field=field_path,
            topic=topic,
            partition=partition,
            offset=offset,
        )
    )
