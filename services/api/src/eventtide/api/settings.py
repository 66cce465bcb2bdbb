"""The API's settings, read once from the environment (``EVENTTIDE_API_*``)."""

from __future__ import annotations

from functools import lru_cache
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from eventtide.core.defaults import CONSUMER_GROUP


class ApiSettings(BaseSettings):
    """Limits of the ingest door, authentication, rate limits and CORS.

    ``ack_timeout_s`` bounds how long a request waits for Kafka's acknowledgements
    before it answers 503: a client retrying after ``retry_after_s`` with the same
    ``event_id`` values is then harmless, since storage deduplicates on them.
    """

    model_config = SettingsConfigDict(env_prefix="EVENTTIDE_API_", extra="ignore", frozen=True)

    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=0, le=65_535)
    batch_max_events: int = Field(default=1_000, ge=1)
    body_max_bytes: int = Field(default=5_242_880, ge=1_024, description="after gunzip too")
    ack_timeout_s: float = Field(default=10.0, gt=0)
    retry_after_s: int = Field(default=2, ge=1)
    key_cache_s: float = Field(default=5.0, ge=0, description="how long a key lookup is reused")
    rate_limit_per_s: float = Field(default=200.0, gt=0, description="requests/s per key")
    rate_limit_burst: int = Field(default=400, ge=1)
    cors_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    jwt_secret: SecretStr | None = Field(default=None, description="HS256 shared secret")
    jwt_public_key: str | None = Field(default=None, description="PEM for RS256/ES256")
    jwt_algorithms: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: ["HS256", "RS256", "ES256"]
    )
    jwt_audience: str | None = None
    jwt_issuer: str | None = None
    client_id: str = "eventtide-api"
    consumer_group: str = Field(
        default=CONSUMER_GROUP, description="the group whose lag the pipeline page shows"
    )
    grafana_url: str | None = Field(default=None, description="linked from the pipeline page")
    live_source: Literal["kafka", "ingest"] = Field(
        default="kafka",
        description="kafka: every replica reads the events topic; ingest: its own ingest only",
    )
    live_queue_size: int = Field(
        default=1_000, ge=10, description="messages a live client may lag before it is dropped"
    )

    @field_validator("cors_origins", "jwt_algorithms", mode="before")
    @classmethod
    def _split(cls, value: object) -> object:
        """``a,b`` in the environment becomes ``["a", "b"]`` (no JSON needed for a list)."""
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value


@lru_cache(maxsize=1)
def api_settings() -> ApiSettings:
    """The process's settings, read on first use."""
    return ApiSettings()
