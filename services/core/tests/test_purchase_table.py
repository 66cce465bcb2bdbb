"""Purchase logs as tables (an invoice file, an e-commerce clickstream, an orders
export) read as eventtide purchases: orders gathered from their lines, each refusal at
the line its order began on."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

import orjson
import pytest

from eventtide.core.events import PurchaseEvent, Rejection
from eventtide.core.events.contracts.export_files import exported_events, where
from eventtide.core.events.contracts.format_check import FormatProblemError, settle
from eventtide.core.events.contracts.table_rows import (
    TableHints,
    clock_of,
    given_columns,
    roles_of,
)

pytestmark = pytest.mark.unit

INVOICES = """\
InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country
536365,85123A,WHITE HANGING HEART T-LIGHT HOLDER,6,2010-12-01 08:26:00,2.55,17850.0,United Kingdom
536365,71053,WHITE METAL LANTERN,6,2010-12-01 08:26:00,3.39,17850.0,United Kingdom
536366,22633,"HAND WARMER, UNION JACK",6,2010-12-01 08:28:00,1.85,17850.0,United Kingdom
C536379,D,Discount,-1,2010-12-01 09:41:00,27.5,14527.0,United Kingdom
536414,22139,,56,2010-12-01 11:52:00,0.0,,United Kingdom
536370,22728,ALARM CLOCK BAKELIKE PINK,24,12/1/2010 8:45,3.75,12583,France
536370,22727,ALARM CLOCK BAKELIKE RED,24,12/1/2010 8:45,3.75,12583,France
"""
"""Invoice lines in the UCI Online Retail file's columns (written here, not copied):
two invoices of three lines, a cancellation, a line without a customer, and a
spreadsheet's US date."""


def _read(tmp_path: Path, name: str, text: str) -> list[tuple[str, Any]]:
    path = tmp_path / name
    path.write_text(text)
    return [(where(place), event) for place, event in exported_events(path, "purchases")]


def _order(event: Any) -> tuple[Any, ...]:
    assert isinstance(event, PurchaseEvent), event
    items = [(i.product_id, i.price, i.quantity) for i in event.properties.items]
    return event.user_id, event.properties.order_id, event.properties.amount, items


def test_an_invoice_file_gives_an_order_per_invoice_and_says_why_others_are_not(
    tmp_path: Path,
) -> None:
    read = _read(tmp_path, "online_retail.csv", INVOICES)
    assert [place for place, _ in read] == ["line 2", "line 4", "line 5", "line 6", "line 7"]
    assert _order(read[0][1]) == (
        "17850", "536365", 35.64, [("85123A", 2.55, 6), ("71053", 3.39, 6)]
    )  # fmt: skip
    assert _order(read[1][1]) == ("17850", "536366", 11.1, [("22633", 1.85, 6)])
    cancelled, nobody = read[2][1], read[3][1]
    assert isinstance(cancelled, Rejection)
    assert "quantity" in str(cancelled)
    assert isinstance(nobody, Rejection)
    assert "order 536414 has no customer: its CustomerID is empty" in nobody.message
    last = read[4][1]
    assert _order(last) == (
        "12583", "536370", 180.0, [("22728", 3.75, 24), ("22727", 3.75, 24)]
    )  # fmt: skip
    assert last.occurred_at == datetime(2010, 12, 1, 8, 45, tzinfo=UTC)
    assert last.context.country == "FR"
    assert last.properties.currency == "XXX", "the log names no currency"
    assert read[0][1].occurred_at == datetime(2010, 12, 1, 8, 26, tzinfo=UTC)


