"""The API's one door to Kafka: the events and dead-letter producers and their acks.

Everything Kafka-specific the service does is here, built on ``eventtide.core.kafka``,
so moving to the core's client factory later changes this module alone. A request
hands its messages over and awaits one future that resolves when Kafka has reported
on every one of them; a background thread serves the delivery reports, so no request
thread ever blocks inside the Kafka client.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Sequence
from typing import Any

from eventtide.api.metrics import EVENTS_ACCEPTED, EVENTS_DEAD_LETTERED
from eventtide.core.kafka import EventProducer, ProducerTuning
from eventtide.core.kafka.clients import producer_client_config
from eventtide.core.kafka.codec import WireMessage
from eventtide.core.kafka.dlq import dead_letter_message
from eventtide.core.kafka.spans import send_span
from eventtide.core.settings import CoreSettings

HTTP_SOURCE = "http"
"""``original_topic`` of a dead letter refused at the HTTP door (it never had a topic)."""


class _Acks:
    """Counts one request's delivery reports; resolves its future on the last one."""

    def __init__(self, loop: asyncio.AbstractEventLoop, expected: int) -> None:
        self.future: asyncio.Future[int] = loop.create_future()
        self._loop, self._left, self._failed = loop, expected, 0
        self._lock = threading.Lock()
        if expected == 0:
            self.future.set_result(0)

    def on_delivery(self, err: Any, _msg: Any) -> None:
        with self._lock:
            self._left -= 1
            self._failed += err is not None
            done, failed = self._left == 0, self._failed
        if done:
            self._loop.call_soon_threadsafe(self._resolve, failed)

    def _resolve(self, failed: int) -> None:
        if not self.future.done():
            self.future.set_result(failed)


def _ignore(_messages: Sequence[WireMessage]) -> None:
    """The default listener of acknowledged events: nobody listens."""


class KafkaGateway:
    """Idempotent producers (acks=all) for the events and dead-letter topics."""

    def __init__(self, core: CoreSettings, *, client_id: str, ack_timeout_s: float) -> None:
        tuning = ProducerTuning(linger_ms=2.0, client_id=client_id)
        config = producer_client_config(tuning, core)
        # librdkafka gives up on a message after this long and reports it failed; a bit
        # longer than a request waits, so a late success is still counted, not lost.
        config["message.timeout.ms"] = int((ack_timeout_s + 5) * 1000)
        self.events = EventProducer(config, core.events_topic)
        self.dlq = EventProducer(config | {"client.id": f"{client_id}-dlq"}, core.dlq_topic)
        self.on_sent: Callable[[Sequence[WireMessage]], None] = _ignore
        """Told of every batch of events Kafka acknowledged (the live stream's feed)."""
        self._stop = threading.Event()
        self._poller = threading.Thread(target=self._poll, name="kafka-acks", daemon=True)
        self._poller.start()

    def _poll(self) -> None:
        while not self._stop.is_set():
            self.events.poll(0.05)
            self.dlq.poll(0.0)

    async def send(
        self, messages: Sequence[WireMessage], dead: Sequence[WireMessage], timeout_s: float
    ) -> bool:
        """True once Kafka acknowledged every message; False on a failure or timeout.

        Raises nothing: a full local queue or a dead cluster are both a False, which the
        route turns into 503 with Retry-After.
        """
        with (
            send_span(self.events.topic, messages) as messages,
            send_span(self.dlq.topic, dead) as dead,
        ):
            loop = asyncio.get_running_loop()
            acks = _Acks(loop, len(messages) + len(dead))
            try:
                for message in messages:
                    self.events.send_tracked(message, acks.on_delivery)
                for message in dead:
                    self.dlq.send_tracked(message, acks.on_delivery)
            except BufferError:
                return False
            try:
                failed = await asyncio.wait_for(asyncio.shield(acks.future), timeout_s)
            except TimeoutError:
                return False
            if not failed:
                EVENTS_ACCEPTED.inc(len(messages))
                EVENTS_DEAD_LETTERED.inc(len(dead))
            return failed == 0

    def reachable(self, timeout_s: float) -> bool:
        """True if the cluster answers a metadata request within ``timeout_s``."""
        try:
            self.events.connect(timeout_s)
        except Exception:
            return False
        return True

    def close(self, timeout_s: float = 10.0) -> None:
        """Flush what is in flight and stop the poller."""
        self._stop.set()
        self._poller.join(timeout=1.0)
        self.events.close(timeout_s)
        self.dlq.close(timeout_s)


def dead_letter(
    key: bytes, raw: bytes, kind: str, field: str, rule: str, message: str
) -> WireMessage:
    """The DLQ message for an item refused at the HTTP door."""
    return dead_letter_message(
        key=key,
        payload=raw,
        error_class=kind,
        error_message=message,
        rule=rule,
        field=field,
        topic=HTTP_SOURCE,
        partition=-1,
        offset=-1,
    )
