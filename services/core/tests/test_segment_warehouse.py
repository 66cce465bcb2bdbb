"""Segment's and RudderStack's warehouse tables read back as the messages Segment
archived for their rows: the same events, ids and identity links."""

from __future__ import annotations

import gzip
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import pytest

from eventtide.core.events import (
    AliasEvent,
    CustomEvent,
    IdentifyEvent,
    PageViewEvent,
    PurchaseEvent,
    Rejection,
)
from eventtide.core.events.contracts import EXPORT_READERS, line_decoder, to_event
from eventtide.core.events.contracts.export_files import exported_events, first_lines
from eventtide.core.events.contracts.format_check import mismatch, settle
from eventtide.core.events.contracts.segment_warehouse import archived_message, table_of

pytestmark = pytest.mark.unit

IMPORTED = datetime(2026, 12, 7, tzinfo=UTC)
CONTEXT = {
    "library": {"name": "analytics.js", "version": "4.1.0"},
    "page": {"path": "/checkout", "url": "https://shop.test/checkout", "referrer": "https://a.test/"},
    "userAgent": "Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0",
    "location": {"country": "DE"},
    "device": {"type": "mobile", "advertisingId": "ad-1"},
    "os": {"name": "Android"},
    "sessionId": 1700000000000,
    "locale": "de-DE",
}  # fmt: skip
TIMES = {
    "timestamp": "2024-03-01T10:00:05.250Z",
    "originalTimestamp": "2024-03-01T10:00:04.000Z",
    "sentAt": "2024-03-01T10:00:06.000Z",
    "receivedAt": "2024-03-01T10:00:07.500Z",
}
PURCHASE = {
    "type": "track", "messageId": "ajs-next-1", "userId": "u-1", "anonymousId": "anon-1",
    "event": "Order Completed", "context": CONTEXT, **TIMES,
    "properties": {"order_id": "o-1", "total": 30.0, "currency": "eur",
                   "products": [{"product_id": "p-1", "price": 15.0, "quantity": 2}]},
}  # fmt: skip
MESSAGES = {
    "typed track": ("order_completed", PURCHASE),
    "custom track": ("invite_sent", {
        "type": "track", "messageId": "ajs-next-2", "anonymousId": "anon-1",
        "event": "Invite Sent", "context": CONTEXT, **TIMES,
        "properties": {"role": "editor", "seats": 3, "tags": ["a", "b"]},
    }),
    "page": ("pages", {
        "type": "page", "messageId": "ajs-next-3", "anonymousId": "anon-1", "name": "Checkout",
        "context": CONTEXT, **TIMES,
        "properties": {"title": "Checkout", "url": "https://shop.test/checkout",
                       "path": "/checkout", "search": "?step=2"},
    }),
    "screen": ("screens", {
        "type": "screen", "messageId": "ios-4", "userId": "u-1", "name": "Basket",
        "context": {"os": {"name": "iOS"}, "device": {"type": "ios"}}, **TIMES,
        "properties": {"items": 2},
    }),
    "identify": ("identifies", {
        "type": "identify", "messageId": "ajs-next-5", "userId": "u-1", "anonymousId": "anon-1",
        "context": {**CONTEXT, "traits": {"plan": "pro", "first_name": "Ann"}}, **TIMES,
        "traits": {"email": "ann@example.com", "name": "Ann", "plan": "pro"},
    }),
    "group": ("groups", {
        "type": "group", "messageId": "ajs-next-6", "userId": "u-1", "groupId": "acme",
        "context": CONTEXT, **TIMES, "traits": {"name": "Acme", "employees": 40},
    }),
    "alias": ("aliases", {
        "type": "alias", "messageId": "ajs-next-7", "userId": "u-1", "previousId": "anon-1",
        "context": CONTEXT, **TIMES,
    }),
}  # fmt: skip
"""Each call's archived message, and the table Segment loads it into."""


def _snake(name: str) -> str:
    """go-snakecase, which Segment's warehouses name columns with."""
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).lower()


def _flattened(prefix: str, value: dict[str, Any]) -> dict[str, Any]:
    columns: dict[str, Any] = {}
    for key, inner in value.items():
        column = f"{prefix}{_snake(key)}"
        if isinstance(inner, dict):
            columns.update(_flattened(f"{column}_", inner))
        else:
            columns[column] = orjson.dumps(inner).decode() if isinstance(inner, list) else inner
    return columns


def _warehouse_time(iso: str) -> str:
    """As BigQuery writes a TIMESTAMP: ``2024-03-01 10:00:05.250 UTC``."""
    return iso.replace("T", " ").replace("Z", " UTC")


