"""A file in another format than ``--format`` says stops the import before anything is
sent, naming the format that reads it; ``--format auto`` reads it as that format."""

from __future__ import annotations

import uuid
from pathlib import Path

import orjson
import pytest
from typer.testing import CliRunner

from eventtide.core.cli import build_app
from eventtide.core.events.contracts.format_check import FormatProblemError, mismatch, settle

pytestmark = pytest.mark.unit

UNREACHABLE = {
    "KAFKA_BOOTSTRAP_SERVERS": "127.0.0.1:9",
    "EVENTTIDE_PRODUCER_CONNECT_TIMEOUT_S": "1",
}
"""Nothing listens there: reaching Kafka would fail otherwise (exit 1, "cannot produce")."""


def _amplitude(count: int) -> list[bytes]:
    return [orjson.dumps({"event_type": "Song Played", "user_id": f"u-{n}",
                          "event_time": "2024-03-01 10:00:00", "$insert_id": f"i-{n}"})
            for n in range(count)]  # fmt: skip


def _native(count: int) -> list[bytes]:
    return [orjson.dumps({
        "event_id": str(uuid.uuid4()), "event_type": "page_view", "user_id": f"u-{n}",
        "session_id": "s", "occurred_at": "2024-03-01T10:00:00Z",
        "received_at": "2024-03-01T10:00:01Z",
        "context": {"platform": "web", "device": "desktop", "country": "DE", "page": "/"},
        "properties": {}}) for n in range(count)]  # fmt: skip


def test_lines_of_another_format_name_it() -> None:
    said = mismatch(_amplitude(3), "segment", "x.jsonl")
    assert said is not None
    assert "none of the first 3 lines of x.jsonl reads as --format segment" in said
    assert "3 of them read as --format amplitude" in said
    native = mismatch(_native(150), "posthog", "y.jsonl")
    assert native is not None
    assert "first 100 lines" in native, "judged on the first lines alone"
    assert "eventtide events (no --format)" in native


def test_lines_of_the_format_given_or_of_none_pass() -> None:
    assert mismatch(_amplitude(3), "amplitude", "x") is None
    assert mismatch([b"{}", b"not json", b"\n"], "segment", "x") is None, "each line says why"
    assert mismatch([], "segment", "x") is None
    one_good = [b"not json", *_amplitude(1)]
    assert mismatch(one_good, "amplitude", "x") is None, "one line read is enough"


def test_the_cli_stops_before_kafka_with_the_format_to_use(tmp_path: Path) -> None:
    export = tmp_path / "export.jsonl"
    export.write_bytes(b"\n".join(_amplitude(5)))
    result = CliRunner().invoke(
        build_app(), ["produce", "--from-file", str(export)], env=UNREACHABLE
    )
    assert result.exit_code == 2, result.output
    assert "nothing sent" in result.output
    assert "--format amplitude" in result.output
    assert "cannot produce" not in result.output


def test_every_format_has_a_signature() -> None:
    from eventtide.core.events.contracts import EXPORT_READERS
    from eventtide.core.events.contracts.format_check import SIGNATURES

    assert set(SIGNATURES) == {"eventtide", *EXPORT_READERS}


def test_auto_chooses_the_format_most_first_lines_read_as() -> None:
    assert settle(_amplitude(3), "auto", "x.jsonl") == (
        "amplitude",
        "reading x.jsonl as --format amplitude: 3 of its first 3 lines read so",
    )
    mixed = [*_native(2), *_amplitude(3), b"not json"]
    assert settle(mixed, "auto", "x")[0] == "amplitude", "most lines"
    assert settle([*_native(3), *_amplitude(3)], "auto", "x")[0] == "eventtide", "a tie"
    assert settle([], "auto", "x") == ("eventtide", None)
    with pytest.raises(FormatProblemError, match="none of the first 2 lines of x reads"):
        settle([b"{}", b"not json"], "auto", "x")
    assert settle(_amplitude(3), "amplitude", "x") == ("amplitude", None)
    with pytest.raises(FormatProblemError, match="read as --format amplitude"):
        settle(_amplitude(3), "posthog", "x")


def test_the_cli_reads_a_warehouse_table_as_the_format_auto_found(tmp_path: Path) -> None:
    table = tmp_path / "pages.csv"
    table.write_text("id,anonymous_id,received_at,path\nm-1,anon-1,2024-03-01 10:00:00 UTC,/a\n")
    result = CliRunner().invoke(
        build_app(), ["produce", "--from-file", str(table), "--format", "auto"], env=UNREACHABLE
    )
    assert "as --format segment: 1 of its first 2 lines read so" in result.output
    assert result.exit_code == 1, result.output
    assert "cannot produce" in result.output, "past the check, on to Kafka"


def test_column_needs_a_purchase_table_and_a_part_it_knows(tmp_path: Path) -> None:
    export = tmp_path / "export.jsonl"
    export.write_bytes(b"\n".join(_amplitude(1)))
    base = ["produce", "--from-file", str(export)]
    alone = CliRunner().invoke(build_app(), [*base, "--column", "user=Kunde"], env=UNREACHABLE)
    assert alone.exit_code == 2, alone.output
    assert "give it with --format purchases or clickstream" in alone.output
    unknown = CliRunner().invoke(
        build_app(), [*base, "--format", "purchases", "--column", "buyer=Kunde"], env=UNREACHABLE
    )
    assert unknown.exit_code == 2, unknown.output
    assert "not a part of an event" in unknown.output


def test_day_one_needs_a_table_and_a_date_and_reads_day_numbers(tmp_path: Path) -> None:
    export = tmp_path / "export.jsonl"
    export.write_bytes(b"\n".join(_amplitude(1)))
    base = ["produce", "--from-file", str(export)]
    alone = CliRunner().invoke(build_app(), [*base, "--day-one", "2020-01-01"], env=UNREACHABLE)
    assert alone.exit_code == 2, alone.output
    assert "--day-one is for a table's columns" in alone.output
    table = tmp_path / "transaction_data.csv"
    table.write_text("household_key,BASKET_ID,DAY,SALES_VALUE,TRANS_TIME\n1,2,3,4.5,930\n")
    table_args = ["produce", "--from-file", str(table), "--format", "purchases"]
    bad = CliRunner().invoke(build_app(), [*table_args, "--day-one", "1/1/2020"], env=UNREACHABLE)
    assert bad.exit_code == 2, bad.output
    assert "--day-one" in bad.output
    dated = CliRunner().invoke(
        build_app(), [*table_args, "--day-one", "2020-01-01"], env=UNREACHABLE
    )
    assert "cannot produce" in dated.output, "past the check, on to Kafka"


def test_the_cli_says_which_tables_it_joins(tmp_path: Path) -> None:
    shop = tmp_path / "shop"
    shop.mkdir()
    (shop / "orders.csv").write_text(
        "order_id,customer_id,order_purchase_timestamp\no1,c1,2017-10-02 10:56:33\n"
    )
    (shop / "items.csv").write_text("order_id,product_id,price\no1,p1,29.99\n")
    (shop / "customers.csv").write_text("customer_id,customer_unique_id\nc1,u1\n")
    result = CliRunner().invoke(
        build_app(), ["produce", "--from-file", str(shop), "--format", "auto"], env=UNREACHABLE
    )
    assert "as --format purchases" in result.output
    joined = (
        "as one purchase log joined from its tables: orders from orders.csv, their lines from "
        "items.csv by order_id, each customer_id as its customer_unique_id from customers.csv"
    )
    assert joined in " ".join(result.output.split()), result.output
    assert "cannot produce" in result.output, "past the check, on to Kafka"
