"""What one batch of a partition produces: result records and counters (plain values).

Every record has a deterministic id or key, so the wiring can upsert tables and a topic
consumer can drop repeats; nothing here knows about Kafka or SQL.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from eventtide.processor.aggregates import MetricsResult
from eventtide.processor.alerts import Alert, CartAbandoned
from eventtide.processor.attribution import Attribution, Conversion
from eventtide.processor.features import Features
from eventtide.processor.sessions import Session


@dataclass(frozen=True, slots=True)
class WindowResult:
    """One window key's partition partial; upserted by (partition, window, start, dim, value)."""

    partition: int
    window: str
    start: int
    end: int
    dimension: str
    value: str
    metrics: MetricsResult
    final: bool
    sealed: bool = field(default=False, compare=False)
    """A final result whose figures were already emitted (the window was shown and
    this key has not changed since): storage only has to mark its row final. A hint
    for the writer, not part of the result, so it takes no part in equality."""


@dataclass(frozen=True, slots=True)
class SessionResult:
    """A session's current row; ``final`` once no acceptable event can change it."""

    session: Session
    final: bool


@dataclass(frozen=True, slots=True)
class SessionRetraction:
    """A session id that no longer exists (absorbed by a merge, or re-keyed)."""

    session_id: str
    user_id: str


@dataclass(frozen=True, slots=True)
class LateEvent:
    """An event read after its partition's watermark had passed it."""

    partition: int
    offset: int
    event_id: str
    ts: int
    watermark: int


@dataclass(slots=True)
class Outputs:
    """Everything one call produced, in the order it was produced."""

    windows: list[WindowResult] = field(default_factory=list)
    sessions: list[SessionResult] = field(default_factory=list)
    retractions: list[SessionRetraction] = field(default_factory=list)
    attributions: list[Attribution] = field(default_factory=list)
    conversions: list[Conversion] = field(default_factory=list)
    alerts: list[Alert] = field(default_factory=list)
    carts: list[CartAbandoned] = field(default_factory=list)
    features: list[Features] = field(default_factory=list)
    late: list[LateEvent] = field(default_factory=list)
    duplicates: int = 0
