"""The API's one door to Kafka: the events and dead-letter producers and their acks.

Everything Kafka-specific the service does is here, built on ``eventtide.core.kafka``.
A request hands its messages over and awaits one future that resolves when Kafka has
reported on every one of them.

Delivery reports are served on the event loop itself, by a task that polls the
producers every ``_POLL_S`` while anything is in flight, not by a background thread:
with a thread, every ``produce`` call of a request competed for the GIL with the
thread running callbacks, and a third of the route's time went to that (pyinstrument,
batches of 100). On the loop the callbacks need no lock and no thread-safe wake-up.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any, Final

from eventtide.api.metrics import EVENTS_ACCEPTED, EVENTS_DEAD_LETTERED
from eventtide.core.kafka import EventProducer, ProducerTuning
from eventtide.core.kafka.clients import producer_client_config
from eventtide.core.kafka.codec import HEADER_EVENT_TYPE, WireMessage, header
from eventtide.core.kafka.dlq import dead_letter_message
from eventtide.core.kafka.spans import send_span
from eventtide.core.settings import CoreSettings

HTTP_SOURCE = "http"
"""``original_topic`` of a dead letter refused at the HTTP door (it never had a topic)."""

_LINGER_MS: Final = 5.0
"""How long the producer gathers a partition's messages into one request. Each HTTP
batch of 100 spreads over every partition, so a short linger meant a produce request
(and its acknowledgement) per partition per HTTP request: at 5 ms rather than 2 ms the
producer's network thread used a quarter less CPU and the broker a third less
(bench/api), for at most 3 ms more per answer."""

_POLL_S: Final = 0.001
"""How often reports are served while messages are in flight: a bound on the delay it
adds to an answer, at a cost of one cheap ``poll(0)`` per producer per tick."""


class _Acks:
    """One request's delivery reports; resolves its future on the last one."""

    __slots__ = ("failures", "future", "left")

    def __init__(self, loop: asyncio.AbstractEventLoop, expected: int) -> None:
        self.future: asyncio.Future[None] = loop.create_future()
        self.left = expected
        self.failures: list[tuple[Any, Any]] = []
        if expected == 0:
            self.future.set_result(None)

    def on_delivery(self, err: Any, msg: Any) -> None:
        """librdkafka's report for one message (called inside ``poll``, on the loop)."""
        self.left -= 1
        if err is not None:
            self.failures.append((msg, err))
        if self.left == 0 and not self.future.done():
            self.future.set_result(None)


def _ignore(_messages: Sequence[WireMessage]) -> None:
    """The default listener of acknowledged events: nobody listens."""


class KafkaGateway:
    """Idempotent producers (acks=all) for the events and dead-letter topics."""

    def __init__(self, core: CoreSettings, *, client_id: str, ack_timeout_s: float) -> None:
        tuning = ProducerTuning(linger_ms=_LINGER_MS, client_id=client_id)
        config = producer_client_config(tuning, core)
        # librdkafka gives up on a message after this long and reports it failed; a bit
        # longer than a request waits, so a late success is still counted, not lost.
        config["message.timeout.ms"] = int((ack_timeout_s + 5) * 1000)
        self.events = EventProducer(config, core.events_topic)
        self.dlq = EventProducer(config | {"client.id": f"{client_id}-dlq"}, core.dlq_topic)
        self.on_sent: Callable[[Sequence[WireMessage]], None] = _ignore
        """Told of every batch of events Kafka acknowledged (the live stream's feed)."""
        self._pump: asyncio.Task[None] | None = None

    async def _serve_reports(self) -> None:
        """Poll both producers while anything is in flight (reports included)."""
        events, dlq = self.events, self.dlq
        while True:
            events.poll(0)
            dlq.poll(0)
            if not events.in_flight() and not dlq.in_flight():
                return
            await asyncio.sleep(_POLL_S)

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
            events, letters = _Acks(loop, len(messages)), _Acks(loop, len(dead))
            try:
                self.events.send_all_tracked(messages, events.on_delivery)
                self.dlq.send_all_tracked(dead, letters.on_delivery)
            except BufferError:
                return False
            finally:
                if self._pump is None or self._pump.done():
                    self._pump = loop.create_task(self._serve_reports())
            try:
                await asyncio.wait_for(asyncio.gather(events.future, letters.future), timeout_s)
            except TimeoutError:
                return False
            _count(self.events, messages, events)
            _count(self.dlq, dead, letters)
            if events.failures or letters.failures:
                return False
            EVENTS_ACCEPTED.inc(len(messages))
            EVENTS_DEAD_LETTERED.inc(len(dead))
            return True

    def reachable(self, timeout_s: float) -> bool:
        """True if the cluster answers a metadata request within ``timeout_s``."""
        try:
            self.events.connect(timeout_s)
        except Exception:
            return False
        return True

    def close(self, timeout_s: float = 10.0) -> None:
        """Flush what is in flight (serving its reports) and stop polling."""
        if self._pump is not None:
            self._pump.cancel()
        self.events.close(timeout_s)
        self.dlq.close(timeout_s)


def _count(producer: EventProducer, messages: Sequence[WireMessage], acks: _Acks) -> None:
    """Add one request's reports to the producer's counts (and so to Prometheus)."""
    failed = [
        (header(msg.headers(), HEADER_EVENT_TYPE) or "unknown", err) for msg, err in acks.failures
    ]
    delivered = Counter(m.event_type for m in messages)
    for event_type, _err in failed:
        delivered[event_type] -= 1
    producer.stats.record_batch(delivered, failed)


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
