"""``eventtide ml evaluate`` on a purchase history written as eventtide JSONL."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from eventtide.core.cli import build_app

pytestmark = pytest.mark.unit

START = datetime(2025, 1, 1, tzinfo=UTC)


def _purchase(user: str, at: datetime, amount: float) -> dict[str, object]:
    return {
        "event_id": str(uuid.uuid4()),
        "event_type": "purchase",
        "user_id": user,
        "session_id": f"{user}-{at.timestamp():.0f}",
        "occurred_at": at.isoformat(),
        "received_at": at.isoformat(),
        "schema_version": 2,
        "context": {"platform": "web", "device": "desktop", "country": "DE", "page": "/done"},
        "properties": {
            "order_id": f"o-{uuid.uuid4().hex[:12]}",
            "items": [{"product_id": "p-1", "price": amount, "quantity": 1}],
            "amount": amount,
            "currency": "EUR",
        },
    }


def _history(path: Path, customers: int = 200) -> None:
    """Customers buying at their own pace over 200 days; some stop for good."""
    rng = np.random.default_rng(0)
    lines = []
    for index in range(customers):
        user = f"c-{index:04d}"
        rate = rng.choice([0.05, 0.15, 0.4])  # orders per day
        stop = rng.uniform(30, 260) if rng.random() < 0.5 else 1e9
        day = rng.exponential(1 / rate)
        while day < min(200.0, stop):
            lines.append(json.dumps(_purchase(user, START + timedelta(days=day), 19.99)))
            day += rng.exponential(1 / rate)
    lines.append('{"event_type": "purchase", "user_id": "broken"}')  # refused, reported
    path.write_text("\n".join(lines) + "\n")


def test_evaluate_prints_ours_and_every_baseline(tmp_path):
    history = tmp_path / "purchases.jsonl"
    _history(history)
    result = CliRunner().invoke(
        build_app(),
        ["ml", "evaluate", "--from-file", str(history), "--cutoff", "2025-06-20", "--json"],
    )
    assert result.exit_code == 0, result.output
    record = json.loads(result.stdout)  # stdout is the JSON alone, nothing before it
    models = {score["model"]: score for score in record["scores"]}
    assert set(models) == {"ours", "recency", "rfm_logistic", "bgnbd"}
    assert record["notes"]["ours"].startswith("ours_")
    for score in models.values():
        assert 0.5 < score["roc_auc"] <= 1.0
        assert 0.0 <= score["brier"] < 0.25
    assert "1 rejected" in result.stderr


def test_a_cutoff_whose_window_runs_past_the_data_is_refused(tmp_path):
    history = tmp_path / "purchases.jsonl"
    _history(history, customers=40)
    result = CliRunner().invoke(
        build_app(), ["ml", "evaluate", "--from-file", str(history), "--cutoff", "2025-07-10"]
    )
    assert result.exit_code == 1
    assert "cannot evaluate" in result.stderr
    assert "before the label window ends at 2025-08-09 00:00:00 UTC" in result.stderr
    assert "choose an earlier --cutoff or a shorter --horizon-days" in result.stderr


def test_a_file_with_no_valid_event_says_so_and_points_at_the_format(tmp_path):
    """Every line lacks ``received_at`` (a purchase log converted by hand): the reason is
    shown per line and the run ends on what the file lacks, not on a window of NaN."""
    history = tmp_path / "purchases.jsonl"
    event = _purchase("c-1", START, 19.99)
    del event["received_at"]
    history.write_text(json.dumps(event) + "\n")
    result = CliRunner().invoke(
        build_app(), ["ml", "evaluate", "--from-file", str(history), "--cutoff", "2025-01-20"]
    )
    assert result.exit_code == 1
    assert "received_at: Field required" in result.stderr
    assert f"cannot evaluate: {history} holds no valid event" in result.stderr
    assert "docs/events.md" in result.stderr
    assert "nan" not in result.stderr


def test_a_history_where_nobody_leaves_is_refused_with_the_way_out(tmp_path):
    """Every customer buys every third day to the end: no churner to learn from."""
    history = tmp_path / "purchases.jsonl"
    lines = [
        json.dumps(_purchase(f"c-{user}", START + timedelta(days=day, hours=user % 24), 5.0))
        for user in range(40)
        for day in range(0, 200, 3)
    ]
    history.write_text("\n".join(lines) + "\n")
    result = CliRunner().invoke(
        build_app(), ["ml", "evaluate", "--from-file", str(history), "--cutoff", "2025-04-01"]
    )
    assert result.exit_code == 1
    assert "training users was active again in the 30 days after 2025-03-02" in result.stderr
    assert "choose another --cutoff or --horizon-days" in result.stderr


def test_the_active_population_is_smaller_and_named(tmp_path):
    """``--active-within-days`` judges only users seen in the days before each cut-off."""
    history = tmp_path / "purchases.jsonl"
    _history(history)
    runs = {}
    for extra in ([], ["--active-within-days", "30"]):
        result = CliRunner().invoke(
            build_app(),
            ["ml", "evaluate", "--from-file", str(history), "--cutoff", "2025-06-20", "--json",
             *extra],
        )  # fmt: skip
        assert result.exit_code == 0, result.output
        runs[bool(extra)] = json.loads(result.stdout)
    assert runs[True]["active_within_days"] == 30
    assert runs[False]["active_within_days"] is None
    assert runs[True]["scores"][0]["users"] < runs[False]["scores"][0]["users"]
    assert runs[True]["train_users"] < runs[False]["train_users"]


def _as_amplitude(native_line: str) -> str:
    """One eventtide purchase as Amplitude's Export API writes an order."""
    event = json.loads(native_line)
    properties = event["properties"]
    products = [{"product_id": i["product_id"], "price": i["price"], "quantity": i["quantity"]}
                for i in properties["items"]]  # fmt: skip
    at = datetime.fromisoformat(event["occurred_at"]).strftime("%Y-%m-%d %H:%M:%S.%f")
    return json.dumps({
        "event_type": "Order Completed", "user_id": event["user_id"], "event_time": at,
        "$insert_id": event["event_id"],
        "event_properties": {"order_id": properties["order_id"], "products": products},
    })  # fmt: skip


