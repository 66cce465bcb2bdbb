"""Response models of the processor-backed and operational routes: sessions, alerts,
the live overview, pipeline health and dead-letter replay."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field


class SessionOut(BaseModel):
    """One session as the processor closed (``final``) or still extends it."""

    session_id: str = Field(examples=["5f0c..."])
    user_id: str = Field(examples=["u-42"])
    started_at: datetime
    ended_at: datetime
    duration_s: float = Field(examples=[312.5])
    events: int = Field(examples=[7])
    page_views: int
    entry_page: str = Field(examples=["/home"])
    exit_page: str
    converted: bool
    revenue_cents: int
    final: bool


class SessionFigures(BaseModel):
    """Count, median duration, mean events per session and bounce rate."""

    sessions: int = Field(examples=[1200])
    median_duration_s: float | None = Field(examples=[95.0])
    events_per_session: float | None = Field(examples=[4.2])
    bounce_rate: float | None = Field(examples=[0.31], description="share of 1-event sessions")


class SessionStats(SessionFigures):
    """Summary and histograms; ``*_edges`` are each bucket's lower bound (last open)."""

    duration_edges_s: list[int]
    duration_histogram: list[int]
    events_edges: list[int]
    events_histogram: list[int]


class SessionPage(BaseModel):
    """Newest first; pass ``next_cursor`` as ``cursor`` for the next page."""

    sessions: list[SessionOut]
    next_cursor: str | None = None


class AlertOut(BaseModel):
    """A pattern alert of the processor."""

    alert_id: str
    rule: str = Field(examples=["cart_abandonment_burst"])
    user_id: str = Field(examples=["u-42"])
    severity: str = Field(examples=["warning"])
    at: datetime
    evidence: dict[str, Any] = Field(default_factory=dict)


class AlertPage(BaseModel):
    """Newest first; pass ``next_cursor`` as ``cursor`` for the next page."""

    alerts: list[AlertOut]
    next_cursor: str | None = None


class Ranked(BaseModel):
    """A name and its count."""

    name: str
    count: int


class Overview(BaseModel):
    """The database side of the live overview (the stream adds events/s in)."""

    stored: int = Field(examples=[1_250_000])
    dead_letters: int = Field(examples=[12])
    active_users_5m: int
    active_users_today: int
    revenue_today_cents: int
    top_event_types: list[Ranked]
    top_pages: list[Ranked]
    latency_p50_ms: float | None = Field(description="received to stored, last 5 minutes")
    consumer_lag: int | None = Field(description="events in Kafka not yet stored")


class PartitionLag(BaseModel):
    """One partition of the events topic as the consumer group sees it."""

    partition: int
    end: int
    committed: int | None
    lag: int


class PipelineHealth(BaseModel):
    """The consumer group's state, members and per-partition lag."""

    group: str = Field(examples=["eventtide-consumer"])
    topic: str = Field(examples=["events.v1"])
    state: str = Field(examples=["Stable"])
    members: int
    lag: int
    partitions: list[PartitionLag]
    grafana_url: str | None = None
    error: str | None = Field(default=None, description="why Kafka could not be read")


class ReplayOut(BaseModel):
    """What a replay did to one dead letter."""

    id: int
    result: str = Field(examples=["resubmitted"])
