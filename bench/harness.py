"""What every benchmark shares: repeated runs, medians, ratios, a table and a JSON record.

A benchmark measures our path and a peer (a ceiling or the naive design) in the same
invocation, because the machines are shared and noisy: only the ratio between two
figures taken side by side means much, and medians of several runs damp the noise.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql
from rich.console import Console
from rich.table import Table
from sqlalchemy.engine import make_url

from eventtide.core.db import libpq_url
from eventtide.core.db.migrate import upgrade

RESULTS_DIR = Path(__file__).resolve().parent / "results"
FULL_RUNS = 5
QUICK_RUNS = 1
_PACKAGES = ("confluent-kafka", "psycopg", "pydantic", "orjson", "sqlalchemy", "kopf")
_run_id = uuid.uuid4().hex
"""Written into the record, so a caller can tell this run's file from an older one."""


@dataclass
class Series:
    """Repeated measurements of one contender, in ``unit`` (higher is better unless noted)."""

    name: str
    unit: str
    values: list[float] = field(default_factory=list)
    higher_is_better: bool = True

    @property
    def median(self) -> float:
        """The median, robust against one noisy run."""
        return statistics.median(self.values) if self.values else float("nan")


@dataclass
class Comparison:
    """Ours against a peer measured in the same invocation."""

    metric: str
    ours: Series
    peer: Series
    goal_ratio: float | None = None

    @property
    def ratio(self) -> float:
        """ours / peer on medians (for lower-is-better metrics, peer / ours)."""
        if self.ours.higher_is_better:
            return self.ours.median / self.peer.median
        return self.peer.median / self.ours.median


def parse_args(description: str, argv: Sequence[str] | None = None) -> argparse.Namespace:
    """The flags every benchmark takes."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument(
        "--quick",
        action="store_true",
        help="one short run, to prove the benchmark still works (the test suite uses it)",
    )
    parser.add_argument("--runs", type=int, default=None, help="repetitions (default 5)")
    parser.add_argument(
        "--run-id", default=None, help="label for the record (default: a fresh random id)"
    )
    args = parser.parse_args(argv)
    if args.run_id:
        global _run_id
        _run_id = args.run_id
    if args.runs is not None and args.runs < 1:
        parser.error("--runs must be at least 1")
    args.runs = args.runs or (QUICK_RUNS if args.quick else FULL_RUNS)
    return args


def fresh_database(url: str, *, prefix: str = "bench") -> str:
    """A new database on the same server, migrated to head, so each run starts empty."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(libpq_url(url), autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    fresh = make_url(url).set(database=name).render_as_string(hide_password=False)
    upgrade(fresh)
    return fresh


def drop_database(url: str, fresh: str) -> None:
    """Remove a database made by :func:`fresh_database`."""
    name = make_url(fresh).database or ""
    with psycopg.connect(libpq_url(url), autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


def repeat(
    runs: int, label: str, once: Callable[[int], dict[str, float]]
) -> list[dict[str, float]]:
    """Run ``once(i)`` ``runs`` times, printing a line per run so long benchmarks show life."""
    results = []
    for index in range(runs):
        started = time.monotonic()
        figures = once(index)
        shown = ", ".join(f"{key}={value:,.1f}" for key, value in figures.items())
        print(
            f"[bench] {label} run {index + 1}/{runs}: {shown} ({time.monotonic() - started:.1f}s)"
        )
        results.append(figures)
    return results


def machine() -> dict[str, Any]:
    """What ran the benchmark, so figures from different machines are not compared blindly."""
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    return {
        "cpu": model,
        "cores": os.cpu_count(),
        "memory_gib": round(memory / 2**30, 1),
        "platform": platform.platform(),
        "python": platform.python_version(),
    }


def versions(extra: dict[str, str] | None = None) -> dict[str, str]:
    """Versions of the libraries on the measured path, plus anything the benchmark adds."""
    found: dict[str, str] = {}
    for package in _PACKAGES:
        try:
            found[package] = version(package)
        except PackageNotFoundError:
            continue
    return {**found, **(extra or {})}


def report(
    name: str,
    comparisons: Sequence[Comparison],
    *,
    quick: bool,
    parameters: dict[str, Any],
    extra_versions: dict[str, str] | None = None,
    notes: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Print the table and write ``bench/results/<name>.json`` (``<name>.quick.json`` if quick)."""
    table = Table(title=f"bench/{name}" + (" (quick)" if quick else ""), title_justify="left")
    for column in ("metric", "ours", "median", "peer", "median", "ratio", "goal"):
        table.add_column(column)
    for item in comparisons:
        goal = f">= {item.goal_ratio:g}x" if item.goal_ratio is not None else "-"
        table.add_row(
            item.metric,
            item.ours.name,
            f"{item.ours.median:,.1f} {item.ours.unit}",
            item.peer.name,
            f"{item.peer.median:,.1f} {item.peer.unit}",
            f"{item.ratio:.2f}x",
            goal,
        )
    Console().print(table)
    record = {
        "benchmark": name,
        "run_id": _run_id,
        "quick": quick,
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": machine(),
        "versions": versions(extra_versions),
        "parameters": parameters,
        "comparisons": [
            {
                "metric": item.metric,
                "ours": {
                    "name": item.ours.name,
                    "unit": item.ours.unit,
                    "median": item.ours.median,
                    "runs": item.ours.values,
                },
                "peer": {
                    "name": item.peer.name,
                    "unit": item.peer.unit,
                    "median": item.peer.median,
                    "runs": item.peer.values,
                },
                "ratio": item.ratio,
                "goal_ratio": item.goal_ratio,
            }
            for item in comparisons
        ],
        "notes": notes or {},
    }
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    out = RESULTS_DIR / (f"{name}.quick.json" if quick else f"{name}.json")
    out.write_text(json.dumps(record, indent=2) + "\n")
    print(f"[bench] wrote {out}")
    return record