def test_a_clickstream_gives_its_purchases_alone(tmp_path: Path) -> None:
    read = _read(tmp_path, "events.csv", (
        "event_time,event_type,product_id,category_code,brand,price,user_id,user_session\n"
        "2019-10-01 00:00:00 UTC,view,44600062,,shiseido,35.79,541312140,s-1\n"
        "2019-10-01 00:02:14 UTC,purchase,1004856,electronics.smartphone,samsung,130.76,"
        "543272936,s-2\n"
        "2019-10-01 00:04:37 UTC,cart,1002544,electronics.smartphone,apple,460.51,550050854,s-3\n"
        "2019-10-01 00:05:00 UTC,purchase,1002544,electronics.smartphone,apple,460.51,"
        "550050854,s-3\n"
    ))  # fmt: skip
    assert [place for place, _ in read] == ["line 3", "line 5"]
    first, second = (event for _, event in read)
    assert _order(first)[::2] == ("543272936", 130.76)
    assert first.occurred_at == datetime(2019, 10, 1, 0, 2, 14, tzinfo=UTC)
    assert _order(second)[2:] == (460.51, [("1002544", 460.51, 1)])
    assert first.properties.order_id != second.properties.order_id, "a row each"


def test_an_orders_export_as_json_lines_with_totals(tmp_path: Path) -> None:
    rows = [
        {"order_id": "o-1", "customer_id": "c-1", "order_date": "2024-03-01T10:00:00Z",
         "total": 42.5, "currency": "eur"},
        {"order_id": "o-2", "customer_id": "c-2", "order_date": 1709290800, "total": "7"},
    ]  # fmt: skip
    read = _read(tmp_path, "orders.jsonl", "".join(orjson.dumps(r).decode() + "\n" for r in rows))
    first, second = (event for _, event in read)
    assert _order(first) == ("c-1", "o-1", 42.5, [("unknown", 42.5, 1)])
    assert first.properties.currency == "EUR"
    assert second.occurred_at == datetime(2024, 3, 1, 11, tzinfo=UTC)


def test_a_semicolon_export_with_decimal_commas(tmp_path: Path) -> None:
    read = _read(tmp_path, "sales.csv", (
        "Customer ID;Order Date;Order Number;Unit Price;Qty\n"
        "c-1;2024-03-01;n-1;12,50;2\n"
    ))  # fmt: skip
    assert _order(read[0][1]) == ("c-1", "n-1", 25.0, [("unknown", 12.5, 2)])
    spaced = _read(tmp_path, "spaced.csv", "Customer ID,Order Date,Order Total\nc-2,2024-03-01,9\n")
    assert _order(spaced[0][1])[::2] == ("c-2", 9.0), "names with more spaces than commas"


def test_a_table_without_customers_or_amounts_is_refused_with_what_it_lacks(
    tmp_path: Path,
) -> None:
    read = _read(tmp_path, "x.csv", "sku,when\np-1,2024-03-01\n")
    assert len(read) == 2
    assert isinstance(read[0][1], Rejection)
    assert "no column for the user (named like CustomerID, user_id" in read[0][1].message
    assert "amount (or price)" in read[0][1].message


@pytest.mark.parametrize(
    ("columns", "roles"),
    [
        (("InvoiceNo", "StockCode", "Description", "Quantity", "InvoiceDate", "UnitPrice",
          "CustomerID", "Country"),
         {"user": "CustomerID", "time": "InvoiceDate", "order": "InvoiceNo",
          "price": "UnitPrice", "quantity": "Quantity", "product": "StockCode",
          "country": "Country"}),
        (("event_time", "event_type", "product_id", "price", "user_id", "user_session"),
         {"user": "user_id", "time": "event_time", "price": "price", "product": "product_id",
          "kind": "event_type", "session": "user_session"}),
        (("order_id", "customer_id", "order_purchase_timestamp", "payment_value"),
         {"user": "customer_id", "time": "order_purchase_timestamp", "order": "order_id",
          "amount": "payment_value"}),
    ],
)  # fmt: skip
def test_columns_are_known_by_the_names_purchase_logs_give_them(
    columns: tuple[str, ...], roles: dict[str, str]
) -> None:
    assert roles_of(columns) == roles


def test_auto_knows_a_purchase_log() -> None:
    lines = [line.encode() for line in INVOICES.splitlines()]
    chosen, said = settle(lines, "auto", "online_retail.csv")
    assert chosen == "purchases"
    assert said is not None


