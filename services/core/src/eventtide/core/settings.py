"""Settings every service shares, read once from the environment."""

from __future__ import annotations

from functools import lru_cache

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class CoreSettings(BaseSettings):
    """Where Kafka is, the topic names and the clock rule.

    ``KAFKA_BOOTSTRAP_SERVERS`` keeps its standard name (no prefix) so the usual
    tooling and the dev stack set it once for everything.
    """

    model_config = SettingsConfigDict(env_prefix="EVENTTIDE_", extra="ignore", frozen=True)

    kafka_bootstrap_servers: str = Field(
        default="127.0.0.1:9092",
        validation_alias=AliasChoices(
            "KAFKA_BOOTSTRAP_SERVERS", "EVENTTIDE_KAFKA_BOOTSTRAP_SERVERS"
        ),
    )
    events_topic: str = "events.v1"
    dlq_topic: str = "events.dlq.v1"
    max_clock_skew_s: float = Field(
        default=300.0, ge=0, description="How far occurred_at may be ahead of now"
    )


@lru_cache(maxsize=1)
def core_settings() -> CoreSettings:
    """The process's settings, read from the environment on first use."""
    return CoreSettings()
