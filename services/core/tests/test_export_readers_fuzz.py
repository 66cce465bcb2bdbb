"""No export line, however malformed, stops an import: every reader gives events or
refusals for any JSON object, and every line decoder for any line.

Real exports are messy (a field of another type, a number too large for a date, a
nested record where text was expected); a reader that raised would end the whole import
at that line. The objects are built from each format's own field names with any JSON
values, nested the way the formats nest them, so the readers' paths are reached.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from json_strategies import SCALARS, records

from eventtide.core.events import Rejection
from eventtide.core.events.contracts import EXPORT_READERS, export_members, line_decoder, to_event
from eventtide.core.events.contracts.exports import Held
from eventtide.core.events.envelope import Envelope

pytestmark = [pytest.mark.unit, pytest.mark.no_cover]  # hypothesis under the tracer: twice as long

IMPORTED = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
FIELDS: dict[str, tuple[str, ...]] = {
    "segment": ("type", "userId", "anonymousId", "event", "properties", "traits", "context",
                "timestamp", "originalTimestamp", "sentAt", "receivedAt", "messageId",
                "previousId", "groupId", "name", "products", "page"),
    "posthog": ("event", "distinct_id", "uuid", "timestamp", "created_at", "properties",
                "set", "set_once", "$set", "$anon_distinct_id", "$current_url"),
    "mixpanel": ("event", "properties", "time", "distinct_id", "$insert_id", "$anon_id",
                 "$identified_id", "$user_id", "$device_id", "$distinct_ids", "alias",
                 "$current_url", "mp_country_code"),
    "amplitude": ("event_type", "user_id", "device_id", "event_time", "server_received_time",
                  "session_id", "$insert_id", "insert_id", "uuid", "event_properties",
                  "user_properties", "platform", "os_name", "country", "language"),
    "ga4": ("event_name", "event_timestamp", "event_params", "user_id", "user_pseudo_id",
            "platform", "device", "geo", "ecommerce", "items", "key", "value",
            "string_value", "int_value", "double_value", "item_id", "price", "quantity"),
    "universal-analytics": (
        "fullVisitorId", "userId", "visitId", "visitStartTime", "date", "hits", "device",
        "geoNetwork", "hitNumber", "time", "type", "page", "pagePath", "pageTitle",
        "eventInfo", "eventAction", "eventCategory", "eventValue", "eCommerceAction",
        "action_type", "step", "product", "productSKU", "productPrice", "productQuantity",
        "isImpression", "productListName", "transaction", "transactionId",
        "transactionRevenue", "localTransactionRevenue", "currencyCode", "item",
        "itemRevenue", "itemQuantity", "refund", "refundAmount", "appInfo", "screenName",
        "dataSource", "operatingSystem", "deviceCategory", "country", "language"),
    "snowplow": ("event", "event_id", "collector_tstamp", "derived_tstamp", "dvce_created_tstamp",
                 "domain_userid", "user_id", "network_userid", "domain_sessionid", "page_url",
                 "unstruct_event", "contexts", "se_category", "se_action", "tr_orderid",
                 "ti_sku", "geo_country", "br_lang", "platform"),
    "purchases": ("CustomerID", "InvoiceDate", "InvoiceNo", "UnitPrice", "Quantity",
                  "StockCode", "Country", "currency", "amount", "event_type", "order_status"),
    "clickstream": ("user_id", "event_time", "event_type", "user_session", "product_id",
                    "price", "quantity", "transactionid", "currency", "country"),
}  # fmt: skip
"""Each format's field names (the readers' own and their nested records'; a table's
columns)."""


def _rows(file_format: str) -> st.SearchStrategy[dict[str, Any]]:
    """Rows of any fields, and rows shaped like the format's nested ones (a session's
    hits, an event's parameter rows) so the readers' inner paths are reached too."""
    anything = records(FIELDS[file_format])
    several = st.lists(anything, max_size=4)
    hit = st.fixed_dictionaries(
        {"type": SCALARS, "time": SCALARS, "product": several,
         "eCommerceAction": st.fixed_dictionaries({"action_type": SCALARS})}
    )  # fmt: skip
    hits = st.lists(st.builds(lambda a, b: {**a, **b}, anything, hit), max_size=4)
    shaped = {
        "universal-analytics": st.fixed_dictionaries(
            {"fullVisitorId": SCALARS, "visitStartTime": SCALARS, "hits": hits}
        ),
        "ga4": st.fixed_dictionaries(
            {"event_name": SCALARS, "event_timestamp": SCALARS, "items": several,
             "event_params": st.lists(st.fixed_dictionaries(
                 {"key": SCALARS, "value": st.dictionaries(
                     st.sampled_from(["string_value", "int_value", "double_value"]), SCALARS)}
             ), max_size=4)}
        ),
    }  # fmt: skip
    if file_format not in shaped:
        return anything
    merged: st.SearchStrategy[dict[str, Any]] = st.builds(
        lambda a, b: {**a, **b}, anything, shaped[file_format]
    )
    return st.one_of(anything, merged)


@pytest.mark.parametrize("file_format", sorted(EXPORT_READERS))
def test_every_reader_gives_events_or_refusals_for_any_row(file_format: str) -> None:
    """Each row goes the import's way: its file's decoder, then the format's reader."""

    @settings(max_examples=70, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.lists(_rows(file_format), min_size=1, max_size=3))
    def check(rows: list[dict[str, Any]]) -> None:
        decode = line_decoder(file_format, "export.json")
        decoded = [decode(orjson.dumps(row)) for row in rows]
        finish = getattr(decode, "finish", None)
        decoded.append(None if finish is None else finish())
        for message in decoded:
            value = message.value if isinstance(message, Held) else message
            if not isinstance(value, dict):
                continue
            for mapped in EXPORT_READERS[file_format](value, IMPORTED):
                assert isinstance(to_event(mapped), Envelope | Rejection)

    check()


@pytest.mark.parametrize("file_format", sorted(EXPORT_READERS))
def test_every_line_decoder_reads_any_lines(file_format: str) -> None:
    header = ",".join(FIELDS[file_format])

    @settings(max_examples=60, deadline=None)
    @given(st.lists(st.one_of(st.binary(max_size=60), st.text(max_size=60).map(str.encode),
                              st.just(header.encode())), max_size=6))  # fmt: skip
    def check(lines: list[bytes]) -> None:
        decode = line_decoder(file_format, "export.csv")
        for line in lines:
            decode(line)
        finish = getattr(decode, "finish", None)
        if finish is not None:
            finish()

    check()


@pytest.mark.parametrize("ending", [b"\n", b"\r\n", b"\r"])
def test_lines_come_back_whole_however_they_end_and_wherever_a_read_stops(
    ending: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(export_members, "LOOK_AHEAD", 7)  # reads stop inside lines

    @settings(max_examples=60, deadline=None)
    @given(st.lists(st.binary(min_size=1, max_size=20).map(
        lambda b: b.replace(b"\n", b"n").replace(b"\r", b"r")), max_size=8))  # fmt: skip
    def check(lines: list[bytes]) -> None:
        data = b"".join(line + ending for line in lines)
        read = [line.rstrip(b"\r\n") for line in export_members._lines(io.BytesIO(data))]
        assert read == lines

    check()