def test_another_tools_export_is_evaluated_as_its_format_and_a_wrong_format_named(tmp_path):
    native = tmp_path / "purchases.jsonl"
    _history(native)
    export = tmp_path / "amplitude.jsonl"
    lines = native.read_text().splitlines()[:-1]  # without the broken line
    export.write_text("\n".join(_as_amplitude(line) for line in lines) + "\n")
    args = ["ml", "evaluate", "--cutoff", "2025-06-20", "--json", "--from-file", str(export)]

    from eventtide.ml.sources import read_file

    read, same = read_file(export, "amplitude")[0], read_file(native)[0]
    for column in ("user", "time", "name", "amount"):
        assert getattr(read, column).tolist() == getattr(same, column).tolist(), column
    result = CliRunner().invoke(build_app(), [*args, "--format", "auto"])
    assert result.exit_code == 0, result.output
    assert "as --format amplitude: 100 of its first 100 lines read so" in result.stderr
    assert {score["model"] for score in json.loads(result.stdout)["scores"]} == {
        "ours", "recency", "rfm_logistic", "bgnbd"}  # fmt: skip

    wrong = CliRunner().invoke(build_app(), args)  # no --format: eventtide's own
    assert wrong.exit_code == 2, wrong.output
    assert "read as --format amplitude" in wrong.stderr


def test_a_purchase_log_as_a_table_reads_as_the_same_history(tmp_path):
    native = tmp_path / "purchases.jsonl"
    _history(native)
    table = tmp_path / "orders.csv"
    rows = ["CustomerID,InvoiceNo,InvoiceDate,StockCode,UnitPrice,Quantity"]
    for line in native.read_text().splitlines()[:-1]:  # without the broken line
        event = json.loads(line)
        for item in event["properties"]["items"]:
            rows.append(",".join([event["user_id"], event["properties"]["order_id"],
                                  event["occurred_at"], item["product_id"],
                                  str(item["price"]), str(item["quantity"])]))  # fmt: skip

    table.write_text("\n".join(rows) + "\n")
    from eventtide.ml.sources import read_file

    read, same = read_file(table, "purchases")[0], read_file(native)[0]
    assert len(read) == len(same) > 1000
    for column in ("user", "time", "name", "amount"):
        assert getattr(read, column).tolist() == getattr(same, column).tolist(), column


