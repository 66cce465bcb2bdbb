"""A shop's tables (orders, their lines, their customers) read as the one purchase log
they stand for, joined by what their columns are and the columns they share."""

from __future__ import annotations

import tempfile
import zipfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from eventtide.core.events import PurchaseEvent, Rejection
from eventtide.core.events.contracts.export_files import (
    exported_events,
    first_lines,
    joined_note,
    where,
)
from eventtide.core.events.contracts.format_check import settle
from eventtide.core.events.contracts.purchase_join import Table, plan

pytestmark = pytest.mark.unit

ORDERS = """\
order_id,customer_id,order_status,order_purchase_timestamp,order_approved_at
o1,c1,delivered,2017-10-02 10:56:33,2017-10-02 11:07:15
o2,c2,delivered,2018-07-24 20:41:37,
o3,c3,canceled,2018-08-08 08:38:49,2018-08-08 08:55:23
o4,c9,delivered,2018-02-13 21:18:39,2018-02-13 22:20:29
"""
ITEMS = """\
order_id,order_item_id,product_id,seller_id,shipping_limit_date,price,freight_value
o1,1,p1,s1,2017-10-06 11:07:15,29.99,8.72
o2,1,p2,s2,2018-07-30 03:24:27,118.70,22.76
o2,2,p3,s2,2018-07-30 03:24:27,10.00,22.76
o4,1,p4,s3,2018-02-19 20:31:37,45.00,27.20
"""
CUSTOMERS = """\
customer_id,customer_unique_id,customer_zip_code_prefix,customer_city,customer_state
c1,u1,03149,sao paulo,SP
c2,u2,47813,barreiras,BA
c3,u1,75265,vianopolis,GO
"""
PAYMENTS = """\
order_id,payment_sequential,payment_type,payment_installments,payment_value
o1,1,credit_card,1,38.71
o2,1,boleto,1,141.46
"""
PRODUCTS = "product_id,product_category_name,product_weight_g\np1,utilidades,500\n"
"""Tables in the columns of a public e-commerce data set's (Olist's) files, written here:
four orders, one of two items, one canceled without items, one of a customer the
customers table does not list; the customers table gives c1 and c3 one person."""


def _shop(folder: Path, **tables: str) -> Path:
    folder.mkdir()
    for name, text in tables.items():
        (folder / f"{name}.csv").write_text(text)
    return folder


def _read(path: Path) -> list[tuple[str, Any]]:
    """Each order's event or refusal at its line, in the orders' order (an order is given
    when the next begins, a refusal of the join at once)."""
    read = sorted(exported_events(path, "purchases"), key=lambda placed: placed[0])
    return [(where(place), event) for place, event in read]


def _order(event: Any) -> tuple[Any, ...]:
    assert isinstance(event, PurchaseEvent), event
    items = [(i.product_id, i.price, i.quantity) for i in event.properties.items]
    return event.user_id, event.properties.order_id, event.properties.amount, items


def test_orders_take_their_items_and_their_customers_person(tmp_path: Path) -> None:
    shop = _shop(tmp_path / "shop", orders=ORDERS, items=ITEMS, customers=CUSTOMERS,
                 payments=PAYMENTS, products=PRODUCTS)  # fmt: skip
    read = _read(shop)
    assert [place for place, _ in read] == [
        "orders.csv line 2", "orders.csv line 3", "orders.csv line 4", "orders.csv line 5"
    ]  # fmt: skip
    assert _order(read[0][1]) == ("u1", "o1", 29.99, [("p1", 29.99, 1)])
    assert _order(read[1][1]) == ("u2", "o2", 128.7, [("p2", 118.7, 1), ("p3", 10.0, 1)])
    canceled = read[2][1]
    assert isinstance(canceled, Rejection)
    assert "order 'o3' has no line in items.csv" in canceled.message
    assert _order(read[3][1])[:2] == ("c9", "o4"), "a customer not listed keeps its id"
    assert read[1][1].occurred_at.isoformat() == "2018-07-24T20:41:37+00:00"
    note = joined_note(shop, "purchases")
    assert note is not None
    assert (
        "orders from orders.csv, their lines from items.csv by order_id, each customer_id "
        "as its customer_unique_id from customers.csv"
    ) in note
    assert joined_note(shop, "segment") is None


def test_a_zip_of_the_tables_reads_as_the_folder(tmp_path: Path) -> None:
    shop = _shop(tmp_path / "shop", orders=ORDERS, items=ITEMS, customers=CUSTOMERS)
    archive = tmp_path / "archive.zip"
    with zipfile.ZipFile(archive, "w") as packed:
        for table in shop.iterdir():
            packed.write(table, table.name)
    folder = [(p, getattr(e, "properties", e)) for p, e in _read(shop)]
    zipped = [(p, getattr(e, "properties", e)) for p, e in _read(archive)]
    assert zipped == folder


