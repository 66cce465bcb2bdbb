"""The ML scorer's ``predictions`` table and the one statement that writes it.

A prediction's id is derived from the scored record's id and the model's name (uuid5),
not from the model version: a batch scored again after a crash, even by a model promoted
in between, hits the same key and is skipped, so each record is stored exactly once.
Times are integer microseconds, like the processor's tables it is scored from.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Final

from sqlalchemy import JSON, BigInteger, Float, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from eventtide.core.db.models import Base

if TYPE_CHECKING:
    from sqlalchemy import Connection

CHUNK_ROWS = 2_000
"""Rows per INSERT: 9 columns each stays far below PostgreSQL's 65,535 bound parameters."""


class Prediction(Base):
    """One model's score for one user as of one feature record."""

    __tablename__ = "predictions"
    __table_args__ = (
        Index("ix_predictions_model_user_as_of", "model_name", "user_id", "as_of"),
        Index("ix_predictions_model_score", "model_name", "score"),
    )

    prediction_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    model_name: Mapped[str] = mapped_column(String(64))
    model_version: Mapped[int]
    user_id: Mapped[str] = mapped_column(String(128))
    source_id: Mapped[str] = mapped_column(String(36))
    as_of: Mapped[int] = mapped_column(BigInteger)
    scored_at: Mapped[int] = mapped_column(BigInteger)
    score: Mapped[float] = mapped_column(Float)
    contributions: Mapped[list[Any]] = mapped_column(JSON)


COLUMNS: Final = (
    "prediction_id", "model_name", "model_version", "user_id", "source_id", "as_of",
    "scored_at", "score", "contributions",
)  # fmt: skip
_COPY_TYPES: Final = ("text", "text", "int4", "text", "text", "int8", "int8", "float8", "text")
_STAGING: Final = (
    "CREATE TEMPORARY TABLE IF NOT EXISTS incoming_predictions (prediction_id text, "
    "model_name text, model_version integer, user_id text, source_id text, as_of bigint, "
    "scored_at bigint, score double precision, contributions json) ON COMMIT DELETE ROWS"
)
_LIST: Final = ", ".join(COLUMNS)
_COPY: Final = f"COPY incoming_predictions ({_LIST}) FROM STDIN (FORMAT BINARY)"
_MOVE: Final = (  # constant column names only; the values travel by COPY
    f"INSERT INTO predictions ({_LIST}) SELECT {_LIST} "  # noqa: S608
    "FROM incoming_predictions ON CONFLICT (prediction_id) DO NOTHING"
)


def insert_predictions(conn: Connection, rows: Sequence[dict[str, Any]]) -> int:
    """Insert rows, skipping ids already stored; returns how many were new.

    On PostgreSQL: binary COPY into a temporary table, then one ``INSERT ... SELECT ...
    ON CONFLICT DO NOTHING``. The multi-row INSERT it replaces held the scorer to about
    3,000 records/s (bench/ml), the database write being the slowest step.
    """
    if not rows:
        return 0
    if conn.dialect.name == "postgresql":
        return _copy(conn, rows)
    from eventtide.core.db.upsert import chunks, insert_for

    table = Prediction.__table__
    added = 0
    for chunk in chunks(list(rows), CHUNK_ROWS):
        statement = (
            insert_for(conn, table)  # type: ignore[arg-type]
            .values(chunk)
            .on_conflict_do_nothing()
            .returning(table.c.prediction_id)
        )
        added += len(conn.execute(statement).all())
    return added


def _copy(conn: Connection, rows: Sequence[dict[str, Any]]) -> int:
    import orjson

    raw: Any = conn.connection.driver_connection
    with raw.cursor() as cur:
        cur.execute(_STAGING)
        with cur.copy(_COPY) as copy:
            copy.set_types(_COPY_TYPES)
            write = copy.write_row
            for r in rows:
                write((
                    r["prediction_id"], r["model_name"], r["model_version"], r["user_id"],
                    r["source_id"], r["as_of"], r["scored_at"], r["score"],
                    orjson.dumps(r["contributions"]).decode(),
                ))  # fmt: skip
        cur.execute(_MOVE)
        return int(cur.rowcount)
