"""A Google tag's ``/g/collect`` requests, written as the protocol's public references
describe them (no tag of Google's runs here), read as the Measurement Protocol requests
they stand for."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import pytest

from eventtide.core.events import (
    AddToCartEvent,
    CustomEvent,
    IdentifyEvent,
    PageViewEvent,
    PurchaseEvent,
    Rejection,
)
from eventtide.core.events.contracts import to_event
from eventtide.core.events.contracts.common import with_id
from eventtide.core.events.contracts.ga4_gtag import gtag_requests, item_of
from eventtide.core.events.contracts.ga4_protocol import from_ga4_protocol, protocol_messages

pytestmark = pytest.mark.unit

RECEIVED = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
PAGE = {"v": "2", "tid": "G-TEST", "gtm": "45je5c10", "_p": "1796558400123", "cid": "123.456",
        "ul": "de-de", "sr": "1920x1080", "_s": "2", "sid": "1796558000", "sct": "3",
        "seg": "1", "dl": "https://shop.example/p/tee?utm_source=x", "dt": "Tee",
        "dr": "https://www.google.com/"}  # fmt: skip
"""What a page's tag sends with each event: the stream, the client, the page."""


def _events(query: dict[str, str], *lines: dict[str, str]) -> list[Any]:
    requests = gtag_requests(urlencode(query), "\n".join(urlencode(line) for line in lines))
    return [
        to_event(with_id(from_ga4_protocol(message, received_at=RECEIVED), uuid.uuid4()))
        for request in requests
        for message in protocol_messages(request)
    ]


def test_a_batch_reads_as_the_measurement_protocol_request_it_stands_for() -> None:
    query = urlencode(PAGE)
    body = "\n".join(urlencode(line) for line in (
        {"en": "page_view", "_ee": "1", "_et": "120"},
        {"en": "add_to_cart", "cu": "EUR", "epn.value": "30",
         "pr1": "idSKU_1~nmTee~pr12.5~qt2~k0color~v0blue", "pr2": "idSKU_2~nmMug~pr5~qt1"},
    ))  # fmt: skip
    (request,) = gtag_requests(query, body)
    page = {"page_location": "https://shop.example/p/tee?utm_source=x", "page_title": "Tee",
            "page_referrer": "https://www.google.com/", "session_id": "1796558000"}  # fmt: skip
    assert request["client_id"] == "123.456"
    assert request["measurement_id"] == "G-TEST"
    assert request["device"] == {"language": "de-de", "screen_resolution": "1920x1080"}
    assert request["events"] == [
        {"name": "page_view", "$position": 0, "params": {**page, "engagement_time_msec": 120,
                                                         "gtag": {"_ee": "1"}}},
        {"name": "add_to_cart", "$position": 1, "params": {
            **page, "currency": "EUR", "value": 30, "items": [
            {"item_id": "SKU_1", "item_name": "Tee", "price": 12.5, "quantity": 2,
             "color": "blue"},
            {"item_id": "SKU_2", "item_name": "Mug", "price": 5, "quantity": 1}]}},
    ]  # fmt: skip
    assert request["gtag"] == {"gtm": "45je5c10", "_p": "1796558400123", "_s": "2",
                               "sct": "3", "seg": "1"}, "the rest is kept"  # fmt: skip

    view, tee, mug = _events(PAGE, {"en": "page_view"}, {
        "en": "add_to_cart", "cu": "EUR", "pr1": "idSKU_1~nmTee~pr12.5~qt2",
        "pr2": "idSKU_2~nmMug~pr5~qt1"})  # fmt: skip
    assert isinstance(view, PageViewEvent)
    assert (view.context.page, view.session_id, view.user_id) == ("/p/tee", "1796558000",
                                                                  "123.456")  # fmt: skip
    assert view.context.platform == "web"
    assert view.occurred_at == RECEIVED, "the tag sends no time: the receipt's"
    assert isinstance(tee, AddToCartEvent)
    assert isinstance(mug, AddToCartEvent)
    assert tee.occurred_at == mug.occurred_at == RECEIVED + timedelta(microseconds=1), (
        "a microsecond after the event before it: a funnel sees the cart add after the view"
    )
    assert [(e.properties.product_id, e.properties.quantity) for e in (tee, mug)] == [
        ("SKU_1", 2), ("SKU_2", 1),
    ]  # fmt: skip