def test_auto_reads_the_tables_as_purchases_joined(tmp_path: Path) -> None:
    shop = _shop(tmp_path / "shop", orders=ORDERS, items=ITEMS, customers=CUSTOMERS)
    sample = first_lines(shop, 100)
    header = (
        "order_id,customer_unique_id,order_status,order_purchase_timestamp,order_approved_at,"
        "order_item_id,product_id,seller_id,shipping_limit_date,price,freight_value\n"
    )
    assert sample[0] == ("orders.csv", header.encode()), "the person's id for the orders'"
    chosen, _ = settle(sample, "auto", str(shop))
    assert chosen == "purchases"


def test_without_items_the_payments_are_the_orders_amounts(tmp_path: Path) -> None:
    shop = _shop(tmp_path / "shop", orders=ORDERS, payments=PAYMENTS)
    read = _read(shop)
    assert [event.properties.amount for _, event in read[:2]] == [38.71, 141.46]
    assert read[0][1].user_id == "c1", "no customers table: the orders' ids"


def test_orders_with_amounts_take_only_their_customers_person(tmp_path: Path) -> None:
    shop = _shop(tmp_path / "shop", invoices=(
        "InvoiceDate,CustomerID,amount\n2018-01-02,c1,10\n2018-01-03,c3,20\n"
    ), people="CustomerID,customer_unique_id\nc1,u1\nc3,u1\n")  # fmt: skip
    read = _read(shop)
    assert [(e.user_id, e.properties.amount) for _, e in read] == [("u1", 10.0), ("u1", 20.0)]


def test_an_unclosed_quote_at_the_orders_end_is_refused_not_lost(tmp_path: Path) -> None:
    shop = _shop(tmp_path / "shop", orders=ORDERS + 'o5,"c1,delivered,2018-01-01 00:00:00,\n',
                 items=ITEMS)  # fmt: skip
    last = _read(shop)[-1]
    assert last[0] == "orders.csv line 6"
    assert isinstance(last[1], Rejection)
    assert "never closes" in last[1].message


def _table(name: str, header: str) -> Table:
    return Table(name, tuple(header.split(",")))


def test_the_plan_joins_only_what_makes_one_log() -> None:
    orders = _table("orders.csv", ORDERS.splitlines()[0])
    items = _table("items.csv", ITEMS.splitlines()[0])
    payments = _table("payments.csv", PAYMENTS.splitlines()[0])
    customers = _table("customers.csv", CUSTOMERS.splitlines()[0])
    found = plan([payments, customers, items, orders])
    assert found is not None
    assert (found.orders, found.lines, found.people, found.person) == (
        orders,
        items,
        customers,
        "customer_unique_id",
    ), "prices (an order's items) before amounts (its payments)"
    assert plan([orders]) is None, "one table is read as it is"
    assert plan([orders, _table("products.csv", PRODUCTS.splitlines()[0])]) is None
    invoices = _table("invoices.csv", "InvoiceNo,InvoiceDate,UnitPrice,CustomerID")
    assert plan([invoices, items]) is None, "a log with prices needs no lines"
    assert plan([orders, invoices, items]) is None, "two logs are read each as it is"
    events = _table("events.csv", "user_id,event_time,order_id")
    assert plan([events, _table("tracks.csv", "user_id,timestamp,event")]) is None
    people_only = plan([invoices, _table("people.csv", "CustomerID,Customer Unique ID")])
    assert people_only is not None
    assert (people_only.lines, people_only.person) == (None, "Customer Unique ID")
    accounts = _table("users.csv", "user_id,account_id,email")
    assert plan([_table("orders.csv", "user_id,created_at,amount"), accounts]) is None, (
        "an account is not its users' other id"
    )


SHOP_COLUMNS = ("order_id", "customer_id", "customer_unique_id", "order_purchase_timestamp",
                "price", "payment_value", "product_id", "quantity", "user_id", "date")  # fmt: skip
"""Column names the join reads, and names that make a table a log of its own."""


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    tables=st.lists(
        st.tuples(
            st.lists(st.sampled_from(SHOP_COLUMNS), min_size=1, max_size=5, unique=True),
            st.lists(st.lists(st.sampled_from(("o1", "c1", "u1", "", "2018-01-01", "x", "9.5",
                                               '"', "-3", "1e400")), min_size=1, max_size=6),
                     max_size=4),
        ),
        min_size=1, max_size=4,
    )
)  # fmt: skip
def test_any_folder_of_tables_reads_as_events_or_refusals(
    tables: list[tuple[list[str], list[list[str]]]],
) -> None:
    """Whatever the tables (wrong widths, stray quotes, numbers too large), the join and
    the reading give events or refusals, never an exception."""
    with tempfile.TemporaryDirectory() as folder:
        for number, (header, rows) in enumerate(tables):
            lines = [",".join(header), *(",".join(row) for row in rows)]
            (Path(folder) / f"t{number}.csv").write_text("\n".join(lines) + "\n")
        first_lines(Path(folder), 100)
        for _, event in exported_events(Path(folder), "purchases"):
            assert isinstance(event, PurchaseEvent | Rejection)