def test_equal_rows_are_two_orders_and_a_second_reading_gives_the_same_ids(
    tmp_path: Path,
) -> None:
    text = "customer_id date number_of_cds dollar_value\n 00002 19970112  1   12.00\n" * 1
    text += " 00002 19970112  1   12.00\n"
    first = [event for _, event in _read(tmp_path, "cdnow.txt", text)]
    again = [event for _, event in _read(tmp_path, "cdnow.txt", text)]
    assert [_order(e)[::2] for e in first] == [("00002", 12.0)] * 2, "lined up with spaces"
    assert first[0].event_id != first[1].event_id
    assert [e.event_id for e in first] == [e.event_id for e in again]
    assert first[0].occurred_at == datetime(1997, 1, 12, tzinfo=UTC)


def test_columns_the_user_names_read_a_table_whose_names_say_nothing(tmp_path: Path) -> None:
    text = "Kunden-Nr;Rechnung;Datum;Preis;Menge\nk-1;r-1;2024-03-01;12,50;2\n"
    path = tmp_path / "rechnungen.csv"
    path.write_text(text)
    unnamed = [event for _, event in exported_events(path, "purchases")]
    assert isinstance(unnamed[0], Rejection)
    assert "no column for the user" in unnamed[0].message
    given = given_columns(["user=Kunden-Nr", "time = Datum", "order=Rechnung", "price=Preis",
                           "quantity=Menge"])  # fmt: skip
    (event,) = [event for _, event in exported_events(path, "purchases", hints=TableHints(given))]
    assert _order(event) == ("k-1", "r-1", 25.0, [("unknown", 12.5, 2)])
    wrong = [e for _, e in exported_events(path, "purchases", hints=TableHints({"user": "Kunde"}))]
    assert isinstance(wrong[0], Rejection)
    assert "no column 'Kunde' (for the user) in the table; its columns: Kunden-Nr," in (
        wrong[0].message
    )


@pytest.mark.parametrize(
    ("values", "said"),
    [
        (["user"], "give PART=COLUMN"),
        (["buyer=Kunde"], "'buyer' is not a part of an event: one of user, time"),
        (["user="], "give PART=COLUMN"),
    ],
)
def test_a_wrong_column_naming_says_what_to_give(values: list[str], said: str) -> None:
    with pytest.raises(ValueError, match=said):
        given_columns(values)


BASKETS = """\
household_key,BASKET_ID,DAY,PRODUCT_ID,QUANTITY,SALES_VALUE,STORE_ID,RETAIL_DISC,TRANS_TIME,WEEK_NO,COUPON_DISC,COUPON_MATCH_DISC
2375,26984851472,1,1004906,1,1.39,364,-0.6,1631,1,0,0
2375,26984851472,1,1033142,1,0.82,364,0,1631,1,0,0
2375,26984851472,1,1036325,0,0,364,0,1631,1,0,0
2375,26984851516,1,826249,2,1.98,364,-0.6,1642,1,0,0
1364,26984896261,2,842930,1,2.19,31742,0,5,1,0,0
1364,26984896262,711,842931,0,0,31742,0,1520,102,0,0
"""
"""Basket lines in the columns of dunnhumby's The Complete Journey (``transaction_data``,
written here, not copied): days numbered from 1, times of day as numbers, lines of
quantity 0."""


def test_day_numbers_are_days_from_the_day_one_the_user_gives(tmp_path: Path) -> None:
    path = tmp_path / "transaction_data.csv"
    path.write_text(BASKETS)
    read = [(where(p), e) for p, e in exported_events(path, "purchases", hints=TableHints(
        day_one=datetime(2020, 1, 1).date()))]  # fmt: skip
    assert [place for place, _ in read] == ["line 2", "line 5", "line 6", "line 7"]
    first, second, third, empty = (event for _, event in read)
    assert _order(first) == (
        "2375", "26984851472", 2.21, [("1004906", 1.39, 1), ("1033142", 0.82, 1)]
    ), "the line of quantity 0 adds nothing"  # fmt: skip
    assert first.occurred_at == datetime(2020, 1, 1, 16, 31, tzinfo=UTC)
    assert _order(second)[3] == [("826249", 0.99, 2)], "SALES_VALUE is the line's value"
    assert second.occurred_at == datetime(2020, 1, 1, 16, 42, tzinfo=UTC)
    assert third.occurred_at == datetime(2020, 1, 2, 0, 5, tzinfo=UTC), "TRANS_TIME 5 is 00:05"
    assert isinstance(empty, Rejection)
    assert "order 26984896262 has no items: its every QUANTITY is 0" in empty.message

    unsaid = [event for _, event in _read(tmp_path, "transaction_data.csv", BASKETS)]
    assert all(isinstance(event, Rejection) for event in unsaid)
    assert "its DAY is a day number, not a date: give --day-one DATE" in unsaid[0].message
    lines = [line.encode() for line in BASKETS.splitlines()]
    with pytest.raises(FormatProblemError, match=r"the first says: order .*give --day-one DATE"):
        settle(lines, "auto", "transaction_data.csv")
    assert (
        settle(lines, "auto", "transaction_data.csv", TableHints(day_one=date(2020, 1, 1)))[0]
        == "purchases"
    )