def _loaded(message: dict[str, Any]) -> dict[str, Any]:
    """The row Segment's warehouse loads for ``message``, by its documented schema."""
    row: dict[str, Any] = {"id": message["messageId"]}
    for field in ("userId", "anonymousId", "groupId", "previousId"):
        if field in message:
            row[_snake(field)] = message[field]
    for field in ("timestamp", "originalTimestamp", "sentAt", "receivedAt"):
        row[_snake(field)] = _warehouse_time(message[field])
    row.update(_flattened("context_", message.get("context", {})))
    if message["type"] == "track":
        row["event"] = _snake(message["event"].replace(" ", ""))
        row["event_text"] = message["event"]
    if "name" in message:
        row["name"] = message["name"]
    row.update(_flattened("", message.get("properties", message.get("traits", {}))))
    return row


def _archived(message: dict[str, Any]) -> Any:
    return [to_event(m) for m in EXPORT_READERS["segment"](message, IMPORTED)]


def _read(line: bytes, file_name: str) -> Any:
    row = line_decoder("segment", file_name)(line)
    assert isinstance(row, dict), row
    return [to_event(m) for m in EXPORT_READERS["segment"](row, IMPORTED)]


@pytest.mark.parametrize("call", list(MESSAGES))
def test_a_tables_row_reads_as_the_message_segment_archived(call: str) -> None:
    table, message = MESSAGES[call]
    line = orjson.dumps(_loaded(message))
    assert _read(line, f"website_prod.{table}.json") == _archived(message)


def test_an_order_from_its_event_table_is_a_purchase_with_its_items() -> None:
    (event,) = _read(orjson.dumps(_loaded(PURCHASE)), "order_completed-000000000000.json")
    assert isinstance(event, PurchaseEvent)
    assert [(i.product_id, i.quantity) for i in event.properties.items] == [("p-1", 2)]
    assert event.occurred_at == datetime(2024, 3, 1, 10, 0, 5, 250000, tzinfo=UTC)
    assert event.received_at == datetime(2024, 3, 1, 10, 0, 7, 500000, tzinfo=UTC)
    assert event.context.page == "/checkout"
    assert event.context.country == "DE"


def test_the_context_is_nested_again_in_segments_names_and_traits_as_they_are() -> None:
    message = archived_message(_loaded(MESSAGES["identify"][1]), "identifies")
    assert isinstance(message, dict)
    assert message["context"] == {**CONTEXT, "traits": {"plan": "pro", "first_name": "Ann"}}


def test_the_same_event_from_archive_and_warehouse_has_one_id() -> None:
    (archived,) = _archived(PURCHASE)
    (loaded,) = _read(orjson.dumps(_loaded(PURCHASE)), "order_completed.json")
    assert archived.event_id == loaded.event_id


def test_a_pages_table_exported_as_csv() -> None:
    decode = line_decoder("segment", "exports/pages.csv")
    header = b"id,anonymous_id,user_id,received_at,sent_at,timestamp,url,path,title,referrer,context_ip,context_user_agent\n"  # noqa: E501
    assert decode(header) is None
    assert (
        decode(
            b'ajs-1,anon-9,,2015-02-23 22:28:55,2015-02-23 22:28:55,2015-02-23 22:28:55,https://x.test/p,/product,"Ferrets\n'
        )
        is None
    )
    row = decode(b'and more",https://www.google.com/,8.8.8.8,"Mozilla/5.0 (Macintosh, Intel)"\n')
    assert isinstance(row, dict)
    (event,) = [to_event(m) for m in EXPORT_READERS["segment"](row, IMPORTED)]
    assert isinstance(event, PageViewEvent)
    assert event.user_id == "anon-9"
    assert event.properties.title == "Ferrets\nand more"
    assert event.context.page == "/product"
    assert event.context.referrer == "https://www.google.com/"
    assert event.occurred_at == datetime(2015, 2, 23, 22, 28, 55, tzinfo=UTC)
    short = decode(b"ajs-2,anon-9\n")
    assert isinstance(short, Rejection)
    assert "header names 12 columns" in short.message


def test_the_users_table_is_each_users_latest_traits() -> None:
    line = (
        b'{"id": "u-1", "received_at": "2024-03-01 10:00:00.000 +0000", "email": "a@b.test", '
        b'"plan": null, "context_ip": null}'
    )
    (event,) = _read(line, "users.json")
    assert isinstance(event, IdentifyEvent)
    assert event.user_id == "u-1"
    assert event.properties.set == {"email": "a@b.test"}
    assert event.occurred_at == datetime(2024, 3, 1, 10, tzinfo=UTC)


def test_a_rows_call_told_by_its_columns_when_its_file_is_not_named_after_its_table() -> None:
    base = {"id": "m-1", "user_id": "u-1", "received_at": "2024-03-01 10:00:00"}
    (alias,) = _read(orjson.dumps({**base, "previous_id": "anon-1"}), "export.json")
    assert isinstance(alias, AliasEvent)
    assert alias.properties.previous_id == "anon-1"
    (group,) = _read(orjson.dumps({**base, "group_id": "acme"}), "export.json")
    assert isinstance(group, CustomEvent)
    assert group.event_type == "$group"
    (page,) = _read(orjson.dumps({**base, "url": "https://x.test/a"}), "export.json")
    assert isinstance(page, PageViewEvent)
    assert page.context.page == "/a"
    refusal = line_decoder("segment", "export.json")(orjson.dumps({**base, "email": "a@b.test"}))
    assert isinstance(refusal, Rejection)
    assert "name the file after it" in refusal.message
    (identify,) = _read(orjson.dumps({**base, "email": "a@b.test"}), "identifies.json")
    assert isinstance(identify, IdentifyEvent)


