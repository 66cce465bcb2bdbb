"""librdkafka consumer configuration for exactly-once storage (pure, so it is testable)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from eventtide.core.defaults import CONSUMER_GROUP
from eventtide.core.lag import OffsetReset


@dataclass(frozen=True)
class ConsumerTuning:
    """Group membership and fetching knobs.

    ``instance_id`` turns on static membership: a restarted process with the same id
    (a Kubernetes pod name, say) takes its partitions back at once instead of waiting
    out the session timeout of its dead predecessor.
    """

    group_id: str
    instance_id: str | None = None
    session_timeout_ms: int = 10_000
    offset_reset: OffsetReset = "earliest"
    client_id: str = CONSUMER_GROUP
    fetch_max_bytes: int = 52_428_800
    queued_max_kbytes: int = 65_536


def consumer_config(bootstrap_servers: str, tuning: ConsumerTuning) -> dict[str, Any]:
    """A cooperative-sticky group member that never commits or stores offsets by itself.

    Offsets live in the database with the rows; the application commits them to Kafka
    after each database commit only so that lag stays visible.
    """
    config: dict[str, Any] = {
        "bootstrap.servers": bootstrap_servers,
        "group.id": tuning.group_id,
        "client.id": tuning.client_id,
        "partition.assignment.strategy": "cooperative-sticky",
        "enable.auto.commit": False,
        "enable.auto.offset.store": False,
        "auto.offset.reset": tuning.offset_reset,
        "session.timeout.ms": tuning.session_timeout_ms,
        "heartbeat.interval.ms": max(500, tuning.session_timeout_ms // 5),
        "isolation.level": "read_committed",
        "fetch.max.bytes": tuning.fetch_max_bytes,
        "queued.max.messages.kbytes": tuning.queued_max_kbytes,
    }
    if tuning.instance_id:
        config["group.instance.id"] = tuning.instance_id
    return config
