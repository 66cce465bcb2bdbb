"""Last- and first-touch attribution and conversions per source."""

from __future__ import annotations

import pytest

from eventtide.processor.attribution import Attributor, attribute, source_of
from eventtide.processor.config import MINUTE
from eventtide.processor.model import Event, from_mapping

pytestmark = pytest.mark.unit

T = 1_748_779_200_000_000  # 12:00Z


def touch(eid: str, ts: int, product: str, referrer: str | None = None) -> Event:
    page = f"/product/{product}"
    return Event(eid, "page_view", "u", ts, page, "DE", "web", referrer, touched=product)


PURCHASE = Event(
    "p",
    "purchase",
    "u",
    T,
    "/done",
    "DE",
    "web",
    amount_cents=3000,
    products=(("p-7", 2000), ("p-9", 1000)),
)


def test_the_docs_example():
    touches = [
        touch("a", T - 20 * MINUTE, "p-7", "google.com"),
        touch("b", T - 5 * MINUTE, "p-7"),
        touch("z", T - 31 * MINUTE, "p-9"),  # outside the 30-minute window
    ]
    rows = {(r.product_id, r.model): r for r in attribute(PURCHASE, touches, 30 * MINUTE)}
    assert (rows[("p-7", "first_touch")].touch_event_id, rows[("p-7", "first_touch")].source) == (
        "a",
        "google.com",
    )
    assert (rows[("p-7", "last_touch")].touch_event_id, rows[("p-7", "last_touch")].source) == (
        "b",
        "/product/p-7",
    )
    assert rows[("p-9", "last_touch")].source == "(none)"
    assert rows[("p-7", "last_touch")].value_cents == 2000
    assert len({r.attribution_id for r in rows.values()}) == 4


def test_the_window_edge_is_inclusive_and_ties_follow_the_event_id():
    edge = touch("a", T - 30 * MINUTE, "p-7")
    same_time_after = touch("q", T, "p-7")  # "q" > "p": after the purchase in the order
    rows = attribute(PURCHASE, [edge, same_time_after], 30 * MINUTE)
    assert {r.touch_event_id for r in rows if r.product_id == "p-7"} == {"a"}


def test_conversion_counters_per_day_and_source():
    a = Attributor(30 * MINUTE)
    a.feed(touch("a", T - 10 * MINUTE, "p-7", "news.example"))
    a.feed(touch("b", T - 9 * MINUTE, "p-1", "news.example"))
    a.feed(PURCHASE)
    (conv,) = a.take_conversions()
    assert (conv.source, conv.touches, conv.conversions, conv.rate) == ("news.example", 2, 1, 0.5)
    assert a.take_conversions() == []


def test_touches_from_clicks_and_target_urls():
    ctx = {"platform": "web", "device": "desktop", "country": "DE", "page": "/"}
    click = from_mapping(
        {
            "event_id": "c",
            "event_type": "click",
            "user_id": "u",
            "occurred_at": "2025-06-01T12:00:00+00:00",
            "context": ctx,
            "properties": {"element_id": "x", "target_url": "https://s.example/product/p-3?x=1"},
        }
    )
    assert click.touched == "p-3"
    assert source_of(click) == "/"
