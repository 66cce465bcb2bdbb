"""The stream processor's tables: its results, and the checkpoint it restarts from.

Every result row has a deterministic key (the uuid5 ids of docs/processor.md, or the
window's coordinates), so a batch that is processed again after a crash upserts the
same rows instead of adding new ones. Window rows and conversion counters are kept per
Kafka partition (each partition's job owns its partial); queries sum the partitions,
which is exact for unique users too because a user's events all go to one partition.
Times are integer microseconds, as in the pure core, so that rows compare exactly.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, BigInteger, Float, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from eventtide.core.db.models import Base


class WindowAggregate(Base):
    """One partition's partial of one window key; ``final`` once the window closed."""

    __tablename__ = "window_aggregates"
    __table_args__ = (Index("ix_window_aggregates_window_start", "window", "window_start"),)

    partition: Mapped[int] = mapped_column(primary_key=True)
    window: Mapped[str] = mapped_column(String(64), primary_key=True)
    window_start: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    dimension: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[str] = mapped_column(String(512), primary_key=True)
    window_end: Mapped[int] = mapped_column(BigInteger)
    count: Mapped[int] = mapped_column(BigInteger)
    unique_users: Mapped[int] = mapped_column(BigInteger)
    revenue_cents: Mapped[int] = mapped_column(BigInteger)
    orders: Mapped[int] = mapped_column(BigInteger)
    average_order_value_cents: Mapped[int | None] = mapped_column(BigInteger)
    final: Mapped[bool]


class ProcessorSession(Base):
    """A session's current row; retracted (deleted) when a merge absorbs it."""

    __tablename__ = "sessions"
    __table_args__ = (Index("ix_sessions_user_start", "user_id", "started_at"),)

    session_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(128))
    started_at: Mapped[int] = mapped_column(BigInteger)
    ended_at: Mapped[int] = mapped_column(BigInteger)
    events: Mapped[int]
    page_views: Mapped[int]
    entry_page: Mapped[str] = mapped_column(Text)
    exit_page: Mapped[str] = mapped_column(Text)
    converted: Mapped[bool]
    revenue_cents: Mapped[int] = mapped_column(BigInteger)
    purchases: Mapped[int]
    final: Mapped[bool]


class AttributionRow(Base):
    """One purchase line credited to a touch (or to ``direct``) under one model."""

    __tablename__ = "attributions"
    __table_args__ = (Index("ix_attributions_user", "user_id"),)

    attribution_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    model: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[str] = mapped_column(String(128))
    purchase_event_id: Mapped[str] = mapped_column(String(36))
    purchase_ts: Mapped[int] = mapped_column(BigInteger)
    product_id: Mapped[str] = mapped_column(String(128))
    value_cents: Mapped[int] = mapped_column(BigInteger)
    touch_event_id: Mapped[str | None] = mapped_column(String(36))
    touch_ts: Mapped[int | None] = mapped_column(BigInteger)
    source: Mapped[str] = mapped_column(String(255))


class ConversionCount(Base):
    """One partition's touches and conversions per day and source (its running total)."""

    __tablename__ = "conversion_counts"

    partition: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    source: Mapped[str] = mapped_column(String(255), primary_key=True)
    touches: Mapped[int] = mapped_column(BigInteger)
    conversions: Mapped[int] = mapped_column(BigInteger)


class AlertRow(Base):
    """A pattern alert; its id is uuid5(rule, user, trigger), so a replay adds nothing."""

    __tablename__ = "alerts"
    __table_args__ = (Index("ix_alerts_user_at", "user_id", "at"),)

    alert_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    rule: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[str] = mapped_column(String(128))
    severity: Mapped[str] = mapped_column(String(16))
    at: Mapped[int] = mapped_column(BigInteger)
    evidence: Mapped[dict[str, Any]] = mapped_column(JSON)


class CartAbandonment(Base):
    """A cart left without a purchase before the timeout."""

    __tablename__ = "cart_abandonments"

    cart_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(128))
    started: Mapped[int] = mapped_column(BigInteger)
    at: Mapped[int] = mapped_column(BigInteger)
    products: Mapped[list[str]] = mapped_column(JSON)
    value_cents: Mapped[int] = mapped_column(BigInteger)


class UserFeatures(Base):
    """A user's features as of the end of one final session (``features.v1``)."""

    __tablename__ = "user_features"
    __table_args__ = (Index("ix_user_features_user_as_of", "user_id", "as_of"),)

    feature_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(128))
    as_of: Mapped[int] = mapped_column(BigInteger)
    recency_s: Mapped[float | None] = mapped_column(Float)
    sessions_7d: Mapped[int]
    sessions_30d: Mapped[int]
    events_7d: Mapped[int]
    purchases_30d: Mapped[int]
    monetary_30d_cents: Mapped[int] = mapped_column(BigInteger)
    activity_trend: Mapped[float] = mapped_column(Float)


class ProcessorState(Base):
    """One row of a partition's checkpoint: ``(kind, key)`` from ``PartitionSnapshot``.

    Written in the batch's transaction, only for rows that changed; a row whose key left
    the snapshot (a closed window, a forgotten user) is deleted.
    """

    __tablename__ = "processor_state"

    group_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    topic: Mapped[str] = mapped_column(String(255), primary_key=True)
    partition: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    key: Mapped[str] = mapped_column(Text, primary_key=True)
    value: Mapped[str] = mapped_column(Text)
