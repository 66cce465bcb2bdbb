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
from eventtide.core.kafka.consumer_config import ConsumerTuning
from eventtide.core.kafka.group_lag import LagReadError, read_group
from eventtide.core.settings import CoreSettings

log = logging.getLogger("eventtide.api.live")


class KafkaTail:
    """A thread reading the events topic from its end into ``hub`` (on ``loop``)."""

    def __init__(
        self, core: CoreSettings, hub: LiveHub, loop: asyncio.AbstractEventLoop, *, client_id: str
    ) -> None:
        self._core, self._hub, self._loop = core, hub, loop
        self._group = f"{client_id}-live-{uuid.uuid4().hex[:12]}"
        tuning = ConsumerTuning(
            group_id=self._group,
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

    def _ends(self) -> list[tuple[str, int, int]] | None:
        """Each partition's log end, read before assigning: positions fixed then, so an
        event produced after :attr:`ready` is never skipped by a late end lookup."""
        topic = self._core.events_topic
        while not self._stop.is_set():
            try:
                reading = read_group(self._admin, self._group, topic)
            except LagReadError as error:
                log.info("live stream waits for Kafka: %s", error)
            else:
                return [(topic, p.partition, p.end) for p in reading.partitions]
            self._stop.wait(1.0)
        return None

    def _run(self) -> None:
        positions = self._ends()
        if positions is None:
            return
        self._consumer.assign_at(positions)
        self.ready.set()
        while not self._stop.is_set():
            messages = self._consumer.consume(1_000, 0.2)
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
