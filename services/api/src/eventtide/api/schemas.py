"""Request and response models of the API, with the examples OpenAPI shows."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from eventtide.api.schemas_insights import SessionFigures, SessionOut


class ItemResult(BaseModel):
    """What happened to one item of a request, in the order sent."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"index": 0, "status": "accepted", "event_id": "0b7e..."},
                {
                    "index": 1,
                    "status": "rejected",
                    "kind": "schema_violation",
                    "field": "context.country",
                    "rule": "string_pattern_mismatch",
                    "message": "String should match pattern '^[A-Z]{2}$'",
                },
            ]
        }
    )

    index: int
    status: Literal["accepted", "rejected"]
    event_id: str | None = None
    kind: str | None = None
    field: str | None = None
    rule: str | None = None
    message: str | None = None


class IngestResponse(BaseModel):
    """Counts and per-item results; sent only once Kafka acknowledged every event."""

    accepted: int = Field(examples=[99])
    rejected: int = Field(examples=[1])
    results: list[ItemResult]


class ProblemDoc(BaseModel):
    """RFC 9457 problem document."""

    type: str = Field(examples=["https://eventtide.io/problems/malformed-json"])
    title: str = Field(examples=["Malformed JSON"])
    status: int = Field(examples=[400])
    detail: str = Field(examples=["the body is not JSON: unexpected character"])
    instance: str | None = Field(default=None, examples=["/v1/events"])


class Health(BaseModel):
    """Liveness or readiness, with what was checked."""

    status: Literal["ok", "unavailable"] = Field(examples=["ok"])
    checks: dict[str, bool] = Field(default_factory=dict, examples=[{"kafka": True}])


class StoredEvent(BaseModel):
    """One stored event."""

    event_id: str = Field(examples=["5f0c6a2e-3b1d-4c59-9d2a-6f1e0b7c8d90"])
    event_type: str = Field(examples=["purchase"])
    user_id: str = Field(examples=["u-42"])
    session_id: str = Field(examples=["s-1"])
    occurred_at: datetime
    received_at: datetime
    amount_cents: int | None = Field(default=None, examples=[4599])
    currency: str | None = Field(default=None, examples=["EUR"])
    context: dict[str, Any] = Field(examples=[{"country": "DE", "platform": "web"}])
    properties: dict[str, Any] = Field(examples=[{"order_id": "o-1"}])


class EventPage(BaseModel):
    """A page of events, newest first; pass ``next_cursor`` as ``cursor`` for the next."""

    events: list[StoredEvent]
    next_cursor: str | None = Field(
        default=None, examples=["MjAyNi0xMi0wNFQxMDowMDowMCswMDowMHwxMg=="]
    )


class DeadLetterSummary(BaseModel):
    """A failed input and why it failed."""

    id: int = Field(examples=[7])
    source_topic: str = Field(examples=["events.v1"])
    source_partition: int
    source_offset: int
    kind: str = Field(examples=["schema_violation"])
    field: str = Field(examples=["context.country"])
    rule: str = Field(examples=["string_pattern_mismatch"])
    message: str
    created_at: datetime
    replayed_at: datetime | None = None
    replay_result: str | None = None


class DeadLetterDetail(DeadLetterSummary):
    """A dead letter with its raw payload (as text, undecodable bytes replaced)."""

    payload: str | None = Field(default=None, examples=['{"event_type": "teleport"}'])
    details: dict[str, Any] = Field(default_factory=dict)


class DeadLetterPage(BaseModel):
    """Dead letters newest first; ``next_before`` pages on."""

    dead_letters: list[DeadLetterSummary]
    next_before: int | None = None


class TrendPointOut(BaseModel):
    """A bucket (local time of the asked zone, no offset) and its value."""

    bucket: str = Field(examples=["2026-12-04T00:00:00"])
    value: int | float = Field(examples=[1234])
    """A count or sum of cents is a whole number; property math's sums, averages and
    percentiles are doubles."""


