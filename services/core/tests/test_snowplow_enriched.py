"""Snowplow's enriched events (TSV, and warehouse rows as JSON) read as the events the
live Snowplow door stores for the tracker events they were enriched from."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import pytest

from eventtide.core.events import (
    AddToCartEvent,
    ClickEvent,
    CustomEvent,
    IdentifyEvent,
    PageViewEvent,
    PurchaseEvent,
    Rejection,
)
from eventtide.core.events.contracts import EXPORT_READERS, from_snowplow, line_decoder, to_event

pytestmark = pytest.mark.unit

COLUMN = {
    "app_id": 0, "platform": 1, "collector_tstamp": 3, "dvce_created_tstamp": 4, "event": 5,
    "event_id": 6, "user_id": 12, "domain_userid": 15, "network_userid": 17,
    "geo_country": 18, "geo_city": 20, "page_url": 29, "page_title": 30,
    "page_referrer": 31, "contexts": 52, "se_category": 53, "se_action": 54,
    "se_label": 55, "se_property": 56, "se_value": 57, "unstruct_event": 58,
    "tr_orderid": 59, "tr_total": 61, "ti_orderid": 67, "ti_sku": 68, "ti_price": 71,
    "ti_quantity": 72, "pp_yoffset_max": 76, "useragent": 77, "br_lang": 83,
    "tr_currency": 108, "dvce_sent_tstamp": 119, "derived_contexts": 122,
    "domain_sessionid": 123, "derived_tstamp": 124, "event_vendor": 125,
    "event_name": 126, "event_version": 128, "true_tstamp": 130,
}  # fmt: skip
"""Positions (from 0) of the canonical event's fields in the enriched TSV, as Snowplow
documents its 131 columns; written apart from the reader's list."""
IMPORTED = datetime(2026, 12, 7, tzinfo=UTC)
COLLECTED = datetime(2024, 3, 1, 10, 0, 5, 250000, tzinfo=UTC)
AGENT = "Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0"
ECOMMERCE = "com.snowplowanalytics.snowplow.ecommerce"
UNSTRUCT = "iglu:com.snowplowanalytics.snowplow/unstruct_event/jsonschema/1-0-0"
CONTEXTS = "iglu:com.snowplowanalytics.snowplow/contexts/jsonschema/1-0-1"


def _tsv(**fields: str) -> bytes:
    values = [""] * 131
    for name, value in fields.items():
        values[COLUMN[name]] = value
    return "\t".join(values).encode() + b"\n"


def _stamp(at: datetime) -> str:
    return at.strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]


def _page_view(**fields: str) -> dict[str, str]:
    return {
        "app_id": "shop", "platform": "web", "event": "page_view",
        "event_id": "3c1e7a52-4a39-4d6a-9b0e-1f2d3c4b5a61",
        "collector_tstamp": _stamp(COLLECTED),
        "dvce_created_tstamp": _stamp(COLLECTED - timedelta(minutes=3)),
        "dvce_sent_tstamp": _stamp(COLLECTED - timedelta(minutes=3) + timedelta(seconds=2)),
        "derived_tstamp": _stamp(COLLECTED - timedelta(seconds=2)),
        "domain_userid": "d-1", "network_userid": "n-1", "domain_sessionid": "s-1",
        "page_url": "https://shop.example/p/mug?ref=x", "page_title": "Mug",
        "page_referrer": "https://search.example/", "geo_country": "DE", "geo_city": "Berlin",
        "br_lang": "en-US", "useragent": AGENT, **fields,
    }  # fmt: skip


def _events(line: bytes) -> list[Any]:
    row = line_decoder("snowplow")(line)
    assert not isinstance(row, Rejection), row
    return [to_event(mapped) for mapped in EXPORT_READERS["snowplow"](row, IMPORTED)]


def _entities(*entities: tuple[str, dict[str, Any]]) -> str:
    listed = [{"schema": schema, "data": data} for schema, data in entities]
    return orjson.dumps({"schema": CONTEXTS, "data": listed}).decode()


def _unstruct(schema: str, data: dict[str, Any]) -> str:
    return orjson.dumps({"schema": UNSTRUCT, "data": {"schema": schema, "data": data}}).decode()


def test_the_tsv_columns_are_snowplows_order() -> None:
    fields = {name: f"value of {name}" for name in COLUMN}
    row = line_decoder("snowplow")(_tsv(**fields))
    assert row == fields, "each field read from its documented column; empty ones left out"


