"""The SQL of metric anomaly detection: the series it trains on, its alerts, its checkpoint.

Training reads the processor's final window partials summed over partitions (the
global figure, docs/processor.md), or the stored events when the processor has not
run. The live detector upserts its incident alerts by their deterministic id (an
incident that grows rewrites its own row) and keeps its state in ``processor_state``
under its own consumer group, so the state commits with the alerts and the offsets.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any, Final

from sqlalchemy import Connection, func, select

from eventtide.core.db.models import Base, UserEvent
from eventtide.core.db.processor_tables import AlertRow, ProcessorState, WindowAggregate
from eventtide.core.db.upsert import insert_for
from eventtide.core.events import IDENTITY_TYPES

ALERTS: Final = Base.metadata.tables[AlertRow.__tablename__]
STATE: Final = Base.metadata.tables[ProcessorState.__tablename__]
CHECKPOINT_PARTITION: Final = -1
"""The detector's one state row is not a partition's: it spans them all."""


def final_window_totals(
    conn: Connection, window: str, start_us: int, end_us: int, dimensions: Sequence[str]
) -> list[tuple[int, str, str, int, int, int, int]]:
    """Per window key: count, unique users, revenue and orders summed over partitions."""
    rows = conn.execute(
        select(
            WindowAggregate.window_start,
            WindowAggregate.dimension,
            WindowAggregate.value,
            func.sum(WindowAggregate.count),
            func.sum(WindowAggregate.unique_users),
            func.sum(WindowAggregate.revenue_cents),
            func.sum(WindowAggregate.orders),
        )
        .where(
            WindowAggregate.window == window,
            WindowAggregate.final.is_(True),
            WindowAggregate.window_start >= start_us,
            WindowAggregate.window_start < end_us,
            WindowAggregate.dimension.in_(list(dimensions)),
        )
        .group_by(WindowAggregate.window_start, WindowAggregate.dimension, WindowAggregate.value)
    )
    return [
        (int(a), str(b), str(c), int(d), int(e), int(f), int(g)) for a, b, c, d, e, f, g in rows
    ]


def event_span(conn: Connection) -> tuple[datetime, datetime] | None:
    """First and last stored event time (UTC), None without events."""
    first, last = conn.execute(
        select(func.min(UserEvent.occurred_at), func.max(UserEvent.occurred_at))
    ).one()
    if first is None or last is None:
        return None
    return _utc(first), _utc(last)


def activity_events(
    conn: Connection, start: datetime, end: datetime
) -> Iterator[tuple[float, str, str, float]]:
    """(Unix time, type, user, amount in cents) of activity events in ``[start, end)``."""
    rows = conn.execute(
        select(
            UserEvent.occurred_at, UserEvent.event_type, UserEvent.user_id, UserEvent.amount_cents
        ).where(
            UserEvent.occurred_at >= start,
            UserEvent.occurred_at < end,
            UserEvent.event_type.not_in(IDENTITY_TYPES),
        )
    )
    for at, name, user, cents in rows:
        yield _utc(at).timestamp(), str(name), str(user), float(cents or 0)


def segment_events(
    conn: Connection, start: datetime, end: datetime, fields: Sequence[str]
) -> Iterator[tuple[float, str, str, str]]:
    """(Unix time, field, its value, user) of activity events in ``[start, end)``, once for
    each context field the event carries (``platform``, ``country``...)."""
    columns = [UserEvent.context[field].as_string() for field in fields]
    rows = conn.execute(
        select(UserEvent.occurred_at, UserEvent.user_id, *columns).where(
            UserEvent.occurred_at >= start,
            UserEvent.occurred_at < end,
            UserEvent.event_type.not_in(IDENTITY_TYPES),
        )
    )
    for at, user, *values in rows:
        seconds = _utc(at).timestamp()
        for field, value in zip(fields, values, strict=True):
            if value is not None:
                yield seconds, field, str(value), str(user)


def upsert_alerts(conn: Connection, rows: Sequence[dict[str, Any]]) -> int:
    """Insert each alert or update its severity and evidence in place (the incident or
    episode grew); returns rows written. Shared by the metric and behaviour detectors."""
    if not rows:
        return 0
    statement = insert_for(conn, ALERTS).values(list(rows))
    statement = statement.on_conflict_do_update(
        index_elements=[ALERTS.c.alert_id],
        set_={"severity": statement.excluded.severity, "evidence": statement.excluded.evidence},
    )
    conn.execute(statement)
    return len(rows)


def load_detector_state(conn: Connection, group_id: str, topic: str) -> str | None:
    """The detector's checkpoint document, None before its first batch."""
    value = conn.scalar(
        select(STATE.c.value).where(
            STATE.c.group_id == group_id,
            STATE.c.topic == topic,
            STATE.c.partition == CHECKPOINT_PARTITION,
            STATE.c.kind == "detector",
        )
    )
    return None if value is None else str(value)


def save_detector_state(conn: Connection, group_id: str, topic: str, document: str) -> None:
    """Replace the checkpoint (in the caller's transaction, with the alerts and offsets)."""
    statement = insert_for(conn, STATE).values(
        group_id=group_id,
        topic=topic,
        partition=CHECKPOINT_PARTITION,
        kind="detector",
        key="state",
        value=document,
    )
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


def _utc(at: datetime) -> datetime:
    return at if at.tzinfo else at.replace(tzinfo=UTC)