class TrendSeries(BaseModel):
    """One line of the chart: a breakdown value (or the whole, when ``group`` is null)."""

    group: str | None = Field(examples=["DE"])
    points: list[TrendPointOut]


class TrendPrevious(BaseModel):
    """The same question over the range of the same length just before (``compare``)."""

    since: str = Field(examples=["2026-10-28T00:00:00+00:00"])
    until: str = Field(examples=["2026-11-04T00:00:00+00:00"])
    series: list[TrendSeries]


class TrendResponse(BaseModel):
    """A trend: the question as understood and its series."""

    event_type: str = Field(examples=["purchase"])
    metric: str = Field(examples=["count"])
    interval: str = Field(examples=["day"])
    timezone: str = Field(examples=["Europe/Berlin"])
    series: list[TrendSeries]
    previous: TrendPrevious | None = None


class FormulaInput(BaseModel):
    """One series the formula reads, by its letter."""

    letter: str = Field(examples=["B"])
    event_type: str = Field(examples=["purchase"])
    metric: str = Field(examples=["unique_users"])
    property: str | None = Field(default=None, examples=["amount_cents"])


class FormulaResponse(BaseModel):
    """A formula over several series: the question as understood and the formula's
    series (one per breakdown value of series A, or the whole)."""

    formula: str = Field(examples=["B / A * 100"])
    interval: str = Field(examples=["day"])
    timezone: str = Field(examples=["Europe/Berlin"])
    inputs: list[FormulaInput]
    series: list[TrendSeries]
    previous: TrendPrevious | None = None


class CohortOut(BaseModel):
    """One row of the matrix: cohort start (local), users per period (index 0: size)."""

    cohort: str = Field(examples=["2026-11-02T00:00:00"])
    counts: list[int] = Field(examples=[[120, 45, 30, 22]])


class RetentionResponse(BaseModel):
    """The retention matrix."""

    start_event: str = Field(examples=["signup"])
    return_event: str = Field(examples=["purchase"])
    period: str = Field(examples=["week"])
    timezone: str = Field(examples=["UTC"])
    cohorts: list[CohortOut]


class LifecyclePeriodOut(BaseModel):
    """One period (its local start) and its persons by how they came to be active."""

    start: str = Field(examples=["2026-11-02T00:00:00"])
    new: int = Field(examples=[40], description="first-ever such event in this period")
    returning: int = Field(examples=[310], description="active in the period before too")
    resurrecting: int = Field(examples=[25], description="not in the period before, earlier")
    dormant: int = Field(examples=[58], description="active in the period before, not now")


class LifecycleResponse(BaseModel):
    """The lifecycle of the persons doing one event."""

    event: str = Field(examples=["page_view"])
    period: str = Field(examples=["week"])
    timezone: str = Field(examples=["UTC"])
    periods: list[LifecyclePeriodOut]


class StickinessCountOut(BaseModel):
    """Persons who did the event in exactly ``periods`` periods of the range."""

    periods: int = Field(examples=[3])
    users: int = Field(examples=[120])


class StickinessPrevious(BaseModel):
    """The same question over the range of the same length just before ``since``."""

    since: str = Field(examples=["2026-11-23T00:00:00+00:00"])
    until: str = Field(examples=["2026-11-30T00:00:00+00:00"])
    starts: list[str] = Field(examples=[["2026-11-23T00:00:00", "2026-11-24T00:00:00"]])
    counts: list[StickinessCountOut]


class StickinessResponse(BaseModel):
    """How many periods of the range each person did the event in."""

    event: str = Field(examples=["page_view"])
    period: str = Field(examples=["day"])
    timezone: str = Field(examples=["UTC"])
    starts: list[str] = Field(examples=[["2026-11-30T00:00:00", "2026-12-01T00:00:00"]])
    counts: list[StickinessCountOut]
    previous: StickinessPrevious | None = None


class PathEdgeOut(BaseModel):
    """Paths that went from ``source`` at step ``step`` to ``target`` at the next step."""

    step: int = Field(examples=[1])
    source: str = Field(examples=["/home"])
    target: str = Field(examples=["/pricing"])
    paths: int = Field(examples=[120])
    average_seconds: float = Field(examples=[42.5])


