"""Rows of Universal Analytics' BigQuery export (``ga_sessions_YYYYMMDD``), read as
eventtide events.

The rows follow the export's documented schema as BigQuery's JSON export writes it
(INT64 as strings, money times 10^6), in the shape of Google's public sample of the
Google Merchandise Store (``google_analytics_sample``), placeholders included.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from eventtide.core.events import (
    AddToCartEvent,
    CheckoutStartedEvent,
    ClickEvent,
    CustomEvent,
    IdentifyEvent,
    LoginEvent,
    PageViewEvent,
    PurchaseEvent,
    Rejection,
    RemoveFromCartEvent,
)
from eventtide.core.events.contracts import EXPORT_READERS, line_decoder, to_event
from eventtide.core.events.contracts.format_check import FormatProblemError, settle
from eventtide.core.events.contracts.universal_analytics_lines import (
    literal_as_json,
    python_literal,
)

pytestmark = pytest.mark.unit

IMPORTED = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
START = 1501591568
"""2017-08-01 12:46:08 UTC."""
WITHHELD = "not available in demo dataset"


def _hit(number: int, kind: str, time_ms: int = 0, **fields: Any) -> dict[str, Any]:
    hit: dict[str, Any] = {
        "hitNumber": str(number), "time": str(time_ms), "hour": "5", "minute": "46",
        "isInteraction": "true", "referer": None, "type": kind,
        "page": {"pagePath": "/home", "hostname": "shop.googlemerchandisestore.com",
                 "pageTitle": "Home", "searchKeyword": None},
        "transaction": None, "item": None, "eventInfo": None, "product": [],
        "eCommerceAction": {"action_type": "0", "step": "1", "option": None},
        "appInfo": {"screenName": "shop.googlemerchandisestore.com/home", "screenDepth": "0"},
        "contentGroup": {"contentGroup1": "(not set)", "contentGroup2": WITHHELD},
        "dataSource": "web",
    }  # fmt: skip
    return {**hit, **fields}


def _session(*hits: dict[str, Any], **fields: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "visitorId": None, "visitNumber": "1", "visitId": str(START),
        "visitStartTime": str(START), "date": "20170801",
        "totals": {"visits": "1", "hits": str(len(hits)), "pageviews": "1", "bounces": None},
        "trafficSource": {"campaign": "(not set)", "source": "google", "medium": "organic",
                          "adwordsClickInfo": {"criteriaParameters": WITHHELD}},
        "device": {"browser": "Chrome", "browserVersion": WITHHELD,
                   "operatingSystem": "Windows", "isMobile": "false",
                   "language": WITHHELD, "deviceCategory": "desktop"},
        "geoNetwork": {"continent": "Europe", "country": "Greece", "city": WITHHELD},
        "customDimensions": [], "hits": list(hits),
        "fullVisitorId": "3418334011779872055", "userId": None, "clientId": None,
        "channelGrouping": "Organic Search",
    }  # fmt: skip
    return {**row, **fields}


def _product(sku: str, price: float, quantity: int | None = None, **fields: Any) -> dict[str, Any]:
    product = {"productSKU": sku, "v2ProductName": f"Product {sku}",
               "v2ProductCategory": "Bags", "productVariant": "(not set)",
               "productBrand": None, "productPrice": str(round(price * 1_000_000)),
               "productQuantity": None if quantity is None else str(quantity),
               "isImpression": None, "productListName": "Category"}  # fmt: skip
    return {**product, **fields}


def _action(kind: str, step: str = "1") -> dict[str, Any]:
    return {"action_type": kind, "step": step, "option": None}


def _read(row: dict[str, Any]) -> list[Any]:
    return [to_event(mapped) for mapped in EXPORT_READERS["universal-analytics"](row, IMPORTED)]


def test_a_page_hit_is_a_page_view_of_its_visitor_session_time_page_and_country() -> None:
    page = {"pagePath": "/google+redesign/bags?sort=new", "pageTitle": "Bags",
            "hostname": "shop.googlemerchandisestore.com"}  # fmt: skip
    hits = (_hit(1, "PAGE"), _hit(2, "PAGE", 41_250, page=page, referer="https://www.google.gr/"))
    first, second = _read(_session(*hits))
    assert isinstance(second, PageViewEvent)
    assert second.user_id == "3418334011779872055"
    assert second.session_id == f"3418334011779872055:{START}"
    assert second.occurred_at == datetime.fromtimestamp(START, UTC) + timedelta(seconds=41.25)
    assert second.received_at == second.occurred_at
    assert second.context.page == "/google+redesign/bags"  # the query left out
    assert second.context.referrer == "https://www.google.gr/"
    assert (second.context.platform, second.context.device) == ("web", "desktop")
    assert second.context.country == "GR"  # from the country's name
    assert second.properties.title == "Bags"
    assert first.occurred_at == datetime.fromtimestamp(START, UTC)
    assert first.event_id != second.event_id


def test_what_is_not_read_is_kept_without_nulls_and_the_samples_placeholders() -> None:
    (view,) = _read(_session(_hit(1, "PAGE")))
    kept = (view.properties.extra or {})["$ua"]
    assert kept["trafficSource"] == {
        "campaign": "(not set)",
        "source": "google",
        "medium": "organic",
    }
    assert kept["device"] == {"browser": "Chrome", "operatingSystem": "Windows",
                              "isMobile": "false", "deviceCategory": "desktop"}  # fmt: skip
    assert kept["geoNetwork"] == {"continent": "Europe", "country": "Greece"}
    assert kept["hit"]["contentGroup"] == {"contentGroup1": "(not set)"}
    assert kept["hit"]["page"]["hostname"] == "shop.googlemerchandisestore.com"
    assert "customDimensions" not in kept
    assert "hits" not in kept
    assert "hitNumber" not in kept["hit"]
    assert "product" not in kept["hit"]


def test_a_pages_impressions_are_a_product_list_viewed_per_list() -> None:
    shown = [_product("GGOEGAAX0104", 10.99, isImpression=True),
             _product("GGOEGBJL013999", 17.99, isImpression=True, productListName="Related"),
             _product("GGOEGAAX0105", 3.5, isImpression=True)]  # fmt: skip
    view, category, related = _read(_session(_hit(1, "PAGE", product=shown)))
    assert isinstance(view, PageViewEvent)
    assert isinstance(category, CustomEvent)
    assert category.event_type == "Product List Viewed"
    assert category.properties["list_id"] == "Category"
    assert [(p["product_id"], p["price"]) for p in category.properties["products"]] == [
        ("GGOEGAAX0104", 10.99), ("GGOEGAAX0105", 3.5),
    ]  # fmt: skip
    assert related.properties["list_id"] == "Related"
    assert view.event_id not in {category.event_id, related.event_id}


def test_a_signed_in_session_is_its_users_and_links_the_visitor_once() -> None:
    row = _session(_hit(1, "PAGE"), _hit(2, "PAGE", 5_000), userId="u-42")
    *views, link = _read(row)
    assert [v.user_id for v in views] == ["u-42", "u-42"]
    assert isinstance(link, IdentifyEvent)
    assert (link.user_id, link.properties.anonymous_id) == ("u-42", "3418334011779872055")
    assert link.occurred_at == datetime.fromtimestamp(START, UTC)
    assert link.event_id == _read(row)[-1].event_id


def test_the_client_id_is_the_visitor_that_ga4_knows_too() -> None:
    """GA4's ``user_pseudo_id`` is the same ``_ga`` cookie id as Universal Analytics'
    ``clientId``: a site's two histories meet in one visitor."""
    row = _session(_hit(1, "PAGE"), clientId="1026454.4271112504")
    (view,) = _read(row)
    assert view.user_id == "1026454.4271112504"
    assert view.session_id == f"3418334011779872055:{START}"  # fullVisitorId's, as Google's
    ga4 = {"event_name": "page_view", "event_timestamp": "1612069510766593",
           "user_pseudo_id": "1026454.4271112504", "event_params": []}  # fmt: skip
    (later,) = [to_event(m) for m in EXPORT_READERS["ga4"](ga4, IMPORTED)]
    assert later.user_id == view.user_id
    without = _session(_hit(1, "PAGE"))
    assert _read(without)[0].event_id == view.event_id, "the same hit whoever it is"
    *_, link = _read({**row, "userId": "u-42"})
    assert isinstance(link, IdentifyEvent)
    assert link.properties.anonymous_id == "1026454.4271112504"
    kept = (view.properties.extra or {})["$ua"]
    assert kept["fullVisitorId"] == "3418334011779872055"


