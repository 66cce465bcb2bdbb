"""The SQL of the live behaviour detector's per-partition checkpoint.

The state of each ``events.v1`` partition is a row of ``processor_state`` under the
detector's group (kind ``behave``), written in the batch's transaction with the alerts
(``anomalies.upsert_alerts``: an episode's alert grows in place, and a replay writes the
same forms again) and the offsets, so members of the group can split the partitions
between them.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Final

from sqlalchemy import Connection, select

from eventtide.core.db.models import Base
from eventtide.core.db.processor_tables import ProcessorState
from eventtide.core.db.upsert import insert_for

STATE: Final = Base.metadata.tables[ProcessorState.__tablename__]
KIND: Final = "behave"
KEY: Final = "state"


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
