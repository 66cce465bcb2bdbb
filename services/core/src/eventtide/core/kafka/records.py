"""What the batch loop and a service's batching read from a consumed message; a stand-in for tests.

Batching reads ``confluent_kafka.Message`` objects through their own accessor methods
rather than copying each into a dataclass first: the copy cost about 2 µs per event in
the consumer's hot loop (bench/consumer), a tenth of the whole budget. :class:`Consumed`
offers the same accessors over plain data, so batching stays pure and testable
without Kafka.
"""

from __future__ import annotations

from typing import Protocol


class Record(Protocol):
    """The accessors of ``confluent_kafka.Message`` that batching uses.

    The client types them optional because an error event has no position; consumed
    messages handed to batching are never errors, so here they are plain.
    """

    def topic(self) -> str:
        """The topic the message was read from."""
        ...

    def partition(self) -> int:
        """Its partition."""
        ...

    def offset(self) -> int:
        """Its offset in the partition."""
        ...

    def key(self) -> bytes | None:
        """The message key (the user id for events)."""
        ...

    def value(self) -> bytes | None:
        """The payload."""
        ...

    def headers(self) -> list[tuple[str, str | bytes | None]] | None:
        """The headers (read only for dead-letter topic records)."""
        ...


class Consumed:
    """Where a message came from and its bytes, with ``confluent_kafka.Message``'s accessors."""

    __slots__ = ("_headers", "_key", "_offset", "_partition", "_topic", "_value")

    def __init__(
        self,
        topic: str,
        partition: int,
        offset: int,
        key: bytes | None,
        value: bytes | None,
        headers: list[tuple[str, str | bytes | None]] | None = None,
    ) -> None:
        self._headers = headers
        self._topic = topic
        self._partition = partition
        self._offset = offset
        self._key = key
        self._value = value

    def topic(self) -> str:
        """The topic."""
        return self._topic

    def partition(self) -> int:
        """The partition."""
        return self._partition

    def offset(self) -> int:
        """The offset."""
        return self._offset

    def key(self) -> bytes | None:
        """The key."""
        return self._key

    def value(self) -> bytes | None:
        """The payload."""
        return self._value

    def headers(self) -> list[tuple[str, str | bytes | None]] | None:
        """The headers."""
        return self._headers

    def __repr__(self) -> str:
        return f"Consumed({self._topic!r}, {self._partition}, {self._offset}, {self._key!r}, ...)"