def test_an_event_hit_is_the_apps_event_with_category_label_and_value() -> None:
    info = {"eventCategory": "Video", "eventAction": "Play", "eventLabel": "intro",
            "eventValue": "12"}  # fmt: skip
    (event,) = _read(_session(_hit(1, "EVENT", eventInfo=info)))
    assert isinstance(event, CustomEvent)
    assert event.event_type == "Play"
    assert {k: event.properties[k] for k in ("category", "label", "value")} == {
        "category": "Video", "label": "intro", "value": 12,
    }  # fmt: skip


def test_an_event_named_like_a_typed_one_follows_the_shared_rule() -> None:
    login = {"eventCategory": "Account", "eventAction": "login", "eventLabel": None}
    (event,) = _read(_session(_hit(1, "EVENT", eventInfo=login)))
    assert isinstance(event, LoginEvent)
    assert (event.properties.extra or {})["category"] == "Account"
    search = {"eventCategory": "Site", "eventAction": "search"}  # no query: not a search
    (other,) = _read(_session(_hit(1, "EVENT", eventInfo=search)))
    assert isinstance(other, CustomEvent)
    assert other.event_type == "ua:search"


def test_a_detail_view_on_a_page_is_the_page_view_and_a_product_view_per_product() -> None:
    shown = _product("GGOEGAAX0104", 10.99, isImpression="true")
    viewed = _product("GGOEGBJL013999", 17.99)
    hit = _hit(1, "PAGE", eCommerceAction=_action("2"), product=[shown, viewed])
    view, listing, detail = _read(_session(hit))
    assert isinstance(view, PageViewEvent)
    assert listing.event_type == "Product List Viewed"
    assert isinstance(detail, CustomEvent)
    assert detail.event_type == "Product Viewed"
    assert detail.properties["product_id"] == "GGOEGBJL013999"  # the impression left out
    assert detail.properties["price"] == 17.99
    assert detail.properties["name"] == "Product GGOEGBJL013999"


