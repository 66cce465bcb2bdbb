"""The processor's settings, read once from the environment (``EVENTTIDE_PROCESSOR_*``).

Times are given in seconds here (what an operator writes) and turned into the pure
core's integer microseconds by :meth:`ProcessorSettings.config`.
"""

from __future__ import annotations

import dataclasses
from typing import Final

from pydantic import Field, field_validator
from pydantic_settings import SettingsConfigDict

from eventtide.core.transactional.settings import LoopSettings
from eventtide.processor.config import DEFAULT_WINDOWS, DIMENSIONS, SECOND, ProcessorConfig

DEFAULT_GROUP: Final = "eventtide-processor"
_CORE: Final = ProcessorConfig()


class ProcessorSettings(LoopSettings):
    """Group membership, batch bounds, output topics and the core's main tunables.

    The processor reads the same ``events.v1`` as the storage consumer, in its own
    group, so the two advance independently.
    """

    model_config = SettingsConfigDict(env_prefix="EVENTTIDE_PROCESSOR_", extra="ignore")

    group_id: str = DEFAULT_GROUP
    instance_id: str | None = Field(default=None, description="Static membership id")
    client_id: str = "eventtide-processor"
    batch_max_ms: float = Field(default=100.0, ge=0)
    session_timeout_ms: int = Field(default=10_000, ge=1_000)
    metrics_port: int = Field(default=0, ge=0, le=65_535, description="0 disables the endpoint")
    topics_enabled: bool = Field(default=True, description="Produce the output topics")
    windows_topic: str = "windows.v1"
    sessions_topic: str = "sessions.v1"
    alerts_topic: str = "alerts.v1"
    features_topic: str = "features.v1"
    late_topic: str = "events.late.v1"
    allowed_lateness_s: float = Field(default=_CORE.allowed_lateness / SECOND, ge=0)
    session_gap_s: float = Field(default=_CORE.session_gap / SECOND, gt=0)
    attribution_window_s: float = Field(default=_CORE.attribution_window / SECOND, gt=0)
    failure_event_types: tuple[str, ...] = Field(
        default=_CORE.alerts.failure_event_types,
        description="Event types (custom ones included) that count as payment failures",
    )

    windows: tuple[str, ...] = Field(
        default=tuple(spec.name for spec in DEFAULT_WINDOWS),
        description="The window families kept (names from the defaults, JSON list)",
    )
    dimensions: tuple[str, ...] = Field(
        default=DIMENSIONS, description="The dimensions windows are kept over (JSON list)"
    )
    windows_only: bool = Field(
        default=False, description="Windows alone: no sessions, attribution, alerts, features"
    )

    @field_validator("windows")
    @classmethod
    def _known_windows(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        """A typo must not silently drop a window family."""
        known = [spec.name for spec in DEFAULT_WINDOWS]
        unknown = [name for name in value if name not in known]
        if unknown or not value:
            raise ValueError(f"unknown or no windows {unknown}; choose from {known}")
        return value

    @field_validator("dimensions")
    @classmethod
    def _known_dimensions(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        """A typo must not silently drop a dimension."""
        unknown = [name for name in value if name not in DIMENSIONS]
        if unknown or not value:
            raise ValueError(f"unknown or no dimensions {unknown}; choose from {DIMENSIONS}")
        return tuple(d for d in DIMENSIONS if d in value)  # the core's order

    def config(self) -> ProcessorConfig:
        """The pure core's configuration."""
        return ProcessorConfig(
            windows=tuple(spec for spec in DEFAULT_WINDOWS if spec.name in self.windows),
            dimensions=self.dimensions,
            windows_only=self.windows_only,
            allowed_lateness=round(self.allowed_lateness_s * SECOND),
            session_gap=round(self.session_gap_s * SECOND),
            attribution_window=round(self.attribution_window_s * SECOND),
            alerts=dataclasses.replace(
                _CORE.alerts, failure_event_types=tuple(self.failure_event_types)
            ),
        )
