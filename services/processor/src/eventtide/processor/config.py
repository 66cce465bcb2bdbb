"""The processor's tunables as one frozen value (the rules are in docs/processor.md).

Kept apart from the logic, as bytewax keeps window configs apart from window logic: the
pure modules take this value, and the future ``settings.py`` fills it from
``EVENTTIDE_PROCESSOR_*`` variables. Times are integer microseconds, like event times.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

SECOND: Final = 1_000_000
MINUTE: Final = 60 * SECOND
HOUR: Final = 60 * MINUTE
DAY: Final = 24 * HOUR


@dataclass(frozen=True, slots=True)
class WindowSpec:
    """A window family: ``size`` long, a new one every ``hop`` (tumbling: hop = size)."""

    name: str
    size: int
    hop: int

    def __post_init__(self) -> None:
        if self.size <= 0 or self.hop <= 0 or self.hop > self.size:
            raise ValueError(f"window {self.name}: need 0 < hop <= size")


DEFAULT_WINDOWS: Final = (
    WindowSpec("tumbling_1m", MINUTE, MINUTE),
    WindowSpec("tumbling_5m", 5 * MINUTE, 5 * MINUTE),
    WindowSpec("tumbling_1h", HOUR, HOUR),
    WindowSpec("tumbling_1d", DAY, DAY),
    WindowSpec("hopping_10m_5m", 10 * MINUTE, 5 * MINUTE),
)

DIMENSIONS: Final = ("all", "event_type", "page", "country", "platform")
"""Every window is kept per value of each of these (``all`` has the one value ``*``)."""
UNREADABLE: Final = "dead_letter"
"""The dimension under which a window counts the records of the input that were no
event (value ``*``): the dead letters' series (docs/processor.md, "Records that are no
event")."""
CELL_DIMENSIONS: Final = (*DIMENSIONS, UNREADABLE)
"""Every dimension a window cell can have, by its index in the cell key."""


@dataclass(frozen=True, slots=True)
class AlertConfig:
    """Thresholds of the pattern rules."""

    cooldown: int = HOUR
    high_spender_cents: int = 100_000
    high_spender_window: int = HOUR
    burst_window: int = MINUTE
    burst_baseline: int = HOUR
    burst_factor: float = 10.0
    burst_min_events: int = 60
    bot_intervals: int = 20
    bot_max_cv: float = 0.05
    bot_max_mean_interval: int = 10 * SECOND
    bot_rate_events: int = 10
    bot_rate_window: int = SECOND
    cart_timeout: int = 30 * MINUTE
    failures: int = 5
    failures_window: int = 10 * MINUTE
    failure_event_types: tuple[str, ...] = ("payment_failed",)


@dataclass(frozen=True, slots=True)
class ProcessorConfig:
    """Everything the pure core needs to know."""

    allowed_lateness: int = 10 * SECOND
    idle_timeout: int = 30 * SECOND
    dedupe_horizon: int = HOUR
    windows: tuple[WindowSpec, ...] = DEFAULT_WINDOWS
    session_gap: int = 30 * MINUTE
    session_max: int = DAY
    attribution_window: int = 30 * MINUTE
    alerts: AlertConfig = field(default_factory=AlertConfig)
    dimensions: tuple[str, ...] = DIMENSIONS
    """The dimensions windows are kept over (a subset of ``DIMENSIONS``)."""
    windows_only: bool = False
    """Windows alone: no sessions, attribution, alerts or features (a smaller job)."""

    def __post_init__(self) -> None:
        unknown = [d for d in self.dimensions if d not in DIMENSIONS]
        if unknown or not self.dimensions:
            raise ValueError(f"dimensions must be a non-empty subset of {DIMENSIONS}: {unknown}")
        if not self.windows:
            raise ValueError("at least one window is needed")