def test_an_add_to_cart_event_hit_is_one_add_per_product_and_no_other_event() -> None:
    info = {"eventCategory": "Enhanced Ecommerce", "eventAction": "Add to Cart"}
    products = [_product("A1", 16.99, 2), _product("B2", 4.0)]
    hit = _hit(1, "EVENT", eventInfo=info, eCommerceAction=_action("3"), product=products)
    first, second = _read(_session(hit))
    assert isinstance(first, AddToCartEvent)
    assert isinstance(second, AddToCartEvent)
    assert (first.properties.product_id, first.properties.price, first.properties.quantity) == (
        "A1", 16.99, 2,
    )  # fmt: skip
    assert (second.properties.product_id, second.properties.quantity) == ("B2", 1)
    assert first.properties.currency == "XXX"  # no transaction names the view's currency
    assert (first.properties.extra or {})["eventInfo"]["eventCategory"] == "Enhanced Ecommerce"
    assert (first.properties.extra or {})["category"] == "Bags"  # the product's
    assert first.event_id != second.event_id


def test_removals_clicks_and_checkout_steps() -> None:
    hits = (
        _hit(1, "EVENT", eCommerceAction=_action("1"), product=[_product("C3", 5.0)]),
        _hit(2, "EVENT", eCommerceAction=_action("4"), product=[_product("A1", 16.99, 1)]),
        _hit(3, "PAGE", eCommerceAction=_action("5", "1"), product=[_product("B2", 4.0, 3)]),
        _hit(4, "PAGE", eCommerceAction=_action("5", "2"), product=[_product("B2", 4.0, 3)]),
        _hit(5, "EVENT", eCommerceAction={"action_type": "8", "step": "2", "option": "Visa"}),
    )
    click, removal, _page1, started, _page2, step, option = _read(_session(*hits))
    assert isinstance(click, ClickEvent)
    assert click.properties.element_id == "C3"
    assert isinstance(removal, RemoveFromCartEvent)
    assert removal.properties.product_id == "A1"
    assert isinstance(started, CheckoutStartedEvent)
    assert (started.properties.cart_value, started.properties.item_count) == (12.0, 3)
    assert isinstance(step, CustomEvent)
    assert step.event_type == "Checkout Step Viewed"
    assert step.properties["step"] == 2
    assert isinstance(option, CustomEvent)
    assert option.event_type == "Checkout Step Completed"
    assert (option.properties["step"], option.properties["option"]) == (2, "Visa")


