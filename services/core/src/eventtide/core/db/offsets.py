"""The offsets table: where each consumer group's next offset per partition is kept.

This is the half of exactly once that every service built on
:mod:`eventtide.core.transactional` shares: a batch's rows and the next offset of every
partition it read commit in one transaction (:func:`store_offsets` inside the batch's
write), and on assignment the loop seeks to :func:`load_offsets`. :class:`OffsetRow` and
:func:`next_offsets` are plain data and pure; SQLAlchemy loads only when SQL runs.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from eventtide.core.kafka.records import Record


@dataclass(frozen=True, slots=True)
class OffsetRow:
    """The next offset of one partition for one consumer group."""

    group_id: str
    topic: str
    partition: int
    next_offset: int


def next_offsets(messages: Iterable[Record], group_id: str) -> list[OffsetRow]:
    """The offset after the last message of each partition, in (topic, partition) order.

    For services whose batching does not already walk every message; the consumer
    computes the same inside its own single pass (``eventtide.consumer.batching``).
    """
    last: dict[tuple[str, int], int] = {}
    for message in messages:
        position = (message.topic(), message.partition())
        offset = message.offset()
        if offset > last.get(position, -1):
            last[position] = offset
    return [
        OffsetRow(group_id, topic, partition, offset + 1)
        for (topic, partition), offset in sorted(last.items())
    ]


def store_offsets(conn: Connection, offsets: list[OffsetRow]) -> None:
    """Record next offsets; never moves one backwards (a zombie batch cannot rewind)."""
    if not offsets:
        return
    from sqlalchemy import func

    from eventtide.core.db.models import ConsumerOffset
    from eventtide.core.db.upsert import insert_for

    table = ConsumerOffset.__table__
    values = [
        {
            "group_id": o.group_id,
            "topic": o.topic,
            "partition": o.partition,
            "next_offset": o.next_offset,
        }
        for o in sorted(offsets, key=lambda o: (o.topic, o.partition))
    ]
    statement = insert_for(conn, table).values(values)  # type: ignore[arg-type]
    conn.execute(
        statement.on_conflict_do_update(
            index_elements=["group_id", "topic", "partition"],
            set_={"next_offset": statement.excluded.next_offset, "updated_at": func.now()},
            where=table.c.next_offset < statement.excluded.next_offset,
        )
    )


def load_offsets(conn: Connection, group_id: str, topic: str) -> dict[int, int]:
    """Partition to next offset, as stored by this group's batches."""
    from eventtide.core.db.models import ConsumerOffset

    table = ConsumerOffset.__table__
    rows = conn.execute(
        table.select()
        .with_only_columns(table.c.partition, table.c.next_offset)
        .where(table.c.group_id == group_id, table.c.topic == topic)
    )
    return {int(partition): int(offset) for partition, offset in rows}
