"""The live hub: per-second counts and new events fanned out to stream subscribers.

Fed by a reader of the events topic (:mod:`eventtide.api.live_tail`, the default: every
replica sees every event) or by the API's own ingest path (``live_source=ingest``: the
events Kafka acknowledged through this process). Publishing costs one counter increment
per event and one ``put_nowait`` per subscriber whose filter matches; nothing here ever
awaits. Each
subscriber has a bounded queue: a client that cannot keep up fills it and is dropped
(its stream ends with a ``dropped`` message), so a slow browser never slows ingestion.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Final

import orjson

from eventtide.core.kafka.codec import WireMessage

HISTORY_S: Final = 60
"""Seconds of per-second counts a new subscriber receives at once (the chart's width)."""


@dataclass(eq=False)
class Subscriber:
    """One stream: its event-type filter, whether it wants events or counts only, its queue."""

    types: frozenset[str]
    with_events: bool
    queue: asyncio.Queue[bytes | None]
    dropped: bool = False

    def wants(self, event_type: str) -> bool:
        """True when the filter is empty or names ``event_type``."""
        return not self.types or event_type in self.types


@dataclass
class LiveHub:
    """Counts per second and per event type; subscribers with bounded queues."""

    queue_size: int = 1_000
    clock: Callable[[], float] = time.time
    subscribers: set[Subscriber] = field(default_factory=set)
    history: deque[tuple[int, dict[str, int]]] = field(
        default_factory=lambda: deque(maxlen=HISTORY_S)
    )
    _second: int = 0
    _counts: Counter[str] = field(default_factory=Counter)

    wants_events: bool = field(default=False, init=False)
    """True while some subscriber streams events, not only counts. Kept up to date on
    the loop and read by the Kafka reader's thread (a plain attribute: no iteration of
    the set from another thread) to choose between :meth:`publish` and the cheaper
    :meth:`count`; a subscriber arriving meanwhile misses at most the batch being read."""

    def count(self, counts: Mapping[str, int]) -> None:
        """Add events seen by type to the current second (nobody streams them)."""
        self._roll(int(self.clock()))
        self._counts.update(counts)

    def publish(self, messages: Iterable[WireMessage]) -> None:
        """Count ``messages`` in the current second and hand them to matching subscribers."""
        self._roll(int(self.clock()))
        counts = self._counts
        listeners = [s for s in self.subscribers if s.with_events]
        for message in messages:
            counts[message.event_type] += 1
            for sub in listeners:
                if sub.wants(message.event_type):
                    self._offer(sub, b"event", message.value)

    def tick(self) -> None:
        """Close the seconds that ended and send each closed second's counts."""
        self._roll(int(self.clock()))

    def _roll(self, second: int) -> None:
        if second <= self._second:
            return
        if self._second:
            closed = dict(self._counts)
            self.history.append((self._second, closed))
            for sub in tuple(self.subscribers):
                self._offer(sub, b"tick", tick_json(self._second, closed, sub.types))
            for missing in range(self._second + 1, min(second, self._second + HISTORY_S)):
                self.history.append((missing, {}))
                for sub in tuple(self.subscribers):
                    self._offer(sub, b"tick", tick_json(missing, {}, sub.types))
        self._second, self._counts = second, Counter()

    def subscribe(self, types: frozenset[str], *, with_events: bool) -> Subscriber:
        """A new subscriber, its queue preloaded with the recent seconds' counts."""
        sub = Subscriber(types, with_events, asyncio.Queue(self.queue_size))
        for second, counts in list(self.history)[-min(len(self.history), self.queue_size // 2) :]:
            sub.queue.put_nowait(sse(b"tick", tick_json(second, counts, types)))
        self.subscribers.add(sub)
        self._listeners_changed()
        return sub

    def unsubscribe(self, sub: Subscriber) -> None:
        """Forget ``sub`` (its stream ended)."""
        self.subscribers.discard(sub)
        self._listeners_changed()

    def _listeners_changed(self) -> None:
        self.wants_events = any(s.with_events for s in self.subscribers)

    def close(self) -> None:
        """End every stream (the process is stopping)."""
        for sub in list(self.subscribers):
            self.unsubscribe(sub)
            if sub.queue.full():
                sub.queue.get_nowait()
            sub.queue.put_nowait(None)

    def _offer(self, sub: Subscriber, kind: bytes, data: bytes) -> None:
        if sub.dropped:
            return
        try:
            sub.queue.put_nowait(sse(kind, data))
        except asyncio.QueueFull:
            sub.dropped = True
            self.subscribers.discard(sub)
            self._listeners_changed()
            sub.queue.get_nowait()  # room for the end marker
            sub.queue.put_nowait(None)


def tick_json(second: int, counts: dict[str, int], types: frozenset[str]) -> bytes:
    """One second's counts as JSON, limited to ``types`` when a filter is given."""
    shown = {t: n for t, n in counts.items() if not types or t in types}
    return orjson.dumps({"second": second, "total": sum(shown.values()), "counts": shown})


def sse(kind: bytes, data: bytes) -> bytes:
    """One Server-Sent Events message (``data`` is one line of JSON)."""
    return b"event: " + kind + b"\ndata: " + data + b"\n\n"


DROPPED: Final = sse(b"dropped", b'{"reason": "the client read too slowly"}')


async def ticker(hub: LiveHub, stop: asyncio.Event) -> None:
    """Close each second shortly after it ends, also when nothing is ingested."""
    while not stop.is_set():
        now = hub.clock()
        try:
            await asyncio.wait_for(stop.wait(), timeout=1.0 - (now % 1.0) + 0.02)
        except TimeoutError:
            hub.tick()
