"""Rows of Google Analytics 4's BigQuery export, read as eventtide events.

The rows follow the export's documented schema as BigQuery's JSON export writes it
(INT64 as strings), in the shape of Google's public sample of the Google Merchandise
Store (``ga4_obfuscated_sample_ecommerce``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from eventtide.core.events import (
    AddToCartEvent,
    CheckoutStartedEvent,
    ClickEvent,
    CustomEvent,
    IdentifyEvent,
    LogoutEvent,
    PageViewEvent,
    PurchaseEvent,
    SearchEvent,
)
from eventtide.core.events.contracts import EXPORT_READERS, to_event
from eventtide.core.events.contracts.ga4 import params_of

pytestmark = pytest.mark.unit

IMPORTED = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


def _param(key: str, value: object) -> dict[str, Any]:
    if isinstance(value, str):
        return {"key": key, "value": {"string_value": value}}
    if isinstance(value, float):
        return {"key": key, "value": {"double_value": value}}
    return {"key": key, "value": {"int_value": str(value)}}


def _row(name: str, params: dict[str, object], **fields: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "event_date": "20210131",
        "event_timestamp": "1612069510766593",
        "event_name": name,
        "event_params": [_param(k, v) for k, v in params.items()],
        "event_bundle_sequence_id": "-1512386298",
        "user_id": None,
        "user_pseudo_id": "1026454.4271112504",
        "device": {"category": "mobile", "operating_system": "iOS", "language": "en-gb",
                   "web_info": {"browser": "Safari", "browser_version": "14.0"}},
        "geo": {"continent": "Americas", "country": "United States", "city": "(not set)"},
        "traffic_source": {"medium": "organic", "name": "(organic)", "source": "google"},
        "platform": "WEB",
        "ecommerce": {"transaction_id": None, "purchase_revenue": None, "unique_items": None},
        "items": [],
    }  # fmt: skip
    return {**row, **fields}


def _read(row: dict[str, Any]) -> list[Any]:
    return [to_event(mapped) for mapped in EXPORT_READERS["ga4"](row, IMPORTED)]


PAGE = {"ga_session_id": 661084800, "page_title": "Apparel | Google Merchandise Store",
        "page_location": "https://shop.googlemerchandisestore.com/Google+Redesign/Apparel?x=1",
        "page_referrer": "https://www.google.com/"}  # fmt: skip


def test_a_page_view_with_its_session_page_referrer_device_and_country() -> None:
    (view,) = _read(_row("page_view", PAGE))
    assert isinstance(view, PageViewEvent)
    assert view.occurred_at == datetime(2021, 1, 31, 5, 5, 10, 766593, tzinfo=UTC)
    assert (view.user_id, view.session_id) == ("1026454.4271112504", "661084800")
    assert view.properties.title == "Apparel | Google Merchandise Store"
    context = view.context
    assert (context.page, context.referrer) == (
        "/Google+Redesign/Apparel",
        "https://www.google.com/",
    )
    assert (context.platform, context.device, context.country) == ("web", "mobile", "US")
    extra = view.properties.extra or {}
    assert extra["$ga4"]["traffic_source"]["source"] == "google", "GA4's other fields kept"
    assert "page_title" not in extra, "the title once, as the page view's"
    assert "ecommerce" not in extra["$ga4"], "a field of nulls says nothing: not kept"
    assert extra["$ga4"]["geo"] == {"continent": "Americas", "country": "United States",
                                    "city": "(not set)"}  # fmt: skip
    unknown = _row("page_view", PAGE, geo={"country": "(not set)"})
    assert _read(unknown)[0].context.country == "GB", "else the region of device.language"
    again = _read(_row("page_view", PAGE))[0]
    assert again.event_id == view.event_id, "the id derives from the row: importing twice"


def test_items_become_a_cart_add_each_and_a_purchase_with_its_order() -> None:
    items = [
        {"item_id": "9195897", "item_name": "Google Tee", "price": 18.0, "quantity": "2",
         "item_category": "Apparel", "price_in_usd": 18.0},
        {"item_id": "9180753", "item_name": "Google Mug", "price": 9.5, "quantity": "1"},
    ]  # fmt: skip
    params = {**PAGE, "currency": "USD", "value": 45.5}
    added = _read(_row("add_to_cart", params, items=items))
    assert [type(e) for e in added] == [AddToCartEvent, AddToCartEvent]
    assert [(e.properties.product_id, e.properties.quantity) for e in added] == [
        ("9195897", 2), ("9180753", 1),
    ]  # fmt: skip
    assert added[0].event_id != added[1].event_id
    first_extra = added[0].properties.extra or {}
    assert first_extra["item_name"] == "Google Tee"
    assert "items" not in first_extra["$ga4"], "each carries its own item, not the list"

    (checkout,) = _read(_row("begin_checkout", params, items=items))
    assert isinstance(checkout, CheckoutStartedEvent)
    assert (checkout.properties.cart_value, checkout.properties.item_count) == (45.5, 3)

    order = _row("purchase", {**params, "transaction_id": "T-1001"}, items=items,
                 ecommerce={"purchase_revenue": 45.5, "transaction_id": "T-1001"})  # fmt: skip
    (purchase,) = _read(order)
    assert isinstance(purchase, PurchaseEvent)
    assert (purchase.properties.order_id, purchase.properties.amount) == ("T-1001", 45.5)
    assert [i.product_id for i in purchase.properties.items] == ["9195897", "9180753"]

    empty = _row("purchase", {**params, "transaction_id": "(not set)"})
    (kept,) = _read(empty)
    assert isinstance(kept, CustomEvent), "a purchase without items is kept, not refused"
    assert kept.event_type == "ga4:purchase"


def test_an_apps_own_event_named_like_a_typed_one_follows_the_shared_rule() -> None:
    (logout,) = _read(_row("logout", {**PAGE, "reason": "timeout", "screen": "home"}))
    assert isinstance(logout, LogoutEvent)
    assert logout.properties.reason == "timeout"
    assert (logout.properties.extra or {})["screen"] == "home"
    (unfit,) = _read(_row("add_to_cart", {**PAGE, "value": 3}))  # no items: no product
    assert isinstance(unfit, CustomEvent)
    assert unfit.event_type == "ga4:add_to_cart"


def test_search_outbound_click_and_other_names() -> None:
    (search,) = _read(_row("view_search_results", {**PAGE, "search_term": "mugs"}))
    assert isinstance(search, SearchEvent)
    assert search.properties.query == "mugs"
    link = "https://www.youtube.com/googlemerchandisestore"
    (click,) = _read(_row("click", {**PAGE, "link_url": link, "outbound": "true"}))
    assert isinstance(click, ClickEvent)
    assert click.properties.target_url == link
    (scroll,) = _read(_row("scroll", {**PAGE, "percent_scrolled": 90}))
    assert isinstance(scroll, CustomEvent)
    assert (scroll.event_type, scroll.properties["percent_scrolled"]) == ("scroll", 90)


def test_a_signed_in_row_links_the_pseudo_id_to_the_user() -> None:
    view, link = _read(_row("page_view", PAGE, user_id="u-77"))
    assert view.user_id == "u-77"
    assert isinstance(link, IdentifyEvent)
    assert (link.user_id, link.properties.anonymous_id) == ("u-77", "1026454.4271112504")
    other = _row("scroll", PAGE, user_id="u-77", event_timestamp="1612069599000000")
    assert _read(other)[1].event_id == link.event_id, "one link per pair: storage keeps one"


def test_event_params_read_each_value_type() -> None:
    params = [
        {"key": "a", "value": {"string_value": "x", "int_value": None}},
        {"key": "b", "value": {"int_value": "7"}},
        {"key": "c", "value": {"double_value": 1.5}},
        {"key": "d", "value": {"float_value": 2.5}},
        {"key": "e", "value": {}},
        {"value": {"string_value": "no key"}},
    ]
    assert params_of(params) == {"a": "x", "b": 7, "c": 1.5, "d": 2.5, "e": None}
    assert params_of(None) == {}