def test_a_purchase_is_an_order_of_its_products_in_the_currency_the_transaction_names() -> None:
    transaction = {"transactionId": "ORD201708011234", "transactionRevenue": "48980000",
                   "transactionTax": "3000000", "transactionShipping": "8000000",
                   "affiliation": "Google Merchandise Store", "currencyCode": "USD",
                   "localTransactionRevenue": "48980000"}  # fmt: skip
    products = [_product("A1", 16.99, 2), _product("B2", 4.0, 1, isImpression="false")]
    hit = _hit(7, "PAGE", 90_000, transaction=transaction, eCommerceAction=_action("6"),
               product=products)  # fmt: skip
    cart = _hit(3, "EVENT", eCommerceAction=_action("3"), product=[_product("A1", 16.99, 2)])
    added, view, order = _read(_session(cart, hit))
    assert isinstance(view, PageViewEvent)
    assert isinstance(order, PurchaseEvent)
    assert order.properties.order_id == "ORD201708011234"
    assert [(i.product_id, i.price, i.quantity) for i in order.properties.items] == [
        ("A1", 16.99, 2), ("B2", 4.0, 1),
    ]  # fmt: skip
    assert order.properties.amount == 37.98
    assert order.properties.currency == "USD"
    assert (order.properties.extra or {})["revenue"] == 48.98
    assert ((order.properties.extra or {})["tax"], (order.properties.extra or {})["shipping"]) == (
        3.0,
        8.0,
    )
    assert added.properties.currency == "USD"  # the row's view currency, named by its order


def test_a_refund_is_an_order_refunded_of_its_amount() -> None:
    refund = _hit(1, "EVENT", eCommerceAction=_action("7"), refund={"refundAmount": "12500000"},
                  transaction={"transactionId": "T-7"})  # fmt: skip
    (refunded,) = _read(_session(refund))
    assert isinstance(refunded, CustomEvent)
    assert refunded.event_type == "Order Refunded"
    assert (refunded.properties["order_id"], refunded.properties["total"]) == ("T-7", 12.5)
    (whole,) = _read(_session(_hit(1, "EVENT", eCommerceAction=_action("7"))))
    assert "order_id" not in whole.properties, "no transaction named: no order id"


def test_a_local_currency_unlike_the_views_names_no_currency() -> None:
    transaction = {"transactionId": "T1", "transactionRevenue": "20000000",
                   "currencyCode": "EUR", "localTransactionRevenue": "18000000"}  # fmt: skip
    hit = _hit(1, "EVENT", transaction=transaction, eCommerceAction=_action("6"),
               product=[_product("A1", 20.0, 1)])  # fmt: skip
    (order,) = _read(_session(hit))
    assert isinstance(order, PurchaseEvent)
    assert order.properties.currency == "XXX"


def test_classic_ecommerce_a_transaction_hit_with_its_item_hits_is_one_order() -> None:
    hits = (
        _hit(1, "TRANSACTION",
             transaction={"transactionId": "T9", "transactionRevenue": "30000000"}),
        _hit(2, "ITEM", item={"transactionId": "T9", "productSku": "S1", "productName": "Mug",
                             "itemQuantity": "2", "itemRevenue": "20000000"}),
        _hit(3, "ITEM", item={"transactionId": "T9", "productSku": "S2", "itemQuantity": "1",
                             "itemRevenue": "10000000"}),
        _hit(4, "ITEM", item={"transactionId": "T0", "productSku": "S3", "itemQuantity": "1",
                             "itemRevenue": "5000000"}),
        _hit(5, "EXCEPTION", exceptionInfo={"description": "TypeError", "isFatal": "false"}),
    )  # fmt: skip
    order, orphan, exception = _read(_session(*hits))
    assert isinstance(order, PurchaseEvent)
    assert [(i.product_id, i.price, i.quantity) for i in order.properties.items] == [
        ("S1", 10.0, 2), ("S2", 10.0, 1),
    ]  # fmt: skip
    assert isinstance(orphan, CustomEvent)
    assert orphan.event_type == "item"
    assert orphan.properties["productSku"] == "S3"
    assert isinstance(exception, CustomEvent)
    assert exception.event_type == "exception"
    assert (exception.properties["description"], exception.properties["isFatal"]) == (
        "TypeError", "false",
    )  # fmt: skip