def test_a_time_column_is_read_before_day_numbers(tmp_path: Path) -> None:
    text = "customer_id,order_date,day,time_of_day,amount\nc-1,2024-03-01,7,1200,5\n"
    (event,) = [e for _, e in _read(tmp_path, "orders.csv", text)]
    assert event.occurred_at == datetime(2024, 3, 1, tzinfo=UTC), "day 7 of a month is no study day"
    assert roles_of(("household_key", "DAY", "TRANS_TIME"))["clock"] == "TRANS_TIME"


@pytest.mark.parametrize(
    ("text", "at"),
    [("1631", time(16, 31)), ("5", time(0, 5)), ("0", time(0)), ("16:31", time(16, 31)),
     ("7:05:09", time(7, 5, 9)), ("2400", None), ("1260", None), ("noon", None),
     ("12345", None), ("١٢", None)],
)  # fmt: skip
def test_a_time_of_day_is_read_from_a_number_or_a_clock(text: str, at: time | None) -> None:
    assert clock_of(text) == at


@pytest.mark.parametrize(
    ("day", "said"),
    [("x", "its DAY 'x' is not a day number"), ("-3", "is not a day number"),
     ("200000", "is not a day number"), ("99999", "past the last date there is")],
)  # fmt: skip
def test_a_day_that_is_no_day_number_is_refused_with_why(
    tmp_path: Path, day: str, said: str
) -> None:
    path = tmp_path / "days.csv"
    path.write_text(f"household_key,BASKET_ID,DAY,SALES_VALUE\n1,2,{day},3\n")
    hints = TableHints(day_one=datetime(9900, 1, 1).date())
    (refusal,) = [event for _, event in exported_events(path, "purchases", hints=hints)]
    assert isinstance(refusal, Rejection)
    assert said in refusal.message


def test_a_spreadsheets_macintosh_csv_ends_its_lines_with_carriage_returns(
    tmp_path: Path,
) -> None:
    lines = ["Customer ID,Order Date,Order Number,Unit Price,Qty", "c-1,2024-03-01,n-1,12.5,2",
             "c-2,2024-03-02,n-2,3,1"]  # fmt: skip
    read = _read(tmp_path, "mac.csv", "\r".join(lines) + "\r")
    assert [place for place, _ in read] == ["line 2", "line 3"]
    assert [_order(event)[:3] for _, event in read] == [("c-1", "n-1", 25.0), ("c-2", "n-2", 3.0)]
    unix = _read(tmp_path, "unix.csv", "\n".join(lines))
    assert [_order(event)[:3] for _, event in unix] == [_order(event)[:3] for _, event in read]


