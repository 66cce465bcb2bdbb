"""The ML scorer's settings, read once from the environment (``EVENTTIDE_ML_*``)."""

from __future__ import annotations

from typing import Final, Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from eventtide.core.transactional.steps import LoopBounds

_LOOP: Final = LoopBounds()


class MlSettings(BaseSettings):
    """Group membership, batch bounds, topics and the model the scorer serves.

    The scorer reads ``features.v1`` in its own group and stores predictions with the
    group's offsets in one transaction, like every service on the batch loop.
    """

    model_config = SettingsConfigDict(env_prefix="EVENTTIDE_ML_", extra="ignore")

    group_id: str = "eventtide-ml"
    instance_id: str | None = Field(default=None, description="Static membership id")
    client_id: str = "eventtide-ml"
    features_topic: str = "features.v1"
    predictions_topic: str = "predictions.v1"
    topics_enabled: bool = Field(default=True, description="Produce predictions.v1")
    model_name: str = "churn_online"
    reload_interval_s: float = Field(
        default=10.0, gt=0, description="How often the production model's version is checked"
    )
    batch_max_events: int = Field(default=_LOOP.batch_max_events, ge=1)
    batch_max_ms: float = Field(default=100.0, ge=0)
    session_timeout_ms: int = Field(default=10_000, ge=1_000)
    offset_reset: Literal["earliest", "latest"] = "earliest"
    retry_initial_s: float = Field(default=_LOOP.retry_initial_s, gt=0)
    retry_max_s: float = Field(default=_LOOP.retry_max_s, gt=0)
    shutdown_grace_s: float = Field(default=_LOOP.shutdown_grace_s, ge=0)
    metrics_port: int = Field(default=0, ge=0, le=65_535, description="0 disables the endpoint")

    def bounds(self) -> LoopBounds:
        """The batch loop's view of these settings."""
        return LoopBounds(
            batch_max_events=self.batch_max_events,
            batch_max_ms=self.batch_max_ms,
            offset_reset=self.offset_reset,
            retry_initial_s=self.retry_initial_s,
            retry_max_s=self.retry_max_s,
            shutdown_grace_s=self.shutdown_grace_s,
        )
