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
from eventtide.core.kafka.codec import WireMessage, header
from eventtide.core.kafka.dlq import (
    HEADER_ERROR_CLASS,
    HEADER_ERROR_FIELD,
    HEADER_ERROR_MESSAGE,
    HEADER_ERROR_RULE,
    HEADER_ORIGINAL_PARTITION,
    HEADER_ORIGINAL_TOPIC,
    dead_letter_message,
)
from eventtide.core.kafka.records import Record

_LETTER_HEADERS = (
    HEADER_ERROR_CLASS, HEADER_ERROR_FIELD, HEADER_ERROR_MESSAGE, HEADER_ERROR_RULE,
    HEADER_ORIGINAL_PARTITION, HEADER_ORIGINAL_TOPIC,
)  # fmt: skip


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
    messages: Sequence[Record],
    group_id: str,
    context: Mapping[str, Any] | None = None,
    *,
    dlq_topic: str | None = None,
) -> Prepared:
    """Decode, validate and route each message; compute next offsets per partition.

    Records read from ``dlq_topic`` (a consumer run with ``--topic`` on the
    dead-letter topic) are not events: see :func:`_letter_from_topic`.
    """
    events: list[EventRow] = []
    dead = Prepared(StorageBatch())  # collects the dead letters and their DLQ messages
    append = events.append
    last: dict[tuple[str, int], int] = {}
    for message in messages:
        partition, offset = message.partition(), message.offset()
        position = (message.topic(), partition)
        if offset > last.get(position, -1):
            last[position] = offset
        if position[0] == dlq_topic:
            _letter_from_topic(dead, message)
            continue
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


def _letter_from_topic(prepared: Prepared, message: Record) -> None:
    """A record of the dead-letter topic into a ``dead_letters`` row, reasons from its headers.

    Only letters refused before they had a position (``original_partition`` -1: the
    HTTP doors) are stored: those the consumer refused itself are in the table already,
    written with their batch. The row's source is the letter's own position on the
    dead-letter topic, so storing it again after a crash is a no-op (unique key), and
    it is never sent to the dead-letter topic again.
    """
    got = {name: header(message.headers(), name) or "" for name in _LETTER_HEADERS}
    if got[HEADER_ORIGINAL_PARTITION] != "-1":
        return
    kind, field_path = got[HEADER_ERROR_CLASS], got[HEADER_ERROR_FIELD]
    rule, text = got[HEADER_ERROR_RULE], got[HEADER_ERROR_MESSAGE]
    prepared.batch.dead_letters.append(
        DeadLetterRow(
            source_topic=message.topic(),
            source_partition=message.partition(),
            source_offset=message.offset(),
            message_key=message.key(),
            payload=message.value(),
            kind=kind,
            field=field_path,
            rule=rule,
            message=text,
            details={
                "kind": kind,
                "field": field_path,
                "rule": rule,
                "message": text,
                "original_topic": got[HEADER_ORIGINAL_TOPIC],
            },
        )
    )


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
