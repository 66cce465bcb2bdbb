"""The ``outbox`` table: records a batch committed for the output topics, until acknowledged.

A loop that sends its results to Kafka after the database commit loses them from the
topics when it dies between the commit and the broker's acknowledgements. So the
records are stored here in the batch's own transaction (one row per batch, the
records packed by :mod:`eventtide.core.transactional.outbox_rows`), sent after the
commit, and the row deleted once every record was acknowledged; rows a dead member
left are sent again by the next owner of their partitions. Every statement here is
keyed by row id, so two members deleting the same row, or one deleting a row that is
already gone, change nothing.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import TYPE_CHECKING, Final

from sqlalchemy import Index, LargeBinary, String, Text, delete, func, insert, select
from sqlalchemy.orm import Mapped, mapped_column

from eventtide.core.db.models import Base, BigId

if TYPE_CHECKING:
    from sqlalchemy import Connection

DELETE_CHUNK: Final = 1_000
"""Ids per DELETE, far below the bound-parameter limits of both databases."""


class OutboxRow(Base):
    """One committed batch's outgoing records, for one consumer group and source topic."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_group_id_topic", "group_id", "topic"),)

    row_id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    group_id: Mapped[str] = mapped_column(String(255))
    topic: Mapped[str] = mapped_column(String(255))
    """The topic the batch was read from (the records name their own output topics)."""
    partitions: Mapped[str] = mapped_column(Text)
    """The source partitions the batch read, ``"0,3,5"`` (text: a consumer may own
    hundreds)."""
    record_count: Mapped[int]
    records: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())


def insert_outbox(
    conn: Connection, *, group_id: str, topic: str, partitions: str, records: bytes, count: int
) -> int:
    """Store one batch's packed records; returns the new row's id."""
    row_id = conn.execute(
        insert(OutboxRow)
        .values(group_id=group_id, topic=topic, partitions=partitions, record_count=count,
                records=records)
        .returning(OutboxRow.row_id)
    ).scalar_one()  # fmt: skip
    return int(row_id)


def delete_outbox(conn: Connection, row_ids: Collection[int]) -> None:
    """Delete acknowledged rows by id; ids already gone are ignored."""
    ids = sorted(row_ids)
    for start in range(0, len(ids), DELETE_CHUNK):
        chunk = ids[start : start + DELETE_CHUNK]
        conn.execute(delete(OutboxRow).where(OutboxRow.row_id.in_(chunk)))


def load_outbox(conn: Connection, group_id: str, topic: str) -> list[tuple[int, str, bytes]]:
    """``(row_id, partitions, records)`` of the group's rows for ``topic``, oldest first."""
    table = OutboxRow.__table__
    rows = conn.execute(
        select(table.c.row_id, table.c.partitions, table.c.records)
        .where(table.c.group_id == group_id, table.c.topic == topic)
        .order_by(table.c.row_id)
    )
    return [(int(i), str(p), bytes(r)) for i, p, r in rows]


def count_outbox(conn: Connection, group_id: str, topic: str) -> int:
    """How many of the group's rows for ``topic`` wait for acknowledgement."""
    table = OutboxRow.__table__
    found = conn.scalar(
        select(func.count()).where(table.c.group_id == group_id, table.c.topic == topic)
    )
    return int(found or 0)