@pytest.mark.parametrize(
    ("name", "table"),
    [
        ("pages.csv", "pages"),
        ("website_prod.identifies-000000000000.json.gz", "identifies"),
        ("users/part-0.csv", "users"),
        ("pages/users-0.json", "users"),
        ("order_completed.json", None),
        ("", None),
    ],
)
def test_a_files_name_names_its_table(name: str, table: str | None) -> None:
    assert table_of(name) == table


def test_archived_messages_still_read_as_they_are_and_a_property_named_type_is_a_column() -> None:
    decode = line_decoder("segment", "pages.json")
    assert decode(orjson.dumps(PURCHASE)) == PURCHASE
    row = {**_loaded(PURCHASE), "type": "gift"}
    (event,) = _read(orjson.dumps(row), "pages.json")
    assert isinstance(event, PurchaseEvent)
    assert (event.properties.extra or {}).get("type") == "gift"
    not_json = decode(b"not json\n")
    assert isinstance(not_json, Rejection)
    assert "not JSON" in not_json.message


def test_a_folder_of_tables_reads_each_by_its_files_name(tmp_path: Path) -> None:
    (tmp_path / "identifies").mkdir()
    (tmp_path / "identifies" / "part-0.json.gz").write_bytes(
        gzip.compress(orjson.dumps(_loaded(MESSAGES["identify"][1])) + b"\n")
    )
    (tmp_path / "order_completed.json").write_bytes(orjson.dumps(_loaded(PURCHASE)) + b"\n")
    page = _loaded(MESSAGES["page"][1])
    columns = list(page)
    (tmp_path / "pages.csv").write_text(
        ",".join(columns) + "\n" + ",".join(str(page[c]) for c in columns) + "\n"
    )
    events = [event for _, event in exported_events(tmp_path, "segment")]
    assert [type(e) for e in events] == [IdentifyEvent, PurchaseEvent, PageViewEvent]
    assert isinstance(events[0], IdentifyEvent)
    assert events[0].properties.anonymous_id == "anon-1"
    assert events == [*_archived(MESSAGES["identify"][1]), *_archived(PURCHASE),
                      *_archived(MESSAGES["page"][1])]  # fmt: skip


def test_a_warehouse_table_given_as_another_format_is_named() -> None:
    header = b"id,anonymous_id,user_id,received_at,url,path,title\n"
    rows = [b"m-%d,anon-1,,2024-03-01 10:00:00 UTC,https://x.test/a,/a,A\n" % n for n in range(5)]
    said = mismatch([header, *rows], "posthog", "pages.csv")
    assert said is not None
    assert "read as --format segment" in said


def test_a_folder_of_tables_is_judged_file_by_file_as_the_import_reads_it(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "export"
    (folder / "identifies").mkdir(parents=True)
    (folder / "identifies" / "part-0.csv").write_text(
        "id,anonymous_id,user_id,received_at,plan\nm-1,anon-1,u-1,2024-03-01 10:00:00,pro\n"
    )
    (folder / "order_completed.json").write_bytes(orjson.dumps(_loaded(PURCHASE)) + b"\n")
    sample = first_lines(folder, 100)
    assert mismatch(sample, "segment", str(folder)) is None
    assert settle(sample, "auto", str(folder))[0] == "segment"


def test_the_tracks_table_is_read_after_the_event_tables_that_hold_its_properties(
    tmp_path: Path,
) -> None:
    columns = "id,anonymous_id,received_at,event,event_text"
    row = "m-1,anon-1,2024-03-01 10:00:00 UTC,viewed_product,Viewed Product"
    (tmp_path / "tracks.csv").write_text(f"{columns}\n{row}\n")
    (tmp_path / "viewed_product.csv").write_text(f"{columns},sku\n{row},p-1\n")
    first, second = (event for _, event in exported_events(tmp_path, "segment"))
    assert first.event_id == second.event_id, "one call in two tables"
    assert isinstance(first, CustomEvent)
    assert first.properties == {"sku": "p-1"}, "storage keeps the first of an id"


def test_a_folder_named_after_its_table_is_read_and_judged_as_that_table(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "identifies"
    folder.mkdir()
    (folder / "part-0.csv").write_text(
        "id,anonymous_id,user_id,received_at,plan\nm-1,anon-1,u-1,2024-03-01 10:00:00,pro\n"
    )
    (event,) = [event for _, event in exported_events(folder, "segment")]
    assert isinstance(event, IdentifyEvent)
    assert mismatch(first_lines(folder, 100), "segment", str(folder)) is None