def test_a_page_view_is_what_the_live_door_stores_with_the_enrichments_knowledge() -> None:
    [event] = _events(_tsv(**_page_view()))
    assert isinstance(event, PageViewEvent)
    assert event.event_id == uuid.UUID("3c1e7a52-4a39-4d6a-9b0e-1f2d3c4b5a61")
    assert (event.user_id, event.session_id) == ("d-1", "s-1")
    assert event.occurred_at == COLLECTED - timedelta(seconds=2), "derived_tstamp"
    assert event.received_at == COLLECTED, "collector_tstamp"
    assert (event.context.page, event.context.referrer) == ("/p/mug", "https://search.example/")
    assert (event.context.platform, event.context.device) == ("web", "desktop")
    assert event.context.country == "DE", "geo_country before the language's region"
    assert event.properties.title == "Mug"
    kept = event.properties.extra["$snowplow"]
    assert kept["geo_city"] == "Berlin"
    assert kept["aid"] == "shop", "app_id as the live door keeps it"
    assert "page_url" not in kept
    assert "domain_userid" not in kept

    live = {"e": "pv", "eid": str(event.event_id), "duid": "d-1", "nuid": "n-1", "sid": "s-1",
            "p": "web", "url": "https://shop.example/p/mug?ref=x", "page": "Mug",
            "refr": "https://search.example/", "lang": "en-US", "ua": AGENT, "aid": "shop",
            "ttm": str(int((COLLECTED - timedelta(seconds=2)).timestamp() * 1000))}  # fmt: skip
    door = to_event(from_snowplow(live, received_at=COLLECTED))
    assert isinstance(door, PageViewEvent)
    assert door.model_dump(exclude={"context", "properties"}) == event.model_dump(
        exclude={"context", "properties"}
    )
    assert door.context.country == "US", "live, the language's region: what the import betters"


def test_the_derived_time_is_derived_again_when_a_row_lacks_it() -> None:
    warehouse = _page_view()  # a table exported without the device's times
    del warehouse["dvce_created_tstamp"], warehouse["dvce_sent_tstamp"]
    [event] = _events(_tsv(**warehouse))
    assert event.occurred_at == COLLECTED - timedelta(seconds=2), "derived_tstamp itself"
    row = _page_view()
    del row["derived_tstamp"]
    [event] = _events(_tsv(**row))
    assert event.occurred_at == COLLECTED - timedelta(seconds=2), "collector - (sent - created)"
    row["true_tstamp"] = _stamp(COLLECTED - timedelta(hours=1))
    [true] = _events(_tsv(**row))
    assert true.occurred_at == COLLECTED - timedelta(hours=1)


def test_a_signed_in_row_links_the_cookie_id_to_the_user_once_per_pair() -> None:
    view, link = _events(_tsv(**_page_view(user_id="ann")))
    assert view.user_id == "ann"
    assert isinstance(link, IdentifyEvent)
    assert (link.user_id, link.properties.anonymous_id) == ("ann", "d-1")
    other = _page_view(user_id="ann", event_id=str(uuid.uuid4()))
    assert _events(_tsv(**other))[1].event_id == link.event_id, "the link's id is the pair's"
    assert len(_events(_tsv(**_page_view()))) == 1, "no user id: no link"


def test_structured_events_transaction_items_and_page_pings() -> None:
    structured = _page_view(event="struct", se_category="video", se_action="play",
                            se_label="intro", se_value="12.5")  # fmt: skip
    [play] = _events(_tsv(**structured))
    assert isinstance(play, CustomEvent)
    assert play.event_type == "play"
    assert {k: play.properties[k] for k in ("category", "label", "value")} == {
        "category": "video", "label": "intro", "value": 12.5}  # fmt: skip
    item = _page_view(event="transaction_item", ti_orderid="o-1", ti_sku="p-1",
                      ti_price="9.99", ti_quantity="2")  # fmt: skip
    [line] = _events(_tsv(**item))
    assert line.event_type == "transaction_item"
    assert {k: line.properties[k] for k in ("order_id", "sku", "price", "quantity")} == {
        "order_id": "o-1", "sku": "p-1", "price": 9.99, "quantity": 2}  # fmt: skip
    [ping] = _events(_tsv(**_page_view(event="page_ping", pp_yoffset_max="1200")))
    assert ping.event_type == "page_ping"
    assert ping.properties["max_y_offset"] == 1200


