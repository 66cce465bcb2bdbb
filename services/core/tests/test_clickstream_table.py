"""Clickstreams as tables (a store's views, carts and purchases; a shop's views,
add-to-carts and transactions) read as eventtide events, typed where a row's kind means
one, custom otherwise."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import pytest

from eventtide.core.events import (
    AddToCartEvent,
    CustomEvent,
    PageViewEvent,
    PurchaseEvent,
    Rejection,
    RemoveFromCartEvent,
)
from eventtide.core.events.contracts.export_files import exported_events, where
from eventtide.core.events.contracts.format_check import settle

pytestmark = pytest.mark.unit

STORE = """\
event_time,event_type,product_id,category_id,category_code,brand,price,user_id,user_session
2019-10-01 00:00:00 UTC,view,44600062,2103807459595387724,,shiseido,35.79,541312140,s-1
2019-10-01 00:00:05 UTC,cart,44600062,2103807459595387724,,shiseido,35.79,541312140,s-1
2019-10-01 00:00:09 UTC,remove_from_cart,44600062,2103807459595387724,,shiseido,35.79,541312140,s-1
2019-10-01 00:02:14 UTC,purchase,1004856,20530135556,electronics.phone,acme,130.76,543272936,s-2
"""
"""Rows in the columns of a multi-category store's public clickstream (written here)."""
SHOP = """\
timestamp,visitorid,event,itemid,transactionid
1433221332117,257597,view,355908,
1433221999827,111016,addtocart,5411,
1433222276276,111016,transaction,5411,9725
"""
"""Rows in the columns of a shop's public clickstream without prices (written here)."""


def _read(tmp_path: Path, name: str, text: str) -> list[tuple[str, Any]]:
    path = tmp_path / name
    path.write_text(text)
    return [(where(place), event) for place, event in exported_events(path, "clickstream")]


def test_a_stores_views_carts_and_purchases_are_typed_events(tmp_path: Path) -> None:
    events = [event for _, event in _read(tmp_path, "2019-Oct.csv", STORE)]
    view, cart, removal, order = events
    assert isinstance(view, PageViewEvent)
    assert view.user_id == "541312140"
    assert view.session_id == "s-1"
    assert view.occurred_at == datetime(2019, 10, 1, tzinfo=UTC)
    assert view.properties.extra == {"product_id": "44600062", "category_id":
                                     "2103807459595387724", "brand": "shiseido",
                                     "price": "35.79"}  # fmt: skip
    assert isinstance(cart, AddToCartEvent)
    assert (cart.properties.product_id, cart.properties.price, cart.properties.quantity) == (
        "44600062", 35.79, 1)  # fmt: skip
    assert cart.properties.currency == "XXX"
    assert cart.properties.extra == {"category_id": "2103807459595387724", "brand": "shiseido"}
    assert isinstance(removal, RemoveFromCartEvent)
    assert (removal.properties.extra or {}).get("price") == "35.79"
    assert isinstance(order, PurchaseEvent)
    assert order.properties.amount == 130.76
    assert [i.product_id for i in order.properties.items] == ["1004856"]
    assert order.session_id == "s-2"


def test_a_shops_rows_without_prices_are_custom_events_of_their_kind(tmp_path: Path) -> None:
    view, cart, transaction = (event for _, event in _read(tmp_path, "events.csv", SHOP))
    assert isinstance(view, PageViewEvent)
    assert view.occurred_at == datetime(2015, 6, 2, 5, 2, 12, 117000, tzinfo=UTC)
    assert view.properties.extra == {"itemid": "355908"}
    assert isinstance(cart, CustomEvent)
    assert cart.event_type == "addtocart"
    assert cart.properties == {"itemid": "5411"}
    assert isinstance(transaction, CustomEvent)
    assert transaction.event_type == "transaction"
    assert transaction.properties == {"itemid": "5411", "transactionid": "9725"}
    removal = _read(tmp_path, "more.csv", "timestamp,visitorid,event,itemid\n"
                    "1433222276276,111016,removefromcart,5411\n")[0][1]  # fmt: skip
    assert isinstance(removal, RemoveFromCartEvent), "no price needed"
    assert (removal.properties.product_id, removal.properties.quantity) == ("5411", 1)


def test_a_typed_kind_whose_row_does_not_fit_keeps_its_door(tmp_path: Path) -> None:
    rows = [{"user_id": "u-1", "event_time": "2024-03-01T10:00:00Z", "event": "purchase",
             "sku": "p-1"},
            {"user_id": "u-1", "event_time": 1709287200, "event": "Newsletter Opened"}]  # fmt: skip
    text = "".join(orjson.dumps(row).decode() + "\n" for row in rows)
    unpriced, other = (event for _, event in _read(tmp_path, "log.jsonl", text))
    assert isinstance(unpriced, CustomEvent)
    assert unpriced.event_type == "clickstream:purchase"
    assert isinstance(other, CustomEvent)
    assert other.event_type == "Newsletter Opened"
    assert other.occurred_at == datetime(2024, 3, 1, 10, tzinfo=UTC)


def test_rows_without_a_user_a_time_or_a_kind_are_refused_with_why(tmp_path: Path) -> None:
    read = _read(tmp_path, "events.csv", (
        "timestamp,visitorid,event,itemid\n"
        "1433221332117,,view,1\n"
        "yesterday,257597,view,1\n"
        "1433221332117,257597,,1\n"
    ))  # fmt: skip
    assert [place for place, _ in read] == ["line 2", "line 3", "line 4"]
    reasons = [event.message for _, event in read]
    assert reasons == [
        "the row has no user: its visitorid is empty",
        "the row has no time: its timestamp 'yesterday' is not a time",
        "the row has no kind of event: its event is empty",
    ]
    lacking = _read(tmp_path, "orders.csv", "customer_id,order_date,amount\nc-1,2024-03-01,5\n")
    assert isinstance(lacking[0][1], Rejection)
    assert "no column for the kind (named like event_type, event)" in lacking[0][1].message


def test_equal_rows_are_two_events_and_a_second_reading_gives_the_same_ids(
    tmp_path: Path,
) -> None:
    text = "timestamp,visitorid,event,itemid\n" + "1433221332117,257597,view,1\n" * 2
    first = [event.event_id for _, event in _read(tmp_path, "a.csv", text)]
    again = [event.event_id for _, event in _read(tmp_path, "a.csv", text)]
    assert len(set(first)) == 2
    assert first == again


def test_auto_takes_a_clickstream_for_one_and_an_invoice_file_for_purchases() -> None:
    store = [line.encode() for line in STORE.splitlines()]
    assert settle(store, "auto", "2019-Oct.csv")[0] == "clickstream"
    invoices = [b"InvoiceNo,Quantity,InvoiceDate,UnitPrice,CustomerID",
                b"536365,6,2010-12-01 08:26:00,2.55,17850"]  # fmt: skip
    assert settle(invoices, "auto", "retail.csv")[0] == "purchases"
