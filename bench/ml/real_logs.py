"""The churn evaluation on public purchase logs: CDNOW and UCI Online Retail.

``python -m bench.ml.real_logs [--online-retail PATH ...] [--out-dir DIR]`` writes each log
as eventtide JSONL (one ``purchase`` per order), then runs ``eventtide ml evaluate``'s
evaluation on it at the cut-offs docs/ml.md reports, for every customer and for those
active in the 30 days before each cut-off, and prints the tables.

- CDNOW (``CDNOW_master.txt``: customer, date, CDs, dollars; 69,659 orders of one 1997
  cohort) ships with ``lifetimes``, a development dependency, so it is always run.
  Each line is one order at noon UTC of its day.
- UCI Online Retail (541,909 invoice lines of a UK wholesaler, 2010-12-01 to 2011-12-09)
  is not in a package registry: give its CSV (``InvoiceNo, StockCode, Description,
  Quantity, InvoiceDate, UnitPrice, CustomerID, Country``), as one file or as the
  files of a directory. Each invoice becomes one order; lines without a customer,
  cancellations (``C`` invoices), returns (quantity ≤ 0) and zero prices are left out,
  quantities above the event schema's 10,000 capped and items beyond its 500 dropped.

The converters predate ``--format purchases``, which reads both files as they are
published (docs/ml.md compares the two); they are kept so that the recorded tables
rerun as they were recorded, from a fresh clone.
"""

from __future__ import annotations

import argparse
import csv
import json
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

import orjson

from eventtide.ml.churn_eval import evaluate_churn, format_table
from eventtide.ml.sources import read_file

NAMESPACE: Final = uuid.UUID("6b1d8f0e-2f7a-4c39-9a57-3c0f5d2f8e11")
"""Event ids are uuid5 of the log's own order key, so a rerun writes the same events."""
MAX_QUANTITY: Final = 10_000
MAX_ITEMS: Final = 500
CDNOW_CUTOFFS: Final = (("1998-01-01", 90.0), ("1998-03-01", 90.0))
RETAIL_CUTOFFS: Final = (("2011-09-01", 90.0), ("2011-10-01", 60.0), ("2011-11-01", 30.0))
ACTIVE_DAYS: Final = 30.0


def _purchase(
    key: str, user: str, at: datetime, items: list[dict[str, Any]], currency: str, country: str
) -> dict[str, Any]:
    """One order as an eventtide ``purchase``; a log has no session, device or page."""
    amount = round(sum(i["price"] * i["quantity"] for i in items), 2)
    moment = at.isoformat()
    return {
        "event_id": str(uuid.uuid5(NAMESPACE, key)),
        "event_type": "purchase",
        "user_id": user,
        "session_id": key,
        "occurred_at": moment,
        "received_at": moment,
        "schema_version": 2,
        "context": {"platform": "web", "device": "desktop", "country": country, "page": "/"},
        "properties": {"order_id": key, "items": items, "amount": amount, "currency": currency},
    }


def cdnow_events(lines: Iterable[str]) -> Iterator[dict[str, Any]]:
    """``CDNOW_master.txt`` lines (a header line is skipped) as purchases."""
    for number, line in enumerate(lines):
        fields = line.split()
        if len(fields) != 4 or not fields[1].isdigit():
            continue
        customer, day, _cds, dollars = fields
        at = datetime.strptime(day, "%Y%m%d").replace(hour=12, tzinfo=UTC)
        price = round(float(dollars), 2)
        item = {"product_id": "cd", "price": price, "quantity": 1}
        yield _purchase(f"cdnow-{number}", customer, at, [item], "USD", "US")


def online_retail_events(
    rows: Iterable[list[str]], skipped: Counter[str]
) -> Iterator[dict[str, Any]]:
    """Online Retail CSV rows as one purchase per invoice, in file order.

    Takes both published layouts: the 2010-2011 file (``InvoiceNo ... CustomerID``) and
    Online Retail II (``Invoice ... Price, Customer ID``), with the invoice date as ISO
    (``2010-12-01 08:26:00``) or as the spreadsheet export writes it (``12/1/2010 8:26``),
    taken as UTC. Header rows (a quantity that is no number) are skipped. ``skipped``
    counts what was left out and why.
    """
    invoices: dict[str, list[list[str]]] = {}
    for row in rows:
        if len(row) != 8 or not row[3].lstrip("-").isdigit():
            continue
        invoice, _code, _text, quantity, _at, price, customer, _country = row
        if not customer:
            skipped["no customer"] += 1
        elif invoice.startswith("C") or int(quantity) <= 0:
            skipped["cancellation or return"] += 1
        elif float(price) <= 0:
            skipped["zero price"] += 1
        else:
            invoices.setdefault(invoice, []).append(row)
    for invoice, lines in invoices.items():
        first = lines[0]
        if len(lines) > MAX_ITEMS:
            skipped["items beyond 500"] += len(lines) - MAX_ITEMS
        items = [
            {"product_id": r[1], "price": float(r[5]), "quantity": min(int(r[3]), MAX_QUANTITY)}
            for r in lines[:MAX_ITEMS]
        ]
        at = _invoice_time(first[4])
        user = str(int(float(first[6])))
        yield _purchase(invoice, user, at, items, "GBP", "GB")


