"""The failed-events view: dead letters newest first, keyset-paged by id."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select

from eventtide.core.db.models import Base, DeadLetter

DEAD = Base.metadata.tables[DeadLetter.__tablename__]


def list_dead_letters(
    conn: Connection, *, before_id: int | None = None, limit: int = 50
) -> list[dict[str, Any]]:
    """Dead letters with an id below ``before_id`` (all when None), newest first."""
    columns = [c for c in DEAD.c if c.name != "payload"]
    query = select(*columns).order_by(DEAD.c.id.desc()).limit(limit)
    if before_id is not None:
        query = query.where(DEAD.c.id < before_id)
    return [dict(row._mapping) for row in conn.execute(query)]


def get_dead_letter(conn: Connection, letter_id: int) -> dict[str, Any] | None:
    """One dead letter with its payload."""
    row = conn.execute(select(DEAD).where(DEAD.c.id == letter_id)).first()
    return dict(row._mapping) if row is not None else None