class PathNodeOut(BaseModel):
    """Paths that reached ``item`` at step ``step``; how many went on and how many ended."""

    step: int = Field(examples=[2])
    item: str = Field(examples=["/pricing"])
    paths: int = Field(examples=[120])
    continuing: int = Field(examples=[80])
    dropped_off: int = Field(examples=[40])


class PathsResponse(BaseModel):
    """The strongest edges of the paths persons took, and the nodes they join."""

    include: list[str] = Field(examples=[["pages"]])
    start: str | None = Field(default=None, examples=["/pricing"])
    end: str | None = Field(default=None, examples=[None])
    steps: int = Field(examples=[5])
    paths: int = Field(description="every path counted, before the edge limit", examples=[300])
    edges: list[PathEdgeOut]
    nodes: list[PathNodeOut]


class FunnelStepOut(BaseModel):
    """One step: users reaching it, conversion, median seconds from the step before."""

    event_type: str = Field(examples=["purchase"])
    users: int = Field(examples=[42])
    conversion_from_first: float = Field(examples=[0.21])
    conversion_from_previous: float = Field(examples=[0.5])
    median_seconds_from_previous: float | None = Field(default=None, examples=[3600.0])


class FunnelGroupOut(BaseModel):
    """The funnel of the persons whose first entry event had one breakdown value."""

    group: str = Field(examples=["DE"], description="the value, `(none)` or `(other)`")
    steps: list[FunnelStepOut]


class FunnelPeriodOut(BaseModel):
    """The persons who entered in one local period (each once), how many reached each
    step from their first entry of the period, and the share who reached the last."""

    start: str = Field(examples=["2026-12-04T00:00:00"])
    users: list[int] = Field(examples=[[120, 45, 12]])
    conversion: float = Field(examples=[0.1])


class FunnelResponse(BaseModel):
    """A sequential funnel; with a breakdown, also one per entry value; with an
    interval, also one per period of the entries."""

    window_seconds: int = Field(examples=[1_209_600])
    order: str = Field(default="ordered", examples=["strict"])
    steps: list[FunnelStepOut]
    breakdown: str | None = Field(default=None, examples=["context.country"])
    groups: list[FunnelGroupOut] | None = Field(
        default=None,
        description="with `breakdown`: the top values by entrants, largest first, then `(other)`",
    )
    interval: str | None = Field(default=None, examples=["day"])
    over_time: list[FunnelPeriodOut] | None = Field(
        default=None,
        description="with `interval`: each local period with entrants, oldest first",
    )


class UserProfile(BaseModel):
    """A person's statistics, ids, traits, sessions and most recent events (any id of it
    asked)."""

    user_id: str = Field(examples=["u-42"])
    person_id: str = Field(examples=["u-42"], description="the person the asked id belongs to")
    distinct_ids: list[str] = Field(
        examples=[["anon-7f3", "u-42"]], description="every id of the person, byte order"
    )
    traits: dict[str, Any] = Field(
        examples=[{"plan": "pro"}], description="identify's set / set_once, merged"
    )
    first_seen_at: datetime
    last_seen_at: datetime
    total_events: int = Field(examples=[120])
    total_spent_cents: int = Field(examples=[15_900])
    events_by_type: dict[str, int] = Field(examples=[{"page_view": 100, "purchase": 3}])
    timeline: list[StoredEvent]
    next_cursor: str | None = Field(
        default=None, description="for /v1/users/{user_id}/events?cursor="
    )
    sessions: SessionFigures = Field(
        description="the person's sessions of all time, every id of it (the processor's);"
        " /v1/sessions/stats?user_id= adds the histograms"
    )
    recent_sessions: list[SessionOut] = Field(
        description="the 5 newest of them; /v1/sessions?user_id= pages through all"
    )


class UserSearch(BaseModel):
    """User ids by prefix; pass ``next_after`` as ``after`` for more."""

    user_ids: list[str] = Field(examples=[["u-42", "u-420"]])
    next_after: str | None = None