def _invoice_time(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        moment = datetime.strptime(text, "%m/%d/%Y %H:%M")
    return moment.replace(tzinfo=UTC)


def _retail_rows(paths: list[Path]) -> Iterator[list[str]]:
    files = [f for p in paths for f in (sorted(p.glob("*.csv")) if p.is_dir() else [p])]
    for file in files:
        with file.open(newline="", encoding="utf-8") as handle:
            yield from csv.reader(handle)


def write_jsonl(events: Iterable[dict[str, Any]], path: Path) -> int:
    """Write the events one per line; how many."""
    count = 0
    with path.open("wb") as out:
        for event in events:
            out.write(orjson.dumps(event) + b"\n")
            count += 1
    return count


def evaluate_log(path: Path, cutoffs: tuple[tuple[str, float], ...]) -> list[dict[str, Any]]:
    """Every cut-off, for every customer and for the recently active, printed and returned."""
    log, report = read_file(path)
    print(f"{path}: {report.accepted} valid, {report.rejected} rejected")
    results = []
    for (day, horizon), active in ((c, a) for c in cutoffs for a in (None, ACTIVE_DAYS)):
        cutoff = datetime.fromisoformat(day).replace(tzinfo=UTC).timestamp()
        began = time.perf_counter()
        evaluation = evaluate_churn(log, cutoff, horizon, active_within_days=active)
        who = "every customer" if active is None else f"active in the {active:g} days before"
        took = time.perf_counter() - began
        print(f"\ncut-off {day}, horizon {horizon:g} days, {who} ({took:.1f} s)")
        print(format_table(evaluation))
        results.append(
            {
                "cutoff": day,
                "horizon_days": horizon,
                "active_within_days": active,
                **evaluation.record(),
            }
        )
    return results


def _cdnow_master() -> Path:
    import lifetimes  # a development dependency, which ships the file

    return Path(lifetimes.__file__).parent / "datasets" / "CDNOW_master.txt"


def main() -> None:
    """Convert, evaluate, print; the JSON of every table goes to ``--output``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--online-retail", type=Path, nargs="+", default=[],
        help="UCI Online Retail CSV file(s), or a directory of them (not shipped).",
    )  # fmt: skip
    parser.add_argument(
        "--out-dir", type=Path, default=None,
        help="where the JSONL files go (default: a new temporary directory)",
    )  # fmt: skip
    parser.add_argument("--output", type=Path, default=None, help="where the JSON goes")
    args = parser.parse_args()
    missing = [str(p) for p in args.online_retail if not p.exists()]
    if missing:
        parser.error(f"no such file or directory: {', '.join(missing)}")
    out_dir = args.out_dir or Path(tempfile.mkdtemp(prefix="eventtide-real-logs-"))
    record: dict[str, Any] = {}
    cdnow = out_dir / "cdnow.jsonl"
    with _cdnow_master().open(encoding="utf-8") as lines:
        print(f"CDNOW: {write_jsonl(cdnow_events(lines), cdnow)} orders")
    record["cdnow"] = evaluate_log(cdnow, CDNOW_CUTOFFS)
    if args.online_retail:
        retail, skipped = out_dir / "online_retail.jsonl", Counter[str]()
        written = write_jsonl(
            online_retail_events(_retail_rows(args.online_retail), skipped), retail
        )
        print(f"\nOnline Retail: {written} invoices; left out: {dict(skipped)}")
        record["online_retail"] = evaluate_log(retail, RETAIL_CUTOFFS)
    if args.output:
        args.output.write_text(json.dumps(record, indent=2) + "\n")
        print(f"\nwritten {args.output}")


if __name__ == "__main__":
    main()
