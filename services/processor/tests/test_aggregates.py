"""Each aggregate's initialize/add/merge/result, and the combined hot-path version."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from eventtide.processor.aggregates import AGGREGATES, WindowMetrics, average_cents
from eventtide.processor.model import Event

pytestmark = pytest.mark.unit

events = st.lists(
    st.builds(
        Event,
        event_id=st.uuids().map(str),
        event_type=st.sampled_from(["page_view", "purchase", "my_custom_event"]),
        user_id=st.sampled_from(["a", "b", "c"]),
        ts=st.integers(0, 10**9),
        page=st.just("/"),
        country=st.just("DE"),
        platform=st.just("web"),
        amount_cents=st.integers(0, 10**6),
    ),
    max_size=30,
)


def _each(evs):
    out = {}
    for agg in AGGREGATES:
        acc = agg.initialize()
        for e in evs:
            acc = agg.add(acc, e)
        out[agg.name] = agg.result(acc)
    return out


@given(events)
def test_window_metrics_agrees_with_the_separate_aggregates(evs):
    m = WindowMetrics()
    for e in evs:
        m.add(e)
    r = m.result()
    assert _each(evs) == {
        "count": r.count,
        "unique_users": r.unique_users,
        "revenue_cents": r.revenue_cents,
        "orders": r.orders,
        "average_order_value_cents": r.average_order_value_cents,
    }


@given(events, events)
def test_merging_partials_equals_adding_everything(left, right):
    right = [e for e in right if e.user_id not in {x.user_id for x in left}]  # partitions
    whole, a, b = WindowMetrics(), WindowMetrics(), WindowMetrics()
    for e in left + right:
        whole.add(e)
    for e in left:
        a.add(e)
    for e in right:
        b.add(e)
    assert a.merge(b).result() == whole.result()
    assert a.result().merge(b.result()) == whole.result()
    for agg in AGGREGATES:
        acc_a, acc_b = agg.initialize(), agg.initialize()
        for e in left:
            acc_a = agg.add(acc_a, e)
        for e in right:
            acc_b = agg.add(acc_b, e)
        assert agg.result(agg.merge(acc_a, acc_b)) == _each(left + right)[agg.name]


def test_average_order_value_rounds_half_even_and_is_null_without_orders():
    assert average_cents(0, 0) is None
    assert average_cents(5, 2) == 2  # 2.5 -> 2
    assert average_cents(7, 2) == 4  # 3.5 -> 4
    m = WindowMetrics()
    m.add(Event("e", "purchase", "u", 0, "/", "DE", "web", amount_cents=1999))
    m.add(Event("f", "page_view", "u", 0, "/", "DE", "web"))
    r = m.result()
    assert (r.count, r.unique_users, r.revenue_cents, r.orders) == (2, 1, 1999, 1)
    assert r.average_order_value_cents == 1999


@given(st.lists(events, max_size=4))
def test_a_result_with_later_partials_equals_adding_everything(parts):
    """Time-split partials of one key (base windows inside a derived one) share users."""
    whole, first, rest = WindowMetrics(), WindowMetrics(), []
    for e in (e for part in parts for e in part):
        whole.add(e)
    for e in parts[0] if parts else []:
        first.add(e)
    for part in parts[1:]:
        m = WindowMetrics()
        for e in part:
            m.add(e)
        rest.append(m)
    assert first.result_with(rest) == whole.result()