def test_an_app_screen_is_a_page_view_of_the_screen_on_the_apps_platform() -> None:
    hit = _hit(1, "APPVIEW", page=None, dataSource="app",
               appInfo={"screenName": "Checkout", "appName": "Shop"})  # fmt: skip
    device = {"operatingSystem": "Android", "deviceCategory": "mobile", "language": "de-de"}
    (view,) = _read(_session(hit, device=device, geoNetwork={"country": "(not set)"}))
    assert isinstance(view, PageViewEvent)
    assert (view.context.page, view.context.platform, view.context.device) == (
        "Checkout", "android", "mobile",
    )  # fmt: skip
    assert view.context.country == "DE"  # the language's region: no country named


def test_ids_are_the_same_whether_bigquery_wrote_int64_as_text_or_as_numbers() -> None:
    text_row = _session(_hit(1, "PAGE"), _hit(2, "PAGE", 1_000))
    number_row = json.loads(json.dumps(text_row))
    number_row["visitId"] = number_row["visitStartTime"] = START
    for hit in number_row["hits"]:
        hit["hitNumber"], hit["time"] = int(hit["hitNumber"]), int(hit["time"])
    assert [e.event_id for e in _read(text_row)] == [e.event_id for e in _read(number_row)]
    other_visit = _session(_hit(1, "PAGE"), _hit(2, "PAGE", 1_000), visitId="1501591569")
    assert not {e.event_id for e in _read(text_row)} & {e.event_id for e in _read(other_visit)}


def _decoded(lines: list[str]) -> list[Any]:
    decode = line_decoder("universal-analytics", "ga_sessions_20170801.csv")
    return [decode(line.encode()) for line in lines]


def test_the_kaggle_csv_form_reads_as_the_json_row() -> None:
    """Nested columns as JSON, hits as Python literals, as the competition's files have them."""
    row = _session(_hit(1, "PAGE"), _hit(2, "EVENT", 3_000, eCommerceAction=_action("3"),
                                          product=[_product("A1", 16.99, 2)]))  # fmt: skip
    columns = ["channelGrouping", "customDimensions", "date", "device", "fullVisitorId",
               "geoNetwork", "hits", "socialEngagementType", "totals", "trafficSource",
               "visitId", "visitNumber", "visitStartTime"]  # fmt: skip
    literal = {"hits": repr(row["hits"]), "customDimensions": repr([])}

    def cell(name: str) -> str:
        value = row.get(name, "Not Socially Engaged")
        value = literal.get(name, json.dumps(value) if isinstance(value, dict) else value)
        return '"' + str(value).replace('"', '""') + '"'

    header, line = ",".join(columns), ",".join(cell(name) for name in columns)
    decoded = _decoded([header, line])
    assert decoded[0] is None
    from_csv = _read(decoded[1])
    assert [(e.event_type, e.event_id, e.occurred_at) for e in from_csv] == [
        (e.event_type, e.event_id, e.occurred_at) for e in _read(row)
    ]
    assert [e.event_type for e in from_csv] == ["page_view", "add_to_cart"]


def test_a_long_sessions_hits_past_the_csv_modules_field_limit_read() -> None:
    """Python's csv module reads fields up to 128 KiB; a long session's hits are more."""
    hits = [_hit(n, "PAGE", n * 1_000, page={"pagePath": f"/p/{n}", "pageTitle": "t" * 400})
            for n in range(1, 301)]  # fmt: skip
    written = repr(hits)
    assert len(written) > 131_072
    header = "fullVisitorId,visitId,visitStartTime,hits"
    line = f'3418334011779872055,{START},{START},"{written.replace(chr(34), chr(34) * 2)}"'
    _, row = _decoded([header, line])
    assert len(_read(row)) == 300