def test_self_describing_events_and_entities_of_the_tsv() -> None:
    product = (f"iglu:{ECOMMERCE}/product/jsonschema/1-0-0",
               {"id": "p-1", "price": 12.5, "quantity": 2, "currency": "EUR"})  # fmt: skip
    transaction = (f"iglu:{ECOMMERCE}/transaction/jsonschema/1-0-0",
                   {"transaction_id": "o-9", "revenue": 25, "currency": "EUR"})  # fmt: skip
    parsed_agent = ("iglu:com.snowplowanalytics.snowplow/ua_parser_context/jsonschema/1-0-0",
                    {"useragentFamily": "Chrome"})  # fmt: skip
    order = _page_view(
        event="unstruct", user_id="ann",
        unstruct_event=_unstruct(f"iglu:{ECOMMERCE}/snowplow_ecommerce_action/jsonschema/1-0-2",
                                 {"type": "transaction"}),
        contexts=_entities(product, transaction), derived_contexts=_entities(parsed_agent),
    )  # fmt: skip
    purchase, _link = _events(_tsv(**order))
    assert isinstance(purchase, PurchaseEvent)
    assert (purchase.properties.order_id, purchase.properties.amount) == ("o-9", 25.0)
    schemas = [e["schema"] for e in purchase.properties.extra["$contexts"]]
    assert schemas == [product[0], transaction[0], parsed_agent[0]], "derived ones kept too"

    screen = {"event": "unstruct", "platform": "mob", "event_id": str(uuid.uuid4()),
              "domain_userid": "d-2", "collector_tstamp": _stamp(COLLECTED),
              "unstruct_event": _unstruct(
                  "iglu:com.snowplowanalytics.mobile/screen_view/jsonschema/1-0-0",
                  {"name": "Basket", "id": "5f3a"})}  # fmt: skip
    [view] = _events(_tsv(**screen))
    assert isinstance(view, PageViewEvent)
    assert (view.context.page, view.context.device) == ("Basket", "mobile")


def test_warehouse_rows_with_shredded_columns() -> None:
    """Snowflake's columns name the schema's major version, BigQuery's the whole one."""
    row = {"event": "unstruct", "event_id": str(uuid.uuid4()), "platform": "web",
           "domain_userid": "d-3", "collector_tstamp": "2024-03-01 10:00:05.250 UTC",
           "derived_tstamp": "2024-03-01 10:00:03.250 UTC", "geo_country": "FR",
           "event_vendor": ECOMMERCE, "event_name": "snowplow_ecommerce_action",
           "event_format": "jsonschema", "event_version": "1-0-2",
           f"unstruct_event_{ECOMMERCE.replace('.', '_')}_snowplow_ecommerce_action_1":
               {"type": "add_to_cart"},
           f"contexts_{ECOMMERCE.replace('.', '_')}_product_1":
               [{"id": "p-2", "price": 4.5, "quantity": 3, "currency": "EUR"}],
           "contexts_com_acme_basket_2_1_0": [{"size": 3}],
           "se_value": None, "geo_city": "Lyon"}  # fmt: skip
    [cart] = _events(orjson.dumps(row))
    assert isinstance(cart, AddToCartEvent)
    assert (cart.properties.product_id, cart.properties.quantity) == ("p-2", 3)
    assert cart.occurred_at == COLLECTED - timedelta(seconds=2)
    assert cart.received_at == COLLECTED
    assert cart.context.country == "FR"
    contexts = cart.properties.extra["$contexts"]
    assert [e["schema"] for e in contexts] == [
        f"iglu:{ECOMMERCE}/product/jsonschema/1-*-*",
        "iglu:unknown/com_acme_basket/jsonschema/2-1-0",  # an unknown vendor's, by its column
    ]
    kept = cart.properties.extra["$snowplow"]
    assert kept == {"geo_country": "FR", "geo_city": "Lyon", "duid": "d-3"}, "nulls dropped"

    invite = {**row, "event_id": str(uuid.uuid4()), "event_vendor": "com.acme",
              "event_name": "invite_sent", "event_version": "1-0-0",
              "unstruct_event_com_acme_invite_sent_1": {"channel": "email"}}  # fmt: skip
    del invite[f"unstruct_event_{ECOMMERCE.replace('.', '_')}_snowplow_ecommerce_action_1"]
    [invited] = _events(orjson.dumps(invite))
    assert isinstance(invited, CustomEvent)
    assert invited.event_type == "invite_sent"
    assert invited.properties["$schema"] == "iglu:com.acme/invite_sent/jsonschema/1-0-0"
    assert invited.properties["channel"] == "email"

    del row["event_vendor"], row["event_name"]  # the schema from the column alone
    action = f"unstruct_event_{ECOMMERCE.replace('.', '_')}_snowplow_ecommerce_action"
    row[f"{action}_1_0_2"] = row.pop(f"{action}_1")
    [again] = _events(orjson.dumps(row))
    assert isinstance(again, AddToCartEvent)
    assert again.properties.product_id == "p-2"
    row["event_id"] = str(uuid.uuid4())
    row["contexts_com_acme_basket_2_1_0"] = {"size": 4}  # one entity, not in a list
    row["unstruct_event_com_acme_basket_shared_1"] = row.pop(f"{action}_1_0_2")
    [custom] = _events(orjson.dumps(row))
    assert isinstance(custom, CustomEvent)
    assert custom.event_type == "com_acme_basket_shared", "an unknown vendor's column names it"
    assert custom.properties["$schema"] == "iglu:unknown/com_acme_basket_shared/jsonschema/1-*-*"
    assert {"schema": "iglu:unknown/com_acme_basket/jsonschema/2-1-0", "data": {"size": 4}} in (
        custom.properties["$contexts"]
    )


