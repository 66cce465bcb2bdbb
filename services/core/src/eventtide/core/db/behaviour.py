"""The SQL of the live behaviour detector's per-partition checkpoint.

The state of each ``events.v1`` partition is rows of ``processor_state`` under the
detector's group: a header (kind ``behave``, key ``state``: the frontier, the counts,
the open alert episodes) and event segments (kind ``behave-events``): each batch adds,
per hop its events fell in, one row with the events it added to that hop's panes, keyed
by the hop's start and the segment's number. When a hop's panes are let go, its
segments are deleted. So a batch writes its own events and a few rows, not the day of
events the state holds (a whole-state document, rewritten every batch, grew with it;
a row per pane made thousands of small upserts a batch). A hop that reached the
compaction threshold is rewritten whole in one new segment and its older segments go,
so small batches (a live stream cuts one every half second) do not pile up rows. The
rows are written in the batch's transaction with the alerts
(``anomalies.upsert_alerts``: an episode's alert grows in place, and a replay writes
the same forms again) and the offsets, so members of the group can split the
partitions between them.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any, Final, TypeVar

from sqlalchemy import Connection, delete, or_, select

from eventtide.core.db.models import Base
from eventtide.core.db.processor_tables import ProcessorState
from eventtide.core.db.upsert import chunks, insert_for

STATE: Final = Base.metadata.tables[ProcessorState.__tablename__]
KIND: Final = "behave"
HEADER_KEY: Final = "state"
SEGMENT_KIND: Final = "behave-events"
ROWS_PER_STATEMENT: Final = 1_000
"""Six bound parameters a row: well under PostgreSQL's 65,535 a statement."""


def hop_prefix(hop_start_us: int) -> str:
    """What the keys of a hop's segments start with (zero-padded: keys sort by hop)."""
    return f"{hop_start_us:020d}:"


def segment_key(hop_start_us: int, number: int) -> str:
    """A segment's key: its hop, then its number (zero-padded: keys sort in order)."""
    return f"{hop_prefix(hop_start_us)}{number:012d}"


def segment_hop(key: str) -> int:
    """The start of the hop a segment's key names."""
    return int(key.split(":", 1)[0])


@dataclass(frozen=True)
class StoredPartition:
    """A partition's checkpoint as stored: its header document and its segments' by key."""

    header: str
    segments: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class PartitionChange:
    """What a batch changed of a partition's checkpoint."""

    header: str
    segments: dict[str, str]
    """The new segments by key (:func:`segment_key`)."""
    gone: list[int]
    """The starts of the hops whose segments go."""
    compacted: dict[int, int] = field(default_factory=dict)
    """Hops rewritten whole in one new segment: their segments numbered below it go."""


V = TypeVar("V")


def segments_after(
    held: Mapping[str, V], added: Mapping[str, V], change: PartitionChange
) -> dict[str, V]:
    """The segments a partition keeps once ``change`` is saved, ``added`` standing for
    its new ones: what :func:`save_partition_states` leaves in the table, for a model of
    the rows (tests, benchmarks) that needs no database."""
    gone = tuple(hop_prefix(hop) for hop in change.gone)
    compacted = [
        (hop_prefix(hop), segment_key(hop, below)) for hop, below in change.compacted.items()
    ]
    return {
        key: value
        for key, value in {**held, **added}.items()
        if not key.startswith(gone) and not any(low <= key < high for low, high in compacted)
    }


def load_partition_states(
    conn: Connection, group_id: str, topic: str, partitions: Collection[int]
) -> dict[int, StoredPartition]:
    """The checkpoint of each given partition that has one."""
    if not partitions:
        return {}
    rows = conn.execute(
        select(STATE.c.partition, STATE.c.kind, STATE.c.key, STATE.c.value).where(
            STATE.c.group_id == group_id,
            STATE.c.topic == topic,
            STATE.c.partition.in_(list(partitions)),
            STATE.c.kind.in_([KIND, SEGMENT_KIND]),
        )
    )
    headers: dict[int, str] = {}
    segments: dict[int, dict[str, str]] = {}
    for partition, kind, key, value in rows:
        if kind == KIND and key == HEADER_KEY:
            headers[int(partition)] = str(value)
        elif kind == SEGMENT_KIND:
            segments.setdefault(int(partition), {})[str(key)] = str(value)
    return {p: StoredPartition(header, segments.get(p, {})) for p, header in headers.items()}


def save_partition_states(
    conn: Connection, group_id: str, topic: str, changes: Mapping[int, PartitionChange]
) -> None:
    """Write the given partitions' changes (in the caller's transaction)."""
    if not changes:
        return

    def row(partition: int, kind: str, key: str, value: str) -> dict[str, Any]:
        return {"group_id": group_id, "topic": topic, "partition": partition, "kind": kind,
                "key": key, "value": value}  # fmt: skip

    rows = []
    for partition, change in sorted(changes.items()):
        rows.append(row(partition, KIND, HEADER_KEY, change.header))
        rows += [row(partition, SEGMENT_KIND, k, v) for k, v in sorted(change.segments.items())]
    statement = insert_for(conn, STATE)
    upsert = statement.on_conflict_do_update(
        index_elements=[STATE.c.group_id, STATE.c.topic, STATE.c.partition, STATE.c.kind,
                        STATE.c.key],
        set_={"value": statement.excluded.value},
    )  # fmt: skip
    for chunk in chunks(rows, ROWS_PER_STATEMENT):
        conn.execute(upsert.values(chunk))
    for partition, change in sorted(changes.items()):
        segments = delete(STATE).where(
            STATE.c.group_id == group_id,
            STATE.c.topic == topic,
            STATE.c.partition == partition,
            STATE.c.kind == SEGMENT_KIND,
        )
        for hop, below in sorted(change.compacted.items()):
            conn.execute(
                segments.where(
                    STATE.c.key >= hop_prefix(hop), STATE.c.key < segment_key(hop, below)
                )
            )
        if change.gone:
            gone = [STATE.c.key.startswith(hop_prefix(h)) for h in sorted(change.gone)]
            conn.execute(segments.where(or_(*gone)))
