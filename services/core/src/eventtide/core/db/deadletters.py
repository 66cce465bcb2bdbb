"""Reading and marking dead letters (``eventtide dlq list | show | replay``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import Connection, func, select, update

from eventtide.core.db.models import DeadLetter
from eventtide.core.db.tables import DEAD


def list_dead_letters(
    conn: Connection, *, limit: int = 50, include_replayed: bool = False
) -> Sequence[DeadLetter]:
    """The newest dead letters first (without payloads, which can be large)."""
    query = select(DEAD).order_by(DEAD.c.id.desc()).limit(limit)
    if not include_replayed:
        query = query.where(DEAD.c.replayed_at.is_(None))
    return [DeadLetter(**row._mapping) for row in conn.execute(query)]


def get_dead_letter(conn: Connection, letter_id: int) -> DeadLetter | None:
    """One dead letter with its payload, or None."""
    row = conn.execute(select(DEAD).where(DEAD.c.id == letter_id)).first()
    return DeadLetter(**row._mapping) if row is not None else None


def pending_dead_letters(
    conn: Connection, ids: Sequence[int] | None = None
) -> Sequence[DeadLetter]:
    """Dead letters not replayed yet (all, or those in ``ids``), oldest first."""
    query = select(DEAD).where(DEAD.c.replayed_at.is_(None)).order_by(DEAD.c.id)
    if ids:
        query = query.where(DEAD.c.id.in_(list(ids)))
    return [DeadLetter(**row._mapping) for row in conn.execute(query)]


def mark_replayed(conn: Connection, letter_id: int, result: str) -> None:
    """Record that replay resubmitted this dead letter (``result``: what happened)."""
    conn.execute(
        update(DEAD)
        .where(DEAD.c.id == letter_id)
        .values(replayed_at=datetime.now(UTC), replay_result=result)
    )


def count_dead_letters(conn: Connection) -> int:
    """How many dead letters are stored."""
    return int(conn.execute(select(func.count()).select_from(DEAD)).scalar_one())