def test_lines_that_are_no_enriched_event_are_refused_with_what_is_wrong() -> None:
    decode = line_decoder("snowplow")
    short = decode(_tsv(**_page_view()).replace(b"\t", b"", 1))
    assert isinstance(short, Rejection)
    assert short.rule == "enriched_fields"
    assert "131 tab-separated fields, this line has 130" in short.message
    listed = decode(b"[1, 2]")
    assert isinstance(listed, Rejection)
    assert "not list" in listed.message
    assert isinstance(decode(b"{oops"), Rejection)
    nobody = _page_view()
    del nobody["domain_userid"], nobody["network_userid"]
    [refused] = _events(_tsv(**nobody))
    assert isinstance(refused, Rejection), "no user id at all, as at the live door"


def test_a_row_without_an_event_id_gets_one_from_its_content() -> None:
    row = _page_view()
    del row["event_id"]
    first, second = _events(_tsv(**row)), _events(_tsv(**row))
    assert first[0].event_id == second[0].event_id
    row["page_title"] = "Cup"
    assert _events(_tsv(**row))[0].event_id != first[0].event_id


def test_csv_under_a_header_row_with_json_columns_and_a_title_over_two_lines() -> None:
    """A warehouse's CSV export (or a dbt package's seed): the header names the columns."""
    decode = line_decoder("snowplow")
    web_page = "contexts_com_snowplowanalytics_snowplow_web_page_1_0_0"
    header = f"app_id,event,event_id,collector_tstamp,domain_userid,page_url,page_title,{web_page}"
    assert decode(header.encode() + b"\r\n") is None, "the header is no event"
    first = decode(b'shop,page_view,1f0e4a52-0c5e-4d2b-9a43-6d2e1c0b9a01,2024-03-01 10:00:00.000,'
                   b'd-1,https://shop.example/a,"Two\n')  # fmt: skip
    assert first is None, "a quoted field goes on to the next line"
    row = decode(b'lines, ""quoted""","[{""id"":""p-1""}]"\n')
    assert isinstance(row, dict), row
    assert row["page_title"] == 'Two\nlines, "quoted"'
    [view] = [to_event(m) for m in EXPORT_READERS["snowplow"](row, IMPORTED)]
    assert isinstance(view, PageViewEvent)
    assert (view.user_id, view.context.page, view.properties.title) == (
        "d-1", "/a", 'Two\nlines, "quoted"')  # fmt: skip
    assert view.properties.extra["$contexts"] == [
        {"schema": "iglu:com.snowplowanalytics.snowplow/web_page/jsonschema/1-0-0",
         "data": {"id": "p-1"}}]  # fmt: skip
    short = decode(b"shop,page_view\n")
    assert isinstance(short, Rejection)
    assert "the header names 8 columns, this record has 2" in short.message
    assert isinstance(line_decoder("snowplow")(b"app_id,event\n"), Rejection), "no atomic header"


def test_an_unstruct_row_without_its_events_column_is_named_by_its_schema() -> None:
    """A table that has no column for the event's schema still names it in event_*."""
    row = {"event": "unstruct", "event_id": str(uuid.uuid4()), "domain_userid": "d-4",
           "collector_tstamp": "2024-03-01T10:00:05.250Z", "event_vendor":
           "com.snowplowanalytics.snowplow", "event_name": "link_click",
           "event_format": "jsonschema", "event_version": "1-0-1"}  # fmt: skip
    [click] = _events(orjson.dumps(row))
    assert isinstance(click, CustomEvent)
    assert click.event_type == "link_click"
    assert click.properties["$schema"] == (
        "iglu:com.snowplowanalytics.snowplow/link_click/jsonschema/1-0-1"
    )


def test_bigquerys_snake_case_fields_read_as_the_schemas_own() -> None:
    """BigQuery's loader writes an entity's fields in snake case (``target_url``)."""
    row = {"event": "unstruct", "event_id": str(uuid.uuid4()), "domain_userid": "d-5",
           "collector_tstamp": "2024-03-01 10:00:05.250 UTC",
           "event_vendor": "com.snowplowanalytics.snowplow", "event_name": "link_click",
           "event_version": "1-0-1",
           "unstruct_event_com_snowplowanalytics_snowplow_link_click_1_0_1":
               {"element_id": "buy", "target_url": "https://shop.example/buy"}}  # fmt: skip
    [click] = _events(orjson.dumps(row))
    assert isinstance(click, ClickEvent), click
    assert (click.properties.element_id, click.properties.target_url) == (
        "buy", "https://shop.example/buy")  # fmt: skip
