"""The live hub's Kafka feed: the events topic read from its end by every API process.

Behind a load balancer each API replica receives a share of the ingest, so a stream fed
only by its own ingest path shows a share of the events. Reading the topic gives every
replica the whole stream, events from the generator and other collectors included. The
consumer assigns itself every partition at the log end (no group membership, so no
rebalances among replicas) and never commits: it is a reader, not a member of the
pipeline, and leaves no trace in the consumer groups the operator scales on.

It reads every event the pipeline takes in, inside the process that serves ingestion,
so its cost per event is kept small: while no subscriber streams events (the usual
case: the per-second counts alone feed the dashboard's chart) a batch is only counted
by the ``event_type`` header, with no per-message object made; and it fetches in
chunks of up to ``_FETCH_WAIT_MS`` rather than message by message. Building a message
per event and publishing it was about a tenth of the ingest process's time at 20,000
events/s (py-spy, bench/api).
"""

from __future__ import annotations

import asyncio
import logging
import threading
import uuid
from collections import Counter
from collections.abc import Sequence
from typing import Any, Final

from eventtide.api.live import LiveHub
from eventtide.core.kafka.clients import consumer_client_config, make_admin
from eventtide.core.kafka.codec import HEADER_EVENT_TYPE, WireMessage, header
from eventtide.core.kafka.consumer import GroupConsumer
from eventtide.core.kafka.consumer_config import ConsumerTuning
from eventtide.core.kafka.group_lag import LagReadError, read_group
from eventtide.core.settings import CoreSettings

log = logging.getLogger("eventtide.api.live")

_FETCH_WAIT_MS: Final = 100
"""The broker answers a fetch when it holds ``_FETCH_MIN_BYTES`` or after this long: the
stream's delay stays well under its one-second ticks, and a busy topic is read in
chunks instead of one small fetch per produced batch."""
_FETCH_MIN_BYTES: Final = 262_144


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
        config = consumer_client_config(tuning, core) | {
            "fetch.wait.max.ms": _FETCH_WAIT_MS,
            "fetch.min.bytes": _FETCH_MIN_BYTES,
        }
        self._consumer = GroupConsumer(config)
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
            if not messages:
                continue
            if self._hub.wants_events:
                batch = [_wire(m) for m in messages if m.error() is None and m.value()]
                if batch:
                    self._loop.call_soon_threadsafe(self._hub.publish, batch)
            else:
                self._loop.call_soon_threadsafe(self._hub.count, count_types(messages))

    def close(self) -> None:
        """Stop reading and leave (nothing was committed, so nothing is left behind)."""
        self._stop.set()
        self._thread.join(timeout=5)
        self._consumer.close()


def count_types(messages: Sequence[Any]) -> dict[str, int]:
    """Events per type in a batch of Kafka messages, by their ``event_type`` header.

    The codec writes that header first, so it is looked at before any other; a message
    without it counts as ``unknown``, as :func:`_wire` names it.
    """
    kinds: Counter[bytes | str] = Counter()
    for message in messages:
        if message.error() is not None or not message.value():
            continue
        headers = message.headers()
        if headers and headers[0][0] == HEADER_EVENT_TYPE:
            kinds[headers[0][1]] += 1
        else:
            kinds[header(headers, HEADER_EVENT_TYPE) or "unknown"] += 1
    counts: dict[str, int] = {}
    for kind, n in kinds.items():
        name = kind.decode(errors="replace") if isinstance(kind, bytes) else kind
        counts[name] = counts.get(name, 0) + n
    return counts


def _wire(message: Any) -> WireMessage:
    kind = header(message.headers(), "event_type") or "unknown"
    return WireMessage(kind, message.key() or b"", message.value(), [])