def test_a_basket_table_of_day_numbers_reads_with_day_one(tmp_path):
    """dunnhumby's shape: days numbered from 1, the time of day as HHMM, a value per line."""
    native = tmp_path / "purchases.jsonl"
    _history(native, customers=40)
    table = tmp_path / "transaction_data.csv"
    rows = ["household_key,BASKET_ID,DAY,TRANS_TIME,PRODUCT_ID,QUANTITY,SALES_VALUE"]
    for line in native.read_text().splitlines()[:-1]:
        event = json.loads(line)
        at = datetime.fromisoformat(event["occurred_at"])
        day = (at.date() - START.date()).days + 1
        for item in event["properties"]["items"]:
            value = item["price"] * item["quantity"]
            rows.append(",".join(map(str, [event["user_id"], event["properties"]["order_id"], day,
                                           at.hour * 100 + at.minute, item["product_id"],
                                           item["quantity"], round(value, 2)])))  # fmt: skip
    table.write_text("\n".join(rows) + "\n")
    from eventtide.core.events.contracts.table_rows import TableHints
    from eventtide.ml.sources import read_file

    hints = TableHints(day_one=START.date())
    read, same = read_file(table, "purchases", hints)[0], read_file(native)[0]
    assert read.user.tolist() == same.user.tolist()
    assert read.amount.tolist() == same.amount.tolist()
    gaps = same.time - read.time  # Unix seconds
    assert ((gaps >= 0) & (gaps < 60)).all(), "the same minute: HHMM has no seconds"
    args = ["ml", "evaluate", "--from-file", str(table), "--cutoff", "2025-06-20", "--json"]
    result = CliRunner().invoke(build_app(), [*args, "--format", "auto", "--day-one",
                                              START.date().isoformat()])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "as --format purchases" in result.stderr
    assert {score["model"] for score in json.loads(result.stdout)["scores"]} >= {"ours"}


def test_a_purchase_table_with_its_own_column_names_is_read_with_column(tmp_path):
    native = tmp_path / "purchases.jsonl"
    _history(native, customers=40)
    table = tmp_path / "rechnungen.csv"
    rows = ["Kunde;Beleg;Zeit;Betrag"]
    for line in native.read_text().splitlines()[:-1]:
        event = json.loads(line)
        properties = event["properties"]
        rows.append(";".join([event["user_id"], properties["order_id"], event["occurred_at"],
                              str(properties["amount"])]))  # fmt: skip
    table.write_text("\n".join(rows) + "\n")
    named = ["--column", "user=Kunde", "--column", "order=Beleg", "--column", "time=Zeit",
             "--column", "amount=Betrag"]  # fmt: skip
    args = ["ml", "evaluate", "--from-file", str(table), "--cutoff", "2025-06-20"]
    from eventtide.core.events.contracts.table_rows import TableHints
    from eventtide.ml.sources import read_file

    given = dict(pair.split("=") for pair in named[1::2])
    read, same = read_file(table, "purchases", TableHints(given))[0], read_file(native)[0]
    for column in ("user", "time", "amount"):
        assert getattr(read, column).tolist() == getattr(same, column).tolist(), column
    late = [*args[:-1], "2026-01-01"]  # past the history: read, then refused at once
    result = CliRunner().invoke(build_app(), [*late, "--format", "purchases", *named])
    assert f"{len(rows) - 1} lines, {len(rows) - 1} valid, 0 rejected" in result.stderr
    refused = CliRunner().invoke(build_app(), [*args, "--format", "purchases"])
    assert refused.exit_code == 1, refused.output
    assert "no column for the user" in refused.stderr
    unused = CliRunner().invoke(build_app(), [*args, *named])
    assert unused.exit_code == 2
    assert "give it with --format purchases or clickstream" in unused.output
