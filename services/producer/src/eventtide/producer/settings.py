"""The producer's settings, read once from the environment (``EVENTTIDE_PRODUCER_*``)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from eventtide.core.kafka import ProducerTuning
from eventtide.core.kafka.config import Compression

_TUNING = ProducerTuning()


class ProducerSettings(BaseSettings):
    """Batching, compression and memory bounds of the Kafka producer, and its metrics port.

    Defaults favour throughput with low latency: batches of up to 1 MiB or 10,000
    messages, at most 10 ms of lingering, lz4, and at most 200,000 messages or 128 MiB
    waiting for acknowledgement before sending blocks.
    """

    model_config = SettingsConfigDict(env_prefix="EVENTTIDE_PRODUCER_", extra="ignore")

    # The tuning defaults are ProducerTuning's, written once in core.
    linger_ms: float = Field(default=_TUNING.linger_ms, ge=0)
    batch_bytes: int = Field(default=_TUNING.batch_bytes, ge=1)
    batch_messages: int = Field(default=_TUNING.batch_messages, ge=1)
    compression: Compression = _TUNING.compression
    queue_max_messages: int = Field(default=_TUNING.queue_max_messages, ge=1)
    queue_max_kbytes: int = Field(default=_TUNING.queue_max_kbytes, ge=1)
    flush_timeout_s: float = Field(default=30.0, ge=0)
    connect_timeout_s: float = Field(
        default=10.0, gt=0, description="How long to wait for the cluster before giving up"
    )
    metrics_port: int = Field(default=0, ge=0, le=65_535, description="0 disables the endpoint")
    client_id: str = "eventtide-producer"

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
