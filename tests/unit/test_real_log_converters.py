"""bench/ml/real_logs.py's converters: public purchase logs become valid eventtide purchases."""

from __future__ import annotations

import csv
import io
from collections import Counter
from pathlib import Path

import pytest

from bench.ml.real_logs import cdnow_events, online_retail_events, write_jsonl
from eventtide.ml.sources import read_file

pytestmark = pytest.mark.unit

CDNOW = """\
 customer_id  date number_of_cds  dollar_value
 00001 19970101  1   11.77
 00002 19970112  1   12.00
 00002 19970112  5   77.00
"""

RETAIL = """\
InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country
536365,85123A,"WHITE HANGING HEART T-LIGHT HOLDER",6,2010-12-01 08:26:00,2.55,17850.0,United Kingdom
536365,71053,WHITE METAL LANTERN,6,2010-12-01 08:26:00,3.39,17850.0,United Kingdom
536366,22633,HAND WARMER UNION JACK,6,2010-12-01 08:28:00,1.85,,United Kingdom
C536379,D,Discount,-1,2010-12-01 09:41:00,27.5,14527.0,United Kingdom
536380,22961,JAM MAKING SET PRINTED,24,2010-12-01 09:41:00,1.45,17809.0,United Kingdom
536381,22139,RETROSPOT TEA SET,0,2010-12-01 09:45:00,4.25,15311.0,United Kingdom
536382,10002,FREE GIFT,4,2010-12-01 09:45:00,0.0,16098.0,United Kingdom
541431,23166,MEDIUM CERAMIC TOP STORAGE JAR,74215,2011-01-18 10:01:00,1.04,12346.0,United Kingdom
"""


def _accepted(events: list[dict[str, object]], tmp_path: Path) -> int:
    path = tmp_path / "events.jsonl"
    write_jsonl(events, path)
    log, report = read_file(path)
    assert report.rejected == 0, report.first_rejections
    return len(log)


def test_each_cdnow_line_is_one_valid_purchase_at_noon(tmp_path):
    events = list(cdnow_events(io.StringIO(CDNOW)))
    assert [e["user_id"] for e in events] == ["00001", "00002", "00002"]
    assert events[2]["properties"]["amount"] == 77.0  # type: ignore[index]
    assert events[0]["occurred_at"] == "1997-01-01T12:00:00+00:00"
    assert len({e["event_id"] for e in events}) == 3  # same day, same customer: two orders
    assert _accepted(events, tmp_path) == 3


def test_each_retail_invoice_is_one_purchase_and_the_left_out_lines_are_counted(tmp_path):
    skipped: Counter[str] = Counter()
    events = list(online_retail_events(csv.reader(io.StringIO(RETAIL)), skipped))
    assert [e["properties"]["order_id"] for e in events] == ["536365", "536380", "541431"]  # type: ignore[index]
    first = events[0]["properties"]
    assert len(first["items"]) == 2  # type: ignore[index]
    assert first["amount"] == round(6 * 2.55 + 6 * 3.39, 2)  # type: ignore[index]
    assert events[0]["user_id"] == "17850"
    assert events[2]["properties"]["items"][0]["quantity"] == 10_000  # type: ignore[index]
    assert skipped == {"no customer": 1, "cancellation or return": 2, "zero price": 1}
    assert _accepted(events, tmp_path) == 3


def test_online_retail_ii_and_spreadsheet_dates_are_read_too():
    """The 2009-2011 release names its columns differently and a spreadsheet export
    writes dates as month/day/year; both give the same purchase."""
    text = (
        "Invoice,StockCode,Description,Quantity,InvoiceDate,Price,Customer ID,Country\n"
        "489434,85048,15CM CHRISTMAS GLASS BALL 20 LIGHTS,12,12/1/2009 7:45,6.95,13085,"
        "United Kingdom\n"
    )
    skipped: Counter[str] = Counter()
    (event,) = online_retail_events(csv.reader(io.StringIO(text)), skipped)
    assert event["user_id"] == "13085"
    assert event["occurred_at"] == "2009-12-01T07:45:00+00:00"
    assert event["properties"]["amount"] == round(12 * 6.95, 2)  # type: ignore[index]
    assert not skipped