def test_a_quantity_that_counts_no_items_is_one_item_of_the_lines_value(tmp_path: Path) -> None:
    """A weight, or a fuel line's thousands in a log of amounts, is a measure; a count over
    the limit beside a unit price is still refused (a mistaken order, cancelled after)."""
    fuel = _read(tmp_path, "transaction_data.csv", (
        "household_key,BASKET_ID,PRODUCT_ID,QUANTITY,SALES_VALUE,date\n"
        "2375,26984851472,6534178,19834,40.00,2020-01-01T16:31:00Z\n"
        "2375,26984851472,1004906,2,1.38,2020-01-01T16:31:00Z\n"
    ))  # fmt: skip
    assert _order(fuel[0][1])[2:] == (41.38, [("6534178", 40.0, 1), ("1004906", 0.69, 2)])
    weighed = _read(tmp_path, "weighed.csv", (
        "customer_id,order_id,product_id,quantity,price,order_date\n"
        "7,9,apples,1.25,2.40,2020-01-01\n"
    ))  # fmt: skip
    assert _order(weighed[0][1])[2:] == (3.0, [("apples", 3.0, 1)])
    counted = _read(tmp_path, "online_retail.csv", (
        "InvoiceNo,StockCode,Quantity,InvoiceDate,UnitPrice,CustomerID\n"
        "581483,23843,80995,2011-12-09 09:15:00,2.08,16446\n"
    ))  # fmt: skip
    assert isinstance(counted[0][1], Rejection)
    assert counted[0][1].field == "properties.items.0.quantity"


def test_a_fashion_retailers_transactions_read_by_their_own_names(tmp_path: Path) -> None:
    """H&M's ``transactions_train.csv`` columns (written here): ``t_dat`` is the day."""
    read = _read(tmp_path, "transactions_train.csv", (
        "t_dat,customer_id,article_id,price,sales_channel_id\n"
        "2018-09-20,000058a12d5b43e67d225668fa1f8d618c13dc232df0cad8ffe7ad4a1091e318,"
        "0663713001,0.0508305084745762,2\n"
    ))  # fmt: skip
    (event,) = [event for _, event in read]
    user, _, amount, ((product, _, quantity),) = _order(event)
    assert (user[:6], amount, product, quantity) == ("000058", 0.050831, "0663713001", 1)
    assert event.occurred_at == datetime(2018, 9, 20, tzinfo=UTC)


@pytest.mark.parametrize(
    ("header", "row", "at"),
    [
        ("customer_id,trans_date,tran_amount", "CS5295,11-Feb-13,35", datetime(2013, 2, 11)),
        ("TRANSACTION_DT,CUSTOMER_ID,AGE_GROUP,PIN_CODE,PRODUCT_SUBCLASS,PRODUCT_ID,AMOUNT,"
         "ASSET,SALES_PRICE", "11/1/2000,01104905,45-49,115,110411,4710199010372,2,24,35",
         datetime(2000, 11, 1)),
        ("customer,date,amount", "7,11 February 2013,35", datetime(2013, 2, 11)),
        ("customer,date,amount", '7,"Feb 11, 2013",35', datetime(2013, 2, 11)),
    ],
)  # fmt: skip
def test_public_logs_dates_and_names_read(
    tmp_path: Path, header: str, row: str, at: datetime
) -> None:
    """A retail transactions set's ``trans_date`` with the month named; Ta-Feng's
    ``TRANSACTION_DT``, whose ``SALES_PRICE`` is the line's (its ``AMOUNT`` counts items)."""
    ((_, event),) = _read(tmp_path, "log.csv", f"{header}\n{row}\n")
    assert event.occurred_at == at.replace(tzinfo=UTC)
    assert event.properties.amount == 35.0


def test_an_order_whose_status_says_no_sale_is_refused_saying_so(tmp_path: Path) -> None:
    read = _read(tmp_path, "orders.csv", (
        "order_id,customer_id,order_status,order_purchase_timestamp,price\n"
        "o1,c1,delivered,2017-10-02 10:56:33,29.99\n"
        "o2,c2,canceled,2017-10-03 10:56:33,10\n"
        "o3,c3,Cancelled,2017-10-04 10:56:33,10\n"
        "o4,c4,unavailable,2017-10-05 10:56:33,10\n"
        "o5,c5,shipped,2017-10-06 10:56:33,12\n"
    ))  # fmt: skip
    kept = [event.properties.order_id for _, event in read if isinstance(event, PurchaseEvent)]
    assert kept == ["o1", "o5"]
    refusals = [event.message for _, event in read if isinstance(event, Rejection)]
    assert "order o2 is no sale: its order_status is 'canceled'" in refusals[0]
    assert len(refusals) == 3