def test_a_signed_in_purchase_with_user_properties_and_a_custom_event() -> None:
    signed_in = {**PAGE, "uid": "zoe"}
    order, level, traits = _events(signed_in, {
        "en": "purchase", "ep.transaction_id": "T-1", "epn.value": "17.5", "cu": "EUR",
        "up.plan": "pro", "upn.seats": "3", "pr1": "idSKU_2~pr5~qt1", "pr2": "idSKU_9~pr12.5~qt1",
    }, {"en": "level_up", "epn.level": "4", "ep.character": "mage"})  # fmt: skip
    assert isinstance(order, PurchaseEvent)
    assert (order.user_id, order.properties.order_id, order.properties.amount) == (
        "zoe", "T-1", 17.5,
    )  # fmt: skip
    assert order.properties.currency == "EUR"
    assert isinstance(level, CustomEvent)
    assert (level.properties["level"], level.properties["character"]) == (4, "mage")
    assert isinstance(traits, IdentifyEvent)
    assert traits.properties.set == {"plan": "pro", "seats": 3}


def test_the_query_alone_is_one_event_and_a_line_overrides_the_query() -> None:
    (alone,) = gtag_requests(urlencode({**PAGE, "en": "page_view"}), "")
    assert [event["name"] for event in alone["events"]] == ["page_view"]
    (lined,) = gtag_requests(urlencode({**PAGE, "en": "page_view"}),
                             urlencode({"en": "scroll", "dt": "Other"}) + "\n\n")  # fmt: skip
    assert [(e["name"], e["params"]["page_title"]) for e in lined["events"]] == [
        ("scroll", "Other"),
    ], "with a body, each line is an event, not the query"


def test_events_of_another_client_or_user_are_a_request_of_their_own() -> None:
    requests = gtag_requests(
        urlencode(PAGE),
        "\n".join(urlencode(line) for line in (
            {"en": "a"}, {"en": "b", "up.plan": "free"}, {"en": "c", "uid": "zoe"},
            {"en": "d", "uid": "zoe", "up.plan": "pro"}, {"en": "e", "cid": "9.9"},
        )),
    )  # fmt: skip
    assert [([e["name"] for e in r["events"]], r.get("user_id"), r["client_id"])
            for r in requests] == [
        (["a", "b"], None, "123.456"), (["c", "d"], "zoe", "123.456"), (["e"], None, "9.9"),
    ]  # fmt: skip
    assert [r.get("user_properties") for r in requests] == [
        {"plan": {"value": "free"}}, {"plan": {"value": "pro"}}, None,
    ]  # fmt: skip
    anonymous, signed_in = _events(PAGE, {"en": "view_item"}, {"en": "add_to_cart_x", "uid": "z"})
    assert signed_in.occurred_at - anonymous.occurred_at == timedelta(microseconds=1), (
        "the place in the whole batch, across its requests"
    )


@pytest.mark.parametrize(
    ("text", "item"),
    [
        ("idA~nmShirt~brAcme~caTops~c2Tees~vaRed~pr9.99~qt3~cpSALE~ds1.5~lp2",
         {"item_id": "A", "item_name": "Shirt", "item_brand": "Acme", "item_category": "Tops",
          "item_category2": "Tees", "item_variant": "Red", "price": 9.99, "quantity": 3,
          "coupon": "SALE", "discount": 1.5, "index": 2}),
        ("idA~k0size~v0XL~k1fit~v1slim~k10color~v10red",
         {"item_id": "A", "size": "XL", "fit": "slim", "color": "red"}),
        ("idA~prfree~qt~zzunknown", {"item_id": "A", "price": "free", "quantity": ""}),
        ("idA~prnan~v0orphan", {"item_id": "A", "price": "nan"}),
    ],
)  # fmt: skip
def test_an_items_fields_and_its_own_parameters(text: str, item: dict[str, Any]) -> None:
    assert item_of(text) == item


def test_an_event_without_a_name_or_with_a_price_that_is_no_number_is_refused() -> None:
    nameless, priceless = _events(PAGE, {"ep.x": "1"}, {
        "en": "add_to_cart", "cu": "EUR", "pr1": "idSKU_1~prfree~qt1"})  # fmt: skip
    assert isinstance(nameless, Rejection)
    assert isinstance(priceless, CustomEvent | Rejection)
    assert not isinstance(priceless, AddToCartEvent), "no typed cart add without a price"


def test_a_first_visit_and_a_session_start_are_made_before_the_flagged_event() -> None:
    first, start, view, scroll = _events(PAGE, {"en": "page_view", "_fv": "1", "_ss": "1"},
                                         {"en": "scroll", "_ss": "0"})  # fmt: skip
    assert [e.event_type for e in (first, start, view, scroll)] == [
        "first_visit", "session_start", "page_view", "scroll",
    ], "as GA4 makes them; _ss=0 makes nothing"  # fmt: skip
    assert (start.session_id, start.properties["page_title"]) == ("1796558000", "Tee")
    assert [e.occurred_at - RECEIVED for e in (first, start, view, scroll)] == [
        timedelta(microseconds=n) for n in range(4)
    ], "each made event has its own place in the batch"
