"""The SQL of the live behaviour detector: its alerts and its per-partition checkpoint.

A behaviour alert is an episode of a user's flagged windows: it is inserted by its
deterministic id and grows in place while later windows overlap it, and a replay
writes the same forms again. The state of each ``events.v1`` partition
is a row of ``processor_state`` under the detector's group (kind ``behave``), written
in the batch's transaction with the alerts and the offsets, so members of the group
can split the partitions between them.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any, Final

from sqlalchemy import Connection, select

from eventtide.core.db.models import Base
from eventtide.core.db.processor_tables import AlertRow, ProcessorState
from eventtide.core.db.upsert import insert_for

ALERTS: Final = Base.metadata.tables[AlertRow.__tablename__]
STATE: Final = Base.metadata.tables[ProcessorState.__tablename__]
KIND: Final = "behave"
KEY: Final = "state"


def upsert_alerts(conn: Connection, rows: Sequence[dict[str, Any]]) -> int:
    """Insert each alert or replace its severity and evidence (the episode grew); returns
    the rows written."""
    if not rows:
        return 0
    statement = insert_for(conn, ALERTS).values(list(rows))
    statement = statement.on_conflict_do_update(
        index_elements=[ALERTS.c.alert_id],
        set_={"severity": statement.excluded.severity, "evidence": statement.excluded.evidence},
    )
    conn.execute(statement)
    return len(rows)


def load_partition_states(
    conn: Connection, group_id: str, topic: str, partitions: Collection[int]
) -> dict[int, str]:
    """The checkpoint document of each given partition that has one."""
    if not partitions:
        return {}
    rows = conn.execute(
        select(STATE.c.partition, STATE.c.value).where(
            STATE.c.group_id == group_id,
            STATE.c.topic == topic,
            STATE.c.partition.in_(list(partitions)),
            STATE.c.kind == KIND,
            STATE.c.key == KEY,
        )
    )
    return {int(partition): str(value) for partition, value in rows}


def save_partition_states(
    conn: Connection, group_id: str, topic: str, documents: Mapping[int, str]
) -> None:
    """Replace the given partitions' checkpoints (in the caller's transaction)."""
    if not documents:
        return
    statement = insert_for(conn, STATE).values(
        [
            {"group_id": group_id, "topic": topic, "partition": partition, "kind": KIND,
             "key": KEY, "value": document}
            for partition, document in sorted(documents.items())
        ]
    )  # fmt: skip
    conn.execute(
        statement.on_conflict_do_update(
            index_elements=[
                STATE.c.group_id,
                STATE.c.topic,
                STATE.c.partition,
                STATE.c.kind,
                STATE.c.key,
            ],
            set_={"value": statement.excluded.value},
        )
    )
