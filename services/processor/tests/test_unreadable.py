"""Records that are no event: counted per window under ``dead_letter``, nothing else.

The storage consumer dead-letters them; the processor counts each in the window of its
partition's frontier (the newest event time read before it), so the anomaly detector
can judge the dead letters' share of a window next to its events.
"""

from __future__ import annotations

from collections import Counter

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import CONFIG, event_streams
from streaming import Tables
from test_state import _run

from eventtide.processor.config import UNREADABLE
from eventtide.processor.job import PartitionJob, run
from eventtide.processor.model import Event, Unreadable
from eventtide.processor.reading import read_record

pytestmark = pytest.mark.unit

MINUTE_US = 60_000_000


def _with_unreadable(events: list[Event], at: list[int]) -> list[Event | Unreadable]:
    """``events`` with an unreadable record (Kafka time 1 µs) after each position in ``at``."""
    mixed: list[Event | Unreadable] = []
    for index, event in enumerate(events):
        mixed.append(event)
        mixed.extend(Unreadable(1) for _ in range(at.count(index)))
    return mixed


def _expected(mixed: list[Event | Unreadable], size: int) -> Counter[int]:
    """Oracle: each unreadable record in the window of the newest event time before it."""
    counts: Counter[int] = Counter()
    newest: int | None = None
    for item in mixed:
        if isinstance(item, Event):
            newest = item.ts if newest is None else max(newest, item.ts)
        elif newest is not None:
            counts[newest - newest % size] += 1
    return counts


def _dead(tables: Tables, window: str) -> Counter[int]:
    return Counter(
        {
            start: metrics.count
            for (_, name, start, dimension, _), metrics in tables.windows.items()
            if name == window and dimension == UNREADABLE
        }
    )


def _without_dead(tables: Tables) -> dict[object, object]:
    return {key: m for key, m in tables.windows.items() if key[3] != UNREADABLE}


@settings(max_examples=40, deadline=None)
@given(
    event_streams(),
    st.lists(st.integers(0, 59), max_size=12),
    st.sets(st.integers(0, 60), max_size=20),
    st.integers(1, 9),
)
def test_counted_in_the_frontier_window_whatever_the_batches_and_restores(events, at, stops, size):
    mixed = _with_unreadable(events, [a for a in at if a < len(events)])
    once = _run(mixed, set(), 1)
    restored = _run(mixed, stops, size)
    for spec in CONFIG.windows:
        if spec.hop == spec.size:
            assert _dead(once, spec.name) == _expected(mixed, spec.size), spec.name
    assert restored.windows == once.windows
    assert all(once.window_final.values())
    # the events' own results do not move
    assert _without_dead(once) == _without_dead(_run(events, set(), 1))
    assert once.sessions == _run(events, set(), 1).sessions


def test_the_oracle_notices_a_record_counted_in_the_wrong_window():
    events = [
        Event(f"e{n}", "page_view", "u", n * MINUTE_US, "/", "DE", "web") for n in range(1, 4)
    ]
    mixed = _with_unreadable(events, [0, 2])
    expected = _expected(mixed, MINUTE_US)
    assert expected == Counter({MINUTE_US: 1, 3 * MINUTE_US: 1})
    shifted = _with_unreadable(events, [1, 2])  # one record a window later
    assert _dead(_run(shifted, set(), 1), "tumbling_1m") != expected


def test_before_any_event_the_kafka_time_stands_in_and_without_one_it_is_not_counted():
    job = PartitionJob(0, CONFIG)
    out = run(job, [[(0, Unreadable(5 * MINUTE_US + 7)), (1, Unreadable(None))]])  # flushes
    dead = [r for r in out.windows if r.dimension == UNREADABLE and r.window == "tumbling_1m"]
    assert [(r.start, r.metrics.count, r.metrics.unique_users) for r in dead if r.final] == [
        (5 * MINUTE_US, 1, 0)
    ]


def _record(**changes: object) -> bytes:
    event = {
        "event_id": "00000000-0000-4000-9000-000000000001",
        "event_type": "page_view",
        "user_id": "u",
        "occurred_at": "2025-06-01T12:00:00+00:00",
        "context": {"page": "/", "country": "DE", "platform": "web"},
        "properties": {},
    }
    return orjson.dumps(event | changes)


@pytest.mark.parametrize(
    ("changes", "readable"),
    [
        ({}, True),
        ({"schema_version": 1}, True),
        ({"event_type": "Invite Sent", "schema_version": 2}, True),
        ({"event_type": "Invite Sent"}, True),  # no version: the current one
        ({"event_type": "page_view_v2", "schema_version": 1}, False),  # v1: typed names only
        ({"schema_version": 3}, False),  # newer than this code reads
        ({"schema_version": "2"}, False),  # a version is an integer
        ({"occurred_at": "yesterday evening"}, False),
        ({"context": None}, False),
    ],
)
def test_a_record_is_read_as_the_storage_consumer_judges_its_version(
    changes: dict[str, object], readable: bool
) -> None:
    assert (read_record(_record(**changes)) is not None) is readable
    assert read_record(None) is None
    assert read_record(b"[1, 2]") is None
