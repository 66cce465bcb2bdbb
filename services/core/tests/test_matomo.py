"""Matomo's Tracking HTTP API requests, as Matomo's reference documents their parameters,
read as events: each kind of action, the visitor and the user linked, times and context."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from eventtide.core.events import (
    CustomEvent,
    IdentifyEvent,
    LoginEvent,
    PageViewEvent,
    PurchaseEvent,
    Rejection,
    SearchEvent,
)
from eventtide.core.events.contracts import to_event
from eventtide.core.events.contracts.common import POSITION, with_id
from eventtide.core.events.contracts.matomo import (
    from_matomo,
    link_event,
    records_nothing,
)

pytestmark = pytest.mark.unit

RECEIVED = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
VISITOR = {"idsite": "3", "rec": "1", "_id": "0123456789abcdef", "rand": "4711",
           "url": "https://shop.example/p/tee?ref=mail", "lang": "de-DE,de;q=0.9",
           "ua": "Mozilla/5.0", "res": "1280x720", "token_auth": "s3cret",
           "cip": "10.0.0.7"}  # fmt: skip


def _event(**params: Any) -> Any:
    message = {**VISITOR, **params}
    return to_event(with_id(from_matomo(message, received_at=RECEIVED), uuid.uuid4()))


def test_a_page_view_with_its_page_language_and_what_else_was_sent() -> None:
    view = _event(action_name="Tee", urlref="https://www.google.com/", dimension1="blue")
    assert isinstance(view, PageViewEvent)
    assert (view.user_id, view.properties.title) == ("0123456789abcdef", "Tee")
    assert (view.context.page, view.context.referrer, view.context.country) == (
        "/p/tee", "https://www.google.com/", "DE",
    )  # fmt: skip
    assert view.context.platform == "web"
    assert view.occurred_at == RECEIVED, "no cdt: the receipt"
    kept = view.properties.extra["$matomo"]
    assert kept == {"idsite": "3", "res": "1280x720", "dimension1": "blue"}, (
        "the rest kept, without the secret, the IP address and the noise"
    )


def test_an_order_is_a_purchase_of_its_items_in_no_named_currency() -> None:
    order = _event(uid="zoe", idgoal="0", ec_id="O-1", revenue="30.5",
                   ec_items='[["SKU1","Tee","Tops",12.5,2],["SKU2","Mug","",5.5,1]]')  # fmt: skip
    assert isinstance(order, PurchaseEvent)
    assert (order.user_id, order.properties.order_id, order.properties.amount) == (
        "zoe", "O-1", 30.5,
    )  # fmt: skip
    assert [(i.product_id, i.price, i.quantity) for i in order.properties.items] == [
        ("SKU1", 12.5, 2), ("SKU2", 5.5, 1),
    ]  # fmt: skip
    assert order.properties.currency == "XXX", "Matomo's currency is the site's, not sent"


@pytest.mark.parametrize(
    ("params", "name", "properties"),
    [
        ({"idgoal": "0", "ec_items": '[["SKU1","Tee","Tops",12.5,2]]', "revenue": "25"},
         "cart_update", {"items": [{"sku": "SKU1", "name": "Tee", "category": "Tops",
                                    "price": 12.5, "quantity": 2}], "revenue": 25}),
        ({"idgoal": "3", "revenue": "10"}, "goal", {"goal_id": "3", "revenue": 10}),
        ({"e_c": "Video", "e_a": "Play", "e_n": "Intro", "e_v": "12.5"}, "Play",
         {"category": "Video", "name": "Intro", "value": 12.5}),
        ({"link": "https://x.example/"}, "outlink", {"url": "https://x.example/"}),
        ({"download": "https://x.example/a.pdf"}, "download", {"url": "https://x.example/a.pdf"}),
        ({"c_n": "Banner", "c_p": "img.png", "c_t": "/sale"}, "content_impression",
         {"name": "Banner", "piece": "img.png", "target": "/sale"}),
        ({"c_n": "Banner", "c_i": "click"}, "content_interaction",
         {"name": "Banner", "interaction": "click"}),
        ({"search": "mugs", "search_cat": "home"}, "matomo:search",
         {"query": "mugs", "category": "home"}),
    ],
)  # fmt: skip
def test_each_kind_of_action_is_its_custom_event(
    params: dict[str, str], name: str, properties: dict[str, Any]
) -> None:
    event = _event(**params)
    assert isinstance(event, CustomEvent), event
    assert event.event_type == name
    assert {k: v for k, v in event.properties.items() if k != "$matomo"} == properties


def test_a_search_without_a_category_and_an_event_named_like_a_typed_one() -> None:
    search = _event(search="mugs", search_count="4")
    assert isinstance(search, SearchEvent)
    assert (search.properties.query, search.properties.results_count) == ("mugs", 4)
    login = _event(e_c="Auth", e_a="login")
    assert isinstance(login, LoginEvent), "the shared typed-name rule"
    assert login.properties.extra["category"] == "Auth"


def test_the_visitor_and_the_user_are_linked_and_a_ping_records_nothing() -> None:
    signed_in = {**VISITOR, "uid": "zoe", "cid": "fedcba9876543210"}
    pair, link = link_event(signed_in)
    assert pair == ("fedcba9876543210", "zoe"), "cid before _id"
    made = to_event(with_id(from_matomo(link, received_at=RECEIVED), uuid.uuid4()))
    assert isinstance(made, IdentifyEvent)
    assert (made.user_id, made.properties.anonymous_id) == ("zoe", "fedcba9876543210")
    assert link_event(VISITOR) is None
    assert records_nothing({**VISITOR, "ping": "1"})
    assert not records_nothing(VISITOR)


def test_times_from_cdt_else_the_receipt_in_the_order_of_a_bulk_request() -> None:
    at = _event(cdt="1796558400")
    assert at.occurred_at == datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
    assert _event(cdt="2026-12-06 11:00:00").occurred_at == datetime(2026, 12, 6, 11, tzinfo=UTC)
    assert _event(**{POSITION: 3}).occurred_at == RECEIVED + timedelta(microseconds=3)
    assert _event(cdt="yesterday").occurred_at == RECEIVED, "unreadable: the receipt"


def test_an_action_without_a_visitor_or_user_is_refused() -> None:
    refused = to_event(with_id(from_matomo({"idsite": "1", "url": "https://a.b/"},
                                           received_at=RECEIVED), uuid.uuid4()))  # fmt: skip
    assert isinstance(refused, Rejection)
    assert refused.field == "user_id"
