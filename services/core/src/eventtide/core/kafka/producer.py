"""Send events to Kafka and count what was acknowledged.

One thin class over ``confluent_kafka.Producer`` so every service produces the same way:
same serialization and headers, idempotence on, delivery reports counted, and back
pressure (wait for acknowledgements) instead of unbounded memory when the local queue
is full.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from confluent_kafka import Producer

from eventtide.core.events import AnyEvent
from eventtide.core.kafka.codec import (
    HEADER_EVENT_TYPE,
    HEADER_SCHEMA_VERSION,
    HEADER_TRACEPARENT,
    VERSION_BYTES,
    Headers,
    WireMessage,
)
from eventtide.core.kafka.delivery import DeliveryStats
from eventtide.core.kafka.tracecontext import traceparent_for
from eventtide.core.metrics import PRODUCER_IN_FLIGHT

_POLL_EVERY = 1_000
"""Serve delivery callbacks every this many sends; per-send polling costs throughput."""


class EventProducer:
    """Produces events to one topic; call :meth:`close` (or use ``with``) to flush."""

    def __init__(self, config: Mapping[str, Any], topic: str) -> None:
        self.topic = topic
        self.stats = DeliveryStats()
        self._producer = Producer(dict(config))
        self._since_poll = 0

    def send(self, event: AnyEvent) -> None:
        """Queue one event; blocks only while the in-flight bound is reached.

        The hot path: the same bytes and headers as :func:`encode`, without building
        the intermediate message object.
        """
        event_type = event.event_type
        headers: Headers = [
            (HEADER_EVENT_TYPE, event_type.encode()),
            (HEADER_SCHEMA_VERSION, VERSION_BYTES[event.schema_version]),
            (HEADER_TRACEPARENT, traceparent_for(event.event_id).encode()),
        ]
        value = event.__pydantic_serializer__.to_json(event, exclude_none=True)
        try:
            self._producer.produce(
                self.topic,
                value,
                event.user_id.encode(),
                headers=headers,
                on_delivery=self.stats.callback_for(event_type),
            )
        except BufferError:
            self.send_message(WireMessage(event_type, event.user_id.encode(), value, headers))
            return
        self._since_poll += 1
        if self._since_poll >= _POLL_EVERY:
            self._since_poll = 0
            self._producer.poll(0)

    def send_message(self, message: WireMessage) -> None:
        """Queue one already-encoded message."""
        produce = self._producer.produce
        on_delivery = self.stats.callback_for(message.event_type)
        while True:
            try:
                produce(
                    self.topic,
                    message.value,
                    message.key,
                    headers=message.headers,
                    on_delivery=on_delivery,
                )
                break
            except BufferError:
                self._producer.poll(0.05)  # the queue is full: wait for acknowledgements
        self._since_poll += 1
        if self._since_poll >= _POLL_EVERY:
            self._since_poll = 0
            self._producer.poll(0)

    def poll(self, timeout: float = 0.0) -> None:
        """Serve delivery callbacks and publish counts to Prometheus."""
        self._producer.poll(timeout)
        self.stats.publish()
        PRODUCER_IN_FLIGHT.set(len(self._producer))

    def in_flight(self) -> int:
        """Messages queued or sent but not yet acknowledged."""
        return len(self._producer)

    def flush(self, timeout: float) -> int:
        """Wait up to ``timeout`` seconds for every acknowledgement; returns those left."""
        remaining: int = self._producer.flush(timeout)
        self.stats.publish()
        PRODUCER_IN_FLIGHT.set(remaining)
        return remaining

    def close(self, timeout: float = 30.0) -> int:
        """Flush; what is still unacknowledged after ``timeout`` is returned (and lost)."""
        return self.flush(timeout)

    def __enter__(self) -> EventProducer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
