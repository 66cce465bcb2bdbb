"""Storing, finding and revoking API keys (``eventtide api keys``, the API's auth)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import Connection, insert, select, update

from eventtide.core.db.models import ApiKey, Base

KEYS = Base.metadata.tables[ApiKey.__tablename__]


def insert_key(
    conn: Connection,
    *,
    key_id: str,
    key_hash: str,
    name: str,
    scopes: Sequence[str],
    rate_limit_per_s: float | None = None,
) -> None:
    """Store a new key's id and hash (the caller made the key and shows it once)."""
    conn.execute(
        insert(KEYS).values(
            key_id=key_id,
            key_hash=key_hash,
            name=name,
            scopes=",".join(sorted(set(scopes))),
            rate_limit_per_s=rate_limit_per_s,
            created_at=datetime.now(UTC),
        )
    )


def find_key(conn: Connection, key_id: str) -> ApiKey | None:
    """The key with this public id, revoked or not, or None."""
    row = conn.execute(select(KEYS).where(KEYS.c.key_id == key_id)).first()
    return ApiKey(**row._mapping) if row is not None else None


def list_keys(conn: Connection) -> Sequence[ApiKey]:
    """Every key, newest first (hashes included; callers do not show them)."""
    return [ApiKey(**r._mapping) for r in conn.execute(select(KEYS).order_by(KEYS.c.id.desc()))]


def revoke_key(conn: Connection, key_id: str) -> bool:
    """Mark a key revoked; False if there is no such key or it was revoked already."""
    result = conn.execute(
        update(KEYS)
        .where(KEYS.c.key_id == key_id, KEYS.c.revoked_at.is_(None))
        .values(revoked_at=datetime.now(UTC))
    )
    return bool(result.rowcount)
