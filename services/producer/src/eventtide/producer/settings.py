"""The producer's settings, read once from the environment (``EVENTTIDE_PRODUCER_*``)."""

from __future__ import annotations

from typing import Final

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from eventtide.core.kafka import ProducerTuning
from eventtide.core.kafka.config import Compression

_DEFAULTS: Final = ProducerTuning(client_id="eventtide-producer")
"""The Kafka producer's defaults, written once in core (this command's client id aside)."""


class ProducerSettings(BaseSettings):
    """Batching, compression and memory bounds of the Kafka producer, and its metrics port.

    Defaults favour throughput with low latency: batches of up to 1 MiB or 10,000
    messages, at most 10 ms of lingering, lz4, and at most 200,000 messages or 128 MiB
    waiting for acknowledgement before sending blocks.
    """

    model_config = SettingsConfigDict(env_prefix="EVENTTIDE_PRODUCER_", extra="ignore")

    linger_ms: float = Field(default=_DEFAULTS.linger_ms, ge=0)
    batch_bytes: int = Field(default=_DEFAULTS.batch_bytes, ge=1)
    batch_messages: int = Field(default=_DEFAULTS.batch_messages, ge=1)
    compression: Compression = _DEFAULTS.compression
    queue_max_messages: int = Field(default=_DEFAULTS.queue_max_messages, ge=1)
    queue_max_kbytes: int = Field(default=_DEFAULTS.queue_max_kbytes, ge=1)
    flush_timeout_s: float = Field(default=30.0, ge=0)
    connect_timeout_s: float = Field(
        default=10.0, gt=0, description="How long to wait for the cluster before giving up"
    )
    metrics_port: int = Field(default=0, ge=0, le=65_535, description="0 disables the endpoint")
    client_id: str = _DEFAULTS.client_id
    api_url: str = Field(
        default="", description="Send through this eventtide API instead of straight to Kafka"
    )
    api_key: SecretStr | None = Field(
        default=None, description="The API key (ingest scope) used with EVENTTIDE_PRODUCER_API_URL"
    )

    @model_validator(mode="after")
    def _api_needs_a_key(self) -> ProducerSettings:
        """An API URL without a key would only fail at the first batch, with a 401."""
        if self.api_url and self.api_key is None:
            raise ValueError(
                "EVENTTIDE_PRODUCER_API_URL needs EVENTTIDE_PRODUCER_API_KEY (a key with the "
                "ingest scope: eventtide api keys create --name generator --scope ingest)"
            )
        return self

    def tuning(self) -> ProducerTuning:
        """The core Kafka layer's view of these settings."""
        return ProducerTuning(
            linger_ms=self.linger_ms,
            batch_bytes=self.batch_bytes,
            batch_messages=self.batch_messages,
            compression=self.compression,
            queue_max_messages=self.queue_max_messages,
            queue_max_kbytes=self.queue_max_kbytes,
            client_id=self.client_id,
        )
