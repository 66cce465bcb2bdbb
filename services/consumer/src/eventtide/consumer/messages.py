"""A consumed Kafka message as plain data, so batching is pure and testable without Kafka."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Consumed:
    """Where a message came from and its bytes."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None

    @classmethod
    def from_kafka(cls, message: Any) -> Consumed:
        """Copy what batching needs out of a ``confluent_kafka.Message``."""
        return cls(
            message.topic(), message.partition(), message.offset(), message.key(), message.value()
        )
