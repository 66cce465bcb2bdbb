"""The live hub with plain data: per-second counts, filters, and a slow client dropped."""

from __future__ import annotations

import asyncio

import orjson
import pytest

from eventtide.api.live import LiveHub
from eventtide.api.live_tail import count_types
from eventtide.core.kafka.codec import WireMessage

pytestmark = pytest.mark.unit


class Clock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


def message(event_type: str, n: int = 0) -> WireMessage:
    return WireMessage(event_type, b"k", orjson.dumps({"event_type": event_type, "n": n}), [])


def drain(queue: asyncio.Queue[bytes | None]) -> list[bytes | None]:
    items = []
    while not queue.empty():
        items.append(queue.get_nowait())
    return items


def ticks(items: list[bytes | None]) -> list[dict]:
    return [
        orjson.loads(i.split(b"data: ", 1)[1]) for i in items if i and i.startswith(b"event: tick")
    ]


def test_counts_close_per_second_and_respect_the_filter() -> None:
    async def run() -> None:
        clock = Clock()
        hub = LiveHub(clock=clock)
        everything = hub.subscribe(frozenset(), with_events=True)
        buys = hub.subscribe(frozenset({"purchase"}), with_events=True)
        hub.publish([message("page_view"), message("purchase"), message("page_view")])
        clock.now = 1_001.2
        hub.publish([message("purchase")])
        clock.now = 1_003.0  # 1002 had nothing: it is sent as an empty second
        hub.tick()
        all_items, buy_items = drain(everything.queue), drain(buys.queue)
        assert ticks(all_items) == [
            {"second": 1000, "total": 3, "counts": {"page_view": 2, "purchase": 1}},
            {"second": 1001, "total": 1, "counts": {"purchase": 1}},
            {"second": 1002, "total": 0, "counts": {}},
        ]
        assert [t["total"] for t in ticks(buy_items)] == [1, 1, 0]
        events = [i for i in buy_items if i and i.startswith(b"event: event")]
        assert len(events) == 2
        assert all(b"purchase" in e for e in events)
        late = hub.subscribe(frozenset(), with_events=False)  # gets the last minute at once
        assert [t["second"] for t in ticks(drain(late.queue))] == [1000, 1001, 1002]

    asyncio.run(run())


def test_a_client_that_does_not_read_is_dropped_and_ingestion_goes_on() -> None:
    async def run() -> None:
        hub = LiveHub(queue_size=10, clock=Clock())
        slow = hub.subscribe(frozenset(), with_events=True)
        reader = hub.subscribe(frozenset(), with_events=True)
        for n in range(100):
            hub.publish([message("page_view", n)])
            drain(reader.queue)
        assert slow.dropped
        assert slow not in hub.subscribers
        assert slow.queue.qsize() == 10
        assert drain(slow.queue)[-1] is None
        assert reader in hub.subscribers
        assert not reader.dropped

    asyncio.run(run())


def test_counts_alone_fill_the_seconds_and_wants_events_follows_the_subscribers() -> None:
    async def run() -> None:
        clock = Clock()
        hub = LiveHub(clock=clock)
        assert not hub.wants_events
        counter = hub.subscribe(frozenset(), with_events=False)
        assert not hub.wants_events  # counts only: the reader may just count
        hub.count({"page_view": 2})
        hub.publish([message("purchase")])
        hub.count({"page_view": 1, "purchase": 3})
        clock.now = 1_001.0
        hub.tick()
        assert ticks(drain(counter.queue)) == [
            {"second": 1000, "total": 7, "counts": {"page_view": 3, "purchase": 4}}
        ]
        streaming = hub.subscribe(frozenset({"purchase"}), with_events=True)
        assert hub.wants_events
        hub.unsubscribe(streaming)
        assert not hub.wants_events
        slow = LiveHub(queue_size=10, clock=clock)
        dropped = slow.subscribe(frozenset(), with_events=True)
        for n in range(20):
            slow.publish([message("page_view", n)])
        assert dropped.dropped
        assert not slow.wants_events

    asyncio.run(run())


class FakeMessage:
    """What the tail reads of a confluent-kafka message."""

    def __init__(
        self, headers: list[tuple[str, bytes]] | None, value: bytes = b"{}", error: object = None
    ) -> None:
        self._headers, self._value, self._error = headers, value, error

    def headers(self) -> list[tuple[str, bytes]] | None:
        return self._headers

    def value(self) -> bytes:
        return self._value

    def error(self) -> object:
        return self._error


def test_a_batch_is_counted_by_its_event_type_header() -> None:
    kind = [("event_type", b"page_view"), ("schema_version", b"1")]
    later = [("traceparent", b"00-x"), ("event_type", b"page_view")]
    batch = [
        FakeMessage(kind),
        FakeMessage(later),  # not first: still found, and counted with the others
        FakeMessage([("event_type", b"purchase")]),
        FakeMessage(None),  # no headers: unknown, as the event stream names it
        FakeMessage(kind, value=b""),  # no value: skipped, as the event stream does
        FakeMessage(kind, error="partition EOF"),  # not a message: skipped
    ]
    assert count_types(batch) == {"page_view": 2, "purchase": 1, "unknown": 1}