def test_a_session_without_hits_is_its_totals_and_an_order_of_its_revenue() -> None:
    """Kaggle's first files (``train.csv``): sessions' totals, JSON in CSV, no hits."""
    header = (
        "channelGrouping,date,device,fullVisitorId,geoNetwork,sessionId,"
        "socialEngagementType,totals,trafficSource,visitId,visitNumber,visitStartTime"
    )

    def line(visitor: str, totals: dict[str, str]) -> str:
        nested = [json.dumps(v).replace('"', '""') for v in (
            {"deviceCategory": "mobile", "operatingSystem": "iOS"}, {"country": "Japan"},
            totals, {"source": "google"})]  # fmt: skip
        return (f'Organic Search,20160902,"{nested[0]}",{visitor},"{nested[1]}",'
                f'{visitor}_{START},Not Socially Engaged,"{nested[2]}","{nested[3]}",'
                f"{START},1,{START}")  # fmt: skip

    bought = {"visits": "1", "hits": "11", "pageviews": "10", "transactionRevenue": "37860000"}
    browsed = {"visits": "1", "hits": "1", "pageviews": "1", "bounces": "1"}
    _, buyer, browser = _decoded([header, line("9674781571160116268", bought),
                                  line("1131660440785968503", browsed)])  # fmt: skip
    session, order = _read(buyer)
    assert isinstance(session, CustomEvent)
    assert session.event_type == "session"
    assert session.properties["$ua"]["totals"]["pageviews"] == "10"
    assert (session.context.country, session.context.device) == ("JP", "mobile")
    assert isinstance(order, PurchaseEvent)
    assert (order.properties.amount, order.properties.currency) == (37.86, "XXX")
    assert [(i.product_id, i.quantity) for i in order.properties.items] == [("unknown", 1)]
    assert order.occurred_at == datetime.fromtimestamp(START, UTC)
    assert [e.event_type for e in _read(browser)] == ["session"]
    counted = _session(totals={"transactions": "0", "transactionRevenue": "5000000"})
    assert [e.event_type for e in _read(counted)] == ["session"], "no transactions: no order"


def test_a_row_of_no_session_is_refused_saying_why() -> None:
    empty = _decoded([json.dumps({**_session(), "totals": {}})])[0]
    assert isinstance(empty, Rejection)
    assert "neither hits nor totals" in empty.message
    (other,) = _decoded(["timestamp,user,event"])
    assert isinstance(other, Rejection)
    assert "ga_sessions rows" in other.message
    garbled = _decoded(["fullVisitorId,visitStartTime,hits", "1,1501591568,\"[{'hitNumber': \""])
    assert isinstance(garbled[1], Rejection)
    assert "hits column" in garbled[1].message


def test_auto_reads_sessions_as_universal_analytics() -> None:
    rows = [orjson.dumps(_session(_hit(1, "PAGE"), visitId=str(START + n))) for n in range(3)]
    assert settle(rows, "auto", "ga_sessions_20170801.json")[0] == "universal-analytics"
    with pytest.raises(FormatProblemError, match="read as --format universal-analytics"):
        settle(rows, "ga4", "ga_sessions_20170801.json")
    hitless = {k: v for k, v in _session().items() if k != "hits"}  # a table without them
    totals = [orjson.dumps(hitless) for _ in range(2)]
    assert settle(totals, "auto", "sessions.json")[0] == "universal-analytics"


def test_a_hit_time_past_any_date_is_the_sessions_start() -> None:
    """Found by the fuzz test: the import stopped with an OverflowError."""
    (view,) = _read(_session(_hit(1, "PAGE", time_ms=0, time="99999999999999999")))
    assert view.occurred_at == datetime.fromtimestamp(START, UTC)


LITERALS = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-(2**63), 2**63 - 1),
              st.floats(allow_nan=False, allow_infinity=False), st.text()),
    lambda inner: st.one_of(st.lists(inner, max_size=4),
                            st.dictionaries(st.text(max_size=6), inner, max_size=4)),
    max_leaves=20,
)  # fmt: skip


@given(LITERALS)
@example({"pageTitle": 'Say "hi"', "v2ProductName": "Google Men's Tee", "isImpression": True,
          "None": None, "list": [False, 1.5e-05, -3]})  # fmt: skip
def test_a_python_literal_reads_as_the_value_it_writes(value: Any) -> None:
    """Any text, quotes and backslashes too; one Python writes without backslashes (nearly
    all) is rewritten as the JSON of the same value, the quick way."""
    written = repr(value)
    assert python_literal(written) == value
    rewritten = literal_as_json(written)
    assert (rewritten is None) == ("\\" in written or "\x00" in written)
    if rewritten is not None:
        assert orjson.loads(rewritten) == value
