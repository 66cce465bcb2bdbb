"""Consumed messages to one storage batch and its dead letters (pure, no I/O).

Every message ends up in exactly one place: a stored event, a skipped duplicate (decided
later by the database), or a dead letter with its reason. The batch also carries the
next offset of every partition it read, so the offsets commit with the rows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from eventtide.consumer.messages import Consumed
from eventtide.core.db import DeadLetterRow, OffsetRow, StorageBatch, Unstorable, event_row
from eventtide.core.events import Rejection
from eventtide.core.kafka import decode
from eventtide.core.kafka.codec import WireMessage
from eventtide.core.kafka.dlq import dead_letter_message


@dataclass
class Prepared:
    """A batch ready for the database, and the messages for the dead-letter topic."""

    batch: StorageBatch
    dlq: list[WireMessage] = field(default_factory=list)
    occurred_at: dict[Any, datetime] = field(default_factory=dict)


def prepare(
    messages: Sequence[Consumed], group_id: str, context: Mapping[str, Any] | None = None
) -> Prepared:
    """Decode, validate and route each message; compute next offsets per partition."""
    batch = StorageBatch()
    prepared = Prepared(batch)
    next_offsets: dict[tuple[str, int], int] = {}
    for message in messages:
        position = (message.topic, message.partition)
        if message.offset + 1 > next_offsets.get(position, -1):
            next_offsets[position] = message.offset + 1
        result = decode(message.value, context)
        if isinstance(result, Rejection):
            _dead(
                prepared,
                message,
                result.kind,
                result.field,
                result.rule,
                result.message,
                result.to_json(),
            )
            continue
        row = event_row(result, message.partition, message.offset)
        if isinstance(row, Unstorable):
            _dead(prepared, message, "unstorable", row.field, row.rule, row.message, row.details())
            continue
        batch.events.append(row)
        prepared.occurred_at[row.event_id] = row.occurred_at
    batch.offsets.extend(
        OffsetRow(group_id, topic, partition, offset)
        for (topic, partition), offset in sorted(next_offsets.items())
    )
    return prepared


def _dead(
    prepared: Prepared,
    message: Consumed,
    kind: str,
    field_path: str,
    rule: str,
    text: str,
    details: dict[str, Any],
) -> None:
    prepared.batch.dead_letters.append(
        DeadLetterRow(
            source_topic=message.topic,
            source_partition=message.partition,
            source_offset=message.offset,
            message_key=message.key,
            payload=message.value,
            kind=kind,
            field=field_path,
            rule=rule,
            message=text,
            details=details,
        )
    )
    prepared.dlq.append(
        dead_letter_message(
            key=message.key,
            payload=message.value,
            error_class=kind,
            error_message=text,
            rule=rule,
            field=field_path,
            topic=message.topic,
            partition=message.partition,
            offset=message.offset,
        )
    )
