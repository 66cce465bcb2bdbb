"""The streaming core equals the batch oracle, whatever the delivery (issue 13's tests).

Deliveries: in order; shuffled within the allowed lateness; with duplicates; with events
held back until they are later than the lateness (they must be in the late output, and the
oracle without them equals the tables). Plus: the comparison does notice a wrong result.
"""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from oracle import oracle
from strategies import CONFIG, event_streams
from streaming import differences, stream

from eventtide.processor.model import Event

pytestmark = pytest.mark.unit

EXAMPLES = settings(max_examples=40, deadline=None)
batches = st.lists(st.integers(1, 12), min_size=1, max_size=4)
partitions = st.integers(1, 3)


def _check(
    delivery: list[Event], expected_events: list[Event], parts: int, sizes: list[int]
) -> None:
    tables = stream(delivery, CONFIG, partitions=parts, batch_sizes=sizes)
    assert differences(tables.result(), oracle(expected_events, CONFIG)) == []


@EXAMPLES
@given(event_streams(), partitions, batches)
def test_in_order_delivery_equals_the_oracle(events, parts, sizes):
    _check(events, events, parts, sizes)
    assert stream(events, CONFIG, parts, sizes).late == []


@EXAMPLES
@given(event_streams(), partitions, batches, st.randoms(use_true_random=False))
def test_shuffled_within_the_lateness_equals_the_oracle(events, parts, sizes, rnd):
    lateness = CONFIG.allowed_lateness
    # an event arrives before anything later than its time + lateness: never too late
    keyed = [(e.ts + rnd.randrange(lateness), rnd.random(), e) for e in events]
    delivery = [e for *_, e in sorted(keyed, key=lambda k: (k[0], k[1]))]
    tables = stream(delivery, CONFIG, partitions=parts, batch_sizes=sizes)
    assert tables.late == []
    assert differences(tables.result(), oracle(events, CONFIG)) == []


@EXAMPLES
@given(event_streams(), partitions, batches, st.randoms(use_true_random=False))
def test_duplicates_are_dropped(events, parts, sizes, rnd):
    delivery: list[Event] = []
    repeats = 0
    for e in events:
        delivery.append(e)
        if rnd.random() < 0.3:
            delivery.insert(rnd.randrange(len(delivery) + 1), e)  # a repeat, near by
            repeats += 1
    # a repeat may come before its original: the first copy is the one kept
    tables = stream(delivery, CONFIG, partitions=parts, batch_sizes=sizes)
    assert tables.duplicates + len(tables.late) >= repeats - len(tables.late)
    kept = [e for e in events if e.event_id not in set(tables.late)]
    assert differences(tables.result(), oracle(kept, CONFIG)) == []


@EXAMPLES
@given(event_streams(), partitions, batches, st.randoms(use_true_random=False))
def test_events_later_than_the_lateness_go_to_the_late_output(events, parts, sizes, rnd):
    held = {e.event_id for e in events if rnd.random() < 0.25}
    delivery = [e for e in events if e.event_id not in held] + [
        e for e in events if e.event_id in held
    ]
    tables = stream(delivery, CONFIG, partitions=parts, batch_sizes=sizes)
    late = set(tables.late)
    assert late <= held
    on_time = [e for e in events if e.event_id not in late]
    assert differences(tables.result(), oracle(on_time, CONFIG)) == []


def test_an_event_held_back_past_the_lateness_is_late():
    events = [
        Event(f"e{i}", "page_view", "u1", 1_000_000_000 * (i + 1), "/", "DE", "web")
        for i in range(5)
    ]
    delivery = [*events[1:], events[0]]  # e0 is 4,000 s behind; lateness is 30 s
    tables = stream(delivery, CONFIG, partitions=1, batch_sizes=[2])
    assert tables.late == ["e0"]
    assert differences(tables.result(), oracle(events[1:], CONFIG)) == []


def test_the_comparison_reports_a_corrupted_result():
    rnd = random.Random(7)  # noqa: S311 - test data
    events = [
        Event(
            f"e{i}",
            rnd.choice(["page_view", "purchase"]),
            f"u{i % 3}",
            10**15 + i * 40_000_000,
            "/",
            "DE",
            "web",
            amount_cents=500,
        )
        for i in range(60)
    ]
    tables = stream(events, CONFIG, partitions=2, batch_sizes=[5])
    ours, expected = tables.result(), oracle(events, CONFIG)
    assert differences(ours, expected) == []
    key = next(iter(ours.windows))
    count, *rest = ours.windows[key]
    ours.windows[key] = (count + 1, *rest)
    sid = next(iter(ours.sessions))
    ours.sessions[sid] = replace_field(ours.sessions[sid], 4, -1)
    found = differences(ours, expected)
    assert len(found) == 2
    assert found[0].startswith("windows: 1 keys differ")
    assert found[1].startswith("sessions: 1 keys differ")


def replace_field(row: tuple, index: int, value: object) -> tuple:
    return (*row[:index], value, *row[index + 1 :])
