"""Window assignment at the edges, and when windows are over and closed."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from eventtide.processor.config import MINUTE, WindowSpec
from eventtide.processor.windows import is_closed, is_over, window_starts

pytestmark = pytest.mark.unit

ONE = WindowSpec("tumbling_1m", MINUTE, MINUTE)
FIVE = WindowSpec("tumbling_5m", 5 * MINUTE, 5 * MINUTE)
HOP = WindowSpec("hopping_10m_5m", 10 * MINUTE, 5 * MINUTE)
T = 1_748_736_000_000_000 + 12 * 60 * MINUTE  # 2025-06-01T12:00Z


def test_the_docs_example():
    ts = T + 7 * MINUTE + 30_000_000  # 12:07:30
    assert window_starts(ts, ONE) == (T + 7 * MINUTE,)
    assert window_starts(ts, FIVE) == (T + 5 * MINUTE,)
    assert window_starts(ts, HOP) == (T, T + 5 * MINUTE)


def test_an_event_on_a_boundary_belongs_to_the_window_it_starts():
    assert window_starts(T + 10 * MINUTE, FIVE) == (T + 10 * MINUTE,)
    assert window_starts(T + 10 * MINUTE - 1, FIVE) == (T + 5 * MINUTE,)
    assert window_starts(T + 10 * MINUTE, HOP) == (T + 5 * MINUTE, T + 10 * MINUTE)


def test_over_and_closed_at_the_end_exactly():
    start = T
    assert not is_over(start, ONE, T + MINUTE - 1)
    assert is_over(start, ONE, T + MINUTE)
    assert not is_closed(start, ONE, T + MINUTE - 1)
    assert is_closed(start, ONE, T + MINUTE)


@given(
    st.integers(-(10**15), 10**15),
    st.integers(1, 50).flatmap(lambda hop: st.tuples(st.just(hop), st.integers(hop, 200))),
)
def test_starts_are_exactly_the_windows_that_contain_the_time(ts, hop_size):
    hop, size = hop_size
    spec = WindowSpec("w", size, hop)
    brute = tuple(
        s
        for s in range((ts - size) // hop * hop, ts + 1, hop)
        if s % hop == 0 and s <= ts < s + size
    )
    assert window_starts(ts, spec) == brute


def test_a_hop_longer_than_the_size_is_refused():
    with pytest.raises(ValueError, match="hop"):
        WindowSpec("bad", MINUTE, 2 * MINUTE)
