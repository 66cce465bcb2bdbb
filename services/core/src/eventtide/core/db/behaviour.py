"""The SQL of the live behaviour detector's per-partition checkpoint.

The state of each ``events.v1`` partition is rows of ``processor_state`` under the
detector's group: a header (kind ``behave``, key ``state``: the frontier, the counts and
the open alert episodes) and a row per pane (kind ``behave-pane``, keyed by user and
pane start: one hop of one user's events). A batch writes the header, the panes it added
events to, and deletes the panes it let go, so what a batch writes grows with the batch,
not with the day of events the state holds. The rows are written in the batch's
transaction with the alerts (``anomalies.upsert_alerts``: an episode's alert grows in
place, and a replay writes the same forms again) and the offsets, so members of the
group can split the partitions between them.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from sqlalchemy import Connection, delete, select

from eventtide.core.db.models import Base
from eventtide.core.db.processor_tables import ProcessorState
from eventtide.core.db.upsert import chunks, insert_for

STATE: Final = Base.metadata.tables[ProcessorState.__tablename__]
KIND: Final = "behave"
HEADER_KEY: Final = "state"
PANE_KIND: Final = "behave-pane"
ROWS_PER_STATEMENT: Final = 1_000
"""Six bound parameters a row: well under PostgreSQL's 65,535 a statement."""


@dataclass(frozen=True)
class StoredPartition:
    """A partition's checkpoint as stored: its header document and each pane's."""

    header: str
    panes: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class PartitionChange:
    """What a batch changed of a partition's checkpoint."""

    header: str
    panes: dict[str, str]
    """The panes that got events, in full."""
    gone: list[str]
    """The panes let go."""


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
            STATE.c.kind.in_([KIND, PANE_KIND]),
        )
    )
    headers: dict[int, str] = {}
    panes: dict[int, dict[str, str]] = {}
    for partition, kind, key, value in rows:
        if kind == KIND and key == HEADER_KEY:
            headers[int(partition)] = str(value)
        elif kind == PANE_KIND:
            panes.setdefault(int(partition), {})[str(key)] = str(value)
    return {p: StoredPartition(header, panes.get(p, {})) for p, header in headers.items()}


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
        rows += [row(partition, PANE_KIND, k, v) for k, v in sorted(change.panes.items())]
    statement = insert_for(conn, STATE)
    upsert = statement.on_conflict_do_update(
        index_elements=[STATE.c.group_id, STATE.c.topic, STATE.c.partition, STATE.c.kind,
                        STATE.c.key],
        set_={"value": statement.excluded.value},
    )  # fmt: skip
    for chunk in chunks(rows, ROWS_PER_STATEMENT):
        conn.execute(upsert.values(chunk))
    for partition, change in sorted(changes.items()):
        gone = sorted(change.gone)
        for start in range(0, len(gone), ROWS_PER_STATEMENT):
            conn.execute(
                delete(STATE).where(
                    STATE.c.group_id == group_id,
                    STATE.c.topic == topic,
                    STATE.c.partition == partition,
                    STATE.c.kind == PANE_KIND,
                    STATE.c.key.in_(gone[start : start + ROWS_PER_STATEMENT]),
                )
            )
