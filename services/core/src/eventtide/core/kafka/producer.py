"""Send events to Kafka and count what was acknowledged.

One thin class over ``confluent_kafka.Producer`` so every service produces the same way:
same serialization and headers, idempotence on, delivery reports counted, and back
pressure (wait for acknowledgements) instead of unbounded memory when the local queue
is full.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any

from confluent_kafka import KafkaException, Producer

from eventtide.core.events import AnyEvent
from eventtide.core.kafka.client_errors import ClientErrors
from eventtide.core.kafka.codec import Headers, WireMessage, encode
from eventtide.core.kafka.delivery import DeliveryCallback, DeliveryStats
from eventtide.core.kafka.logs import with_logger
from eventtide.core.metrics import PRODUCER_IN_FLIGHT

_POLL_EVERY = 1_000
"""Serve delivery callbacks every this many sends; per-send polling costs throughput."""

_FULL_QUEUE_WAIT_S = 0.05
_CONNECT_SLICE_S = 0.5
"""Connecting asks for metadata in slices this long, checking for final errors between."""
_FLUSH_SLICE_S = 0.25
"""Flush waits in slices this long so a final client error ends the wait early."""


class KafkaUnavailableError(Exception):
    """The cluster cannot be reached or refuses this client; the message says why."""


class EventProducer:
    """Produces events to one topic; call :meth:`close` (or use ``with``) to flush.

    :attr:`errors` collects the client's own errors; once one is final (a refused
    login, an untrusted certificate), ``errors.fatal`` says why, and flushing stops
    waiting and fails what is still queued.
    """

    def __init__(self, config: Mapping[str, Any], topic: str) -> None:
        self.topic = topic
        self.stats = DeliveryStats()
        self.errors = ClientErrors()
        self._producer = Producer(with_logger({"error_cb": self.errors.on_error, **config}))
        self._produce = self._producer.produce
        self._callbacks = self.stats.callbacks
        self._since_poll = 0

    def connect(self, timeout_s: float, *, settle_s: float = 0.0) -> None:
        """Reach the cluster before the first event is made, or say why it cannot.

        Without it, an unreachable or refusing cluster shows only as a producer whose
        queue fills and never drains. ``settle_s`` then gives the client time to get
        its producer id: an idempotent producer sends nothing before it has one (about
        half a second), and live events stamped meanwhile would arrive that much late.
        Raises :class:`KafkaUnavailableError` naming the cause and what to check.
        """
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                self._producer.list_topics(self.topic, timeout=_CONNECT_SLICE_S)
                break
            except KafkaException as error:
                self._producer.poll(0)  # serves error_cb: a refused login is final at once
                if self.errors.fatal is not None or time.monotonic() >= deadline:
                    raise KafkaUnavailableError(self.errors.fatal or str(error.args[0])) from error
        deadline = time.monotonic() + settle_s
        while self.errors.fatal is None and (left := deadline - time.monotonic()) > 0:
            self._producer.poll(min(left, 0.1))
        if self.errors.fatal is not None:
            raise KafkaUnavailableError(self.errors.fatal)

    def send(self, event: AnyEvent) -> None:
        """Queue one event as :func:`encode` writes it; may block like :meth:`send_message`."""
        self.send_message(encode(event))

    def send_message(self, message: WireMessage) -> None:
        """Queue one already-encoded message (see :func:`encode_data`); may block likewise.

        The hot path: one ``produce`` call, polling for delivery reports now and then.
        """
        event_type, key, value, headers = message
        on_delivery = self._callbacks[event_type]
        try:
            self._produce(self.topic, value, key, headers=headers, on_delivery=on_delivery)
        except BufferError:
            self._send_when_room(key, value, headers, on_delivery)
        self._since_poll += 1
        if self._since_poll >= _POLL_EVERY:
            self._since_poll = 0
            self._producer.poll(0)

    def send_reported(self, message: WireMessage, on_delivery: DeliveryCallback) -> None:
        """Queue one message whose delivery report goes to ``on_delivery``; blocks when the
        local queue is full, like :meth:`send_message`.

        For senders that must know when particular messages are acknowledged (the
        transactional outbox deletes a batch's row once all of its records are). The
        callback counts the report itself (``stats.callback_for(kind)``) if it should
        show in the produced counters.
        """
        _, key, value, headers = message
        try:
            self._produce(self.topic, value, key, headers=headers, on_delivery=on_delivery)
        except BufferError:
            self._send_when_room(key, value, headers, on_delivery)
        self._since_poll += 1
        if self._since_poll >= _POLL_EVERY:
            self._since_poll = 0
            self._producer.poll(0)

    def send_all_tracked(
        self, messages: Sequence[WireMessage], on_delivery: DeliveryCallback
    ) -> None:
        """Queue messages whose only delivery report is ``on_delivery(err, msg)``.

        For callers that must know the fate of particular messages (the HTTP ingest
        answers 2xx only once every event of a request is acknowledged); they count
        what they saw with ``stats.record_batch``, so each message costs one Python
        callback, not two. Never blocks on a full queue: it raises ``BufferError`` so a
        request can answer 503 at once (messages queued before it still report).
        """
        produce, topic = self._produce, self.topic
        for _event_type, key, value, headers in messages:
            produce(topic, value, key, headers=headers, on_delivery=on_delivery)

    def _send_when_room(
        self, key: bytes, value: bytes, headers: Headers, on_delivery: DeliveryCallback
    ) -> None:
        """The local queue is full: wait for acknowledgements until the message fits."""
        while True:
            self._producer.poll(_FULL_QUEUE_WAIT_S)
            try:
                self._produce(self.topic, value, key, headers=headers, on_delivery=on_delivery)
                return
            except BufferError:
                continue

    def poll(self, timeout: float = 0.0) -> None:
        """Serve delivery callbacks and publish counts to Prometheus."""
        self._producer.poll(timeout)
        self.stats.publish()
        PRODUCER_IN_FLIGHT.set(len(self._producer))

    def in_flight(self) -> int:
        """Messages queued or sent but not yet acknowledged."""
        return len(self._producer)

    def flush(self, timeout: float) -> int:
        """Wait up to ``timeout`` seconds for every acknowledgement; returns those left.

        After a final client error nothing more will be acknowledged: what is left is
        purged (counted as failed) instead of waited for.
        """
        deadline = time.monotonic() + timeout
        while True:
            remaining: int = self._producer.flush(
                max(0.0, min(_FLUSH_SLICE_S, deadline - time.monotonic()))
            )
            if not remaining or time.monotonic() >= deadline:
                break
            if self.errors.fatal is not None:
                self._producer.purge()
                remaining = self._producer.flush(_FLUSH_SLICE_S)
                break
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
