"""librdkafka configuration built from typed settings (pure, so it is testable)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

Compression = Literal["none", "gzip", "snappy", "lz4", "zstd"]


@dataclass(frozen=True)
class ProducerTuning:
    """The knobs that trade latency, throughput and memory in the Kafka producer.

    ``queue_max_messages`` and ``queue_max_kbytes`` bound what may be in flight: when
    either is reached, sending waits for acknowledgements instead of growing memory.
    """

    linger_ms: float = 10.0
    batch_bytes: int = 1_048_576
    batch_messages: int = 10_000
    compression: Compression = "lz4"
    queue_max_messages: int = 200_000
    queue_max_kbytes: int = 131_072
    client_id: str = "eventtide"


def producer_config(bootstrap_servers: str, tuning: ProducerTuning) -> dict[str, Any]:
    """An idempotent producer: acks from all in-sync replicas, no duplicates on retry."""
    return {
        "bootstrap.servers": bootstrap_servers,
        "client.id": tuning.client_id,
        "enable.idempotence": True,
        "acks": "all",
        "max.in.flight.requests.per.connection": 5,
        "linger.ms": tuning.linger_ms,
        "batch.size": tuning.batch_bytes,
        "batch.num.messages": tuning.batch_messages,
        "compression.type": tuning.compression,
        "queue.buffering.max.messages": tuning.queue_max_messages,
        "queue.buffering.max.kbytes": tuning.queue_max_kbytes,
    }
