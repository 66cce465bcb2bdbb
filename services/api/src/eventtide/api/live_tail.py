"""The live hub's Kafka feed: the events topic read from its end by every API process.

Behind a load balancer each API replica receives a share of the ingest, so a stream fed
only by its own ingest path shows a share of the events. Reading the topic gives every
replica the whole stream, events from the generator and other collectors included. The
consumer assigns itself every partition at the log end (no group membership, so no
rebalances among replicas) and never commits: it is a reader, not a member of the
pipeline, and leaves no trace in the consumer groups the operator scales on.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import uuid
from typing import Any

from eventtide.api.live import LiveHub
from eventtide.core.kafka.clients import make_admin, make_consumer
from eventtide.core.kafka.codec import WireMessage, header
from eventtide.core.kafka.consumer import FROM_END
from eventtide.core.kafka.consumer_config import ConsumerTuning
from eventtide.core.kafka.group_lag import LagReadError, partition_count
from eventtide.core.settings import CoreSettings

log = logging.getLogger("eventtide.api.live")


class KafkaTail:
    """A thread reading the events topic from its end into ``hub`` (on ``loop``)."""

    def __init__(
        self, core: CoreSettings, hub: LiveHub, loop: asyncio.AbstractEventLoop, *, client_id: str
    ) -> None:
        self._core, self._hub, self._loop = core, hub, loop
        tuning = ConsumerTuning(
            group_id=f"{client_id}-live-{uuid.uuid4().hex[:12]}",
            client_id=f"{client_id}-live",
            offset_reset="latest",
        )
        self._consumer = make_consumer(tuning, core)
        self._admin = make_admin(core)
        self.ready = threading.Event()
        """Set once the partitions are assigned and their end positions resolved."""
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="live-tail", daemon=True)
        self._thread.start()

    def _partitions(self) -> int | None:
        topic = self._core.events_topic
        while not self._stop.is_set():
            try:
                count = partition_count(self._admin, topic)
            except LagReadError as error:
                log.info("live stream waits for Kafka: %s", error)
                count = None
            if count:
                return count
            self._stop.wait(1.0)
        return None

    def _run(self) -> None:
        count = self._partitions()
        if count is None:
            return
        topic = self._core.events_topic
        self._consumer.assign_at([(topic, p, FROM_END) for p in range(count)])
        while not self._stop.is_set():
            messages = self._consumer.consume(1_000, 0.2)
            self.ready.set()
            batch = [_wire(m) for m in messages if m.error() is None and m.value()]
            if batch:
                self._loop.call_soon_threadsafe(self._hub.publish, batch)

    def close(self) -> None:
        """Stop reading and leave (nothing was committed, so nothing is left behind)."""
        self._stop.set()
        self._thread.join(timeout=5)
        self._consumer.close()


def _wire(message: Any) -> WireMessage:
    kind = header(message.headers(), "event_type") or "unknown"
    return WireMessage(kind, message.key() or b"", message.value(), [])
