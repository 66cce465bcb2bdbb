"""The storage schema as SQLAlchemy 2 models; Alembic migrations own the real schema.

Portable on purpose: the same models and migrations run on PostgreSQL (production) and
SQLite (the embedded default), so only types both understand are used. Money is stored
in integer cents, so sums are exact on both and ``user_stats`` can be compared with a
recomputation for equality, not within a tolerance.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Final

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    Float,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    Uuid,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from eventtide.core.db.columns import TYPE_COUNT_COLUMNS

NAMING: Final = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "pk": "pk_%(table_name)s",
}
"""Constraint names fixed here so migrations name them the same on every database."""

BigId = BigInteger().with_variant(Integer(), "sqlite")
"""SQLite only auto-increments an ``INTEGER PRIMARY KEY``."""


class Base(DeclarativeBase):
    """Declarative base with the naming convention."""

    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: Final[dict[Any, Any]] = {
        datetime: DateTime(timezone=True),
        uuid.UUID: Uuid(),
    }


class User(Base):
    """Every user seen in an event, with when they were first and last seen."""

    __tablename__ = "users"

    user_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    first_seen_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    country: Mapped[str | None] = mapped_column(String(2))
    platform: Mapped[str | None] = mapped_column(String(16))
    traits: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    """The person's traits (docs/events.md, "Identity"), written by the consumer when the
    person changes; None on a row created since (read the person's from any of its ids)."""


class IdentityLink(Base):
    """One stored ``identify`` or ``alias`` event as a link, with the traits it sets.

    Kept apart from ``user_events`` so the consumer finds a linked group of ids through
    two small indexes instead of scanning JSON; written in the batch's transaction.
    """

    __tablename__ = "identity_links"
    __table_args__ = (
        Index("ix_identity_links_user_id", "user_id"),
        Index("ix_identity_links_other_id", "other_id"),
    )

    event_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[str] = mapped_column(String(128))
    other_id: Mapped[str] = mapped_column(String(128))
    occurred_at: Mapped[datetime]
    set_traits: Mapped[dict[str, Any]] = mapped_column(JSON)
    set_once_traits: Mapped[dict[str, Any]] = mapped_column(JSON)


class PersonDistinctId(Base):
    """Which person each linked id belongs to; an id not listed is its own person.

    The consumer rewrites the rows of a linked group whenever a new link touches it,
    so every analytics query resolves persons with one indexed lookup.
    """

    __tablename__ = "person_distinct_ids"
    __table_args__ = (Index("ix_person_distinct_ids_person_id", "person_id"),)

    distinct_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    person_id: Mapped[str] = mapped_column(String(128))


EVENT_JSON: Final = JSON().with_variant(JSONB(), "postgresql")
"""An event's context and properties: ``jsonb`` on PostgreSQL, whose ``->>`` reads a
key from the stored binary form (75 ms for 499,236 rows) where ``json`` parses each
document again (472 ms); plain JSON text on SQLite."""


class UserEvent(Base):
    """One stored event; ``event_id`` is unique, so a redelivery inserts nothing."""

    __tablename__ = "user_events"
    __table_args__ = (
        UniqueConstraint("event_id"),
        Index("ix_user_events_user_time", "user_id", "occurred_at"),
        Index("ix_user_events_type_time", "event_type", "occurred_at"),
        # funnels and retention look up one user's events of one type in time order
        # (migration 0008); the trend reads by type and time through the index above
        Index("ix_user_events_type_user_time", "event_type", "user_id", "occurred_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    event_id: Mapped[uuid.UUID]
    user_id: Mapped[str] = mapped_column(String(128))
    session_id: Mapped[str] = mapped_column(String(128))
    event_type: Mapped[str] = mapped_column(String(200))
    occurred_at: Mapped[datetime]
    received_at: Mapped[datetime]
    schema_version: Mapped[int]
    amount_cents: Mapped[int | None] = mapped_column(BigInteger)
    currency: Mapped[str | None] = mapped_column(String(3))
    # jsonb on PostgreSQL (migration 0009): ``->>`` on json reparses each document
    context: Mapped[dict[str, Any]] = mapped_column(EVENT_JSON)
    properties: Mapped[dict[str, Any]] = mapped_column(EVENT_JSON)
    kafka_partition: Mapped[int | None]
    kafka_offset: Mapped[int | None] = mapped_column(BigInteger)
    stored_at: Mapped[datetime] = mapped_column(server_default=func.now())


class UserStats(Base):
    """Per-user statistics, kept equal to a recomputation from ``user_events``.

    Updated only by the deltas of events actually inserted, in the same transaction,
    so duplicates, replays and rebalances cannot count an event twice.
    """

    __tablename__ = "user_stats"

    user_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    total_events: Mapped[int] = mapped_column(BigInteger)
    total_spent_cents: Mapped[int] = mapped_column(BigInteger)
    first_seen_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    # One ``<event_type>_count`` column per event type follows, generated below from
    # TYPE_COUNT_COLUMNS so that the list of types is written once (events.models).

    @property
    def purchases(self) -> int:
        """Orders paid (the ``purchase`` events)."""
        return self.type_count("purchase")

    @property
    def average_order_cents(self) -> float | None:
        """Average order value in cents; None before the first purchase."""
        purchases = self.purchases
        return self.total_spent_cents / purchases if purchases else None

    def type_count(self, event_type: str) -> int:
        """Events of ``event_type`` (a generated column, so read by name)."""
        return int(getattr(self, TYPE_COUNT_COLUMNS[event_type]))

    def events_by_type(self) -> dict[str, int]:
        """Counts per event type, only the types seen."""
        counts = {t: self.type_count(t) for t in TYPE_COUNT_COLUMNS}
        return {t: n for t, n in counts.items() if n}


for _column in TYPE_COUNT_COLUMNS.values():
    # Declarative classes accept columns added after the class statement; the migration
    # that created them lists them as NOT NULL BIGINT, which is what this produces.
    setattr(UserStats, _column, mapped_column(_column, BigInteger, nullable=False, default=0))
del _column


class DeadLetter(Base):
    """An input that could not be stored, with its raw bytes and why.

    Unique on the source position, so reprocessing a batch after a crash does not store
    the same dead letter twice.
    """

    __tablename__ = "dead_letters"
    __table_args__ = (
        UniqueConstraint("source_topic", "source_partition", "source_offset"),
        Index("ix_dead_letters_created", "created_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    source_topic: Mapped[str] = mapped_column(String(255))
    source_partition: Mapped[int]
    source_offset: Mapped[int] = mapped_column(BigInteger)
    message_key: Mapped[bytes | None] = mapped_column(LargeBinary)
    payload: Mapped[bytes | None] = mapped_column(LargeBinary)
    kind: Mapped[str] = mapped_column(String(32))
    field: Mapped[str] = mapped_column(Text)
    rule: Mapped[str] = mapped_column(String(64))
    message: Mapped[str] = mapped_column(Text)
    details: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    replayed_at: Mapped[datetime | None]
    replay_result: Mapped[str | None] = mapped_column(String(32))


class ApiKey(Base):
    """An API key: a public ``key_id`` to find it, the SHA-256 of the whole key to check it.

    Keys are 32 random bytes, so a fast hash is enough (no password stretching: there
    is nothing to guess); the plain key is shown once, at creation, and never stored.
    ``scopes`` is a comma-separated list (``ingest``, ``read``, ``admin``) to stay portable.
    """

    __tablename__ = "api_keys"
    __table_args__ = (UniqueConstraint("key_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    key_id: Mapped[str] = mapped_column(String(32))
    key_hash: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(128))
    scopes: Mapped[str] = mapped_column(String(64))
    rate_limit_per_s: Mapped[float | None] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    revoked_at: Mapped[datetime | None]


class ConsumerOffset(Base):
    """The next offset to read per group and partition, written with the batch's rows."""

    __tablename__ = "consumer_offsets"

    group_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    topic: Mapped[str] = mapped_column(String(255), primary_key=True)
    partition: Mapped[int] = mapped_column(primary_key=True)
    next_offset: Mapped[int] = mapped_column(BigInteger)
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), onupdate=func.now())


class Model(Base):
    """A trained model: its artefact (skops bytes and their SHA-256), scores and stage.

    ``stage`` is ``candidate`` when registered, ``production`` for the one model of a
    name that scoring uses, ``archived`` for a production model that was replaced.
    ``metrics`` holds the held-out scores the promotion compared; ``data_start`` and
    ``data_end`` the event-time range it was trained and evaluated on.
    """

    __tablename__ = "models"
    __table_args__ = (
        UniqueConstraint("name", "version"),
        Index("ix_models_name_stage", "name", "stage"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(64))
    version: Mapped[int]
    stage: Mapped[str] = mapped_column(String(16))
    parameters: Mapped[dict[str, Any]] = mapped_column(JSON)
    metrics: Mapped[dict[str, Any]] = mapped_column(JSON)
    data_start: Mapped[datetime]
    data_end: Mapped[datetime]
    artefact: Mapped[bytes] = mapped_column(LargeBinary)
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())


# The processor's tables share this metadata (one Alembic head); they live apart to keep
# this file small, and are imported last because they need ``Base``.
from eventtide.core.db import outbox, predictions, processor_tables  # noqa: E402, F401
