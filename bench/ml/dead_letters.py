"""The dead letters' share on the generator's data-quality incidents, through the processor.

``python -m bench.ml.dead_letters [--users N] [--seeds 7,11,23] [--severities 0.2,0.02,0.005]
[--window tumbling_1h|tumbling_5m] [--out FILE]`` simulates 21 days (from Monday
2025-01-06) per seed and severity, with one malformed incident (a buggy client release:
that share of the events sent malformed for 3 hours, from 10:00 on day 16), and
once without. Every record, malformed ones as their raw bytes, goes through the
processor's own reading (``reading.read_record``) and its partition job, as ``eventtide
process`` would run it on one partition; the job's final window results are the table
the detector learns on (14 days) and judges (7 days). Reported per run: the records the
processor could not read, the ``dead_letter_share`` alerts (true when they overlap the
incident), the delay to the first, and on the run without an incident the share's
alerts (false by construction).

A malformed record the processor reads as an event would count as one here, as in the
processor (docs/processor.md, "Records that are no event"); the generator's four defects
(truncated JSON, no user, an unreadable time, a version-1 name outside the typed
vocabulary) are all refused.
"""

from __future__ import annotations

import argparse
import json
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from itertools import islice
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import orjson

from eventtide.ml.anomaly import DetectorConfig, alerts_from
from eventtide.ml.anomaly_model import fit_model
from eventtide.ml.evaluate import Interval, detection_scores
from eventtide.ml.history import DAY_S
from eventtide.ml.window_series import WindowRow, default_specs, table_from_rows
from eventtide.processor.config import MINUTE, ProcessorConfig, WindowSpec
from eventtide.processor.job import PartitionJob
from eventtide.processor.job import run as run_job
from eventtide.processor.model import Event, Unreadable
from eventtide.processor.reading import read_record
from eventtide.producer.generator import GeneratorConfig, IncidentSpec, Malformed, Simulation

START = datetime(2025, 1, 6, tzinfo=UTC)
DAYS, TRAIN_DAYS = 21, 14
INCIDENT_START_S = 16 * DAY_S + 10 * 3_600.0
INCIDENT_S = 3 * 3_600.0
SERIES = "dead_letter_share"
WINDOWS = {"tumbling_1h": 60 * MINUTE, "tumbling_5m": 5 * MINUTE}
BATCH = 5_000
N = TypeVar("N", int, float)


def window_rows(sim: Simulation, window: str) -> tuple[list[WindowRow], int, int, int]:
    """The job's final results (``all`` and ``dead_letter``), records read, malformed
    records sent, and those of them the processor could not read."""
    size = WINDOWS[window]
    config = ProcessorConfig(
        windows=(WindowSpec(window, size, size),), dimensions=("all",), windows_only=True
    )
    counted: Counter[str] = Counter()

    def records() -> Iterator[tuple[int, Event | Unreadable]]:
        for offset, item in enumerate(sim.stream()):
            counted["records"] += 1
            if isinstance(item, Malformed):
                counted["malformed"] += 1
                raw = item.value
            else:
                raw = orjson.dumps(item)
            event = read_record(raw)
            if event is None:
                counted["unreadable"] += 1
            # no Kafka time here: the frontier places it
            yield offset, Unreadable(None) if event is None else event

    stream = records()
    out = run_job(PartitionJob(0, config), iter(lambda: list(islice(stream, BATCH)), []))
    rows: list[WindowRow] = [
        (r.start / 1e6, r.dimension, r.value, r.metrics.count, r.metrics.unique_users,
         r.metrics.revenue_cents, r.metrics.orders)
        for r in out.windows if r.final
    ]  # fmt: skip
    return rows, counted["records"], counted["malformed"], counted["unreadable"]


def run(users: int, seed: int, severity: float, window: str) -> dict[str, Any]:
    """One simulated history through the processor and the detector."""
    began = time.perf_counter()
    incident = IncidentSpec("malformed", start_s=INCIDENT_START_S, duration_s=INCIDENT_S,
                            severity=severity)  # fmt: skip
    config = GeneratorConfig(users=users, seed=seed, start=START, days=float(DAYS),
                             incidents=(incident,) if severity > 0 else ())  # fmt: skip
    rows, records, malformed, unreadable = window_rows(Simulation(config), window)
    step = WINDOWS[window] / 1e6
    first = START.timestamp()
    table = table_from_rows(rows, step, first, first + DAYS * DAY_S)
    cut = first + TRAIN_DAYS * DAY_S
    train, held = table.between(-np.inf, cut), table.between(cut, np.inf)
    detector = DetectorConfig()
    specs = default_specs(train, detector.min_volume, max(detector.rate_spans), dead_letters=True)
    model = fit_model(window, train, specs, detector)
    fitted = next(s for s in model.series if s.spec.name == SERIES)
    scored = fitted.score(held.times, *held.series(fitted.spec), detector)
    alerts = alerts_from(SERIES, scored, step, detector)
    truth = [Interval(first + INCIDENT_START_S, first + INCIDENT_START_S + INCIDENT_S)]
    scores = detection_scores([Interval(a.start, a.end) for a in alerts],
                              truth if severity > 0 else [])  # fmt: skip
    return {
        "seed": seed,
        "severity": severity,
        "records": records,
        "malformed": malformed,
        "unreadable": unreadable,
        "events_per_window_median": float(np.median(held.get("all|*|count"))),
        "alerts": len(alerts),
        "true_alerts": scores.true_alerts,
        "false_alerts": scores.false_alerts,
        "detected": scores.detected if severity > 0 else None,
        "delay_windows": scores.delays[0] / step if scores.delays else None,
        "largest_z": max((a.severity for a in alerts), default=0.0),
        "seconds": round(time.perf_counter() - began, 1),
    }


def _listed(cast: Callable[[str], N], example: str) -> Callable[[str], list[N]]:
    """An argparse type for comma-separated values, with an example when one is wrong."""

    def parse(text: str) -> list[N]:
        try:
            return [cast(x) for x in text.split(",") if x]
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r}: give a list like {example}") from None

    return parse


def main() -> None:
    """Run every seed and severity (and each seed without an incident); print, write JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=1_000)
    parser.add_argument("--seeds", type=_listed(int, "7,11,23"), default=[7, 11, 23])
    parser.add_argument("--severities", type=_listed(float, "0.2,0.02"), default=[0.2, 0.02, 0.005])
    parser.add_argument("--window", choices=sorted(WINDOWS), default="tumbling_1h")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    if args.users < 1:
        parser.error("--users must be at least 1")
    if any(not 0.0 < s <= 1.0 for s in args.severities):
        parser.error("--severities are shares of the events sent malformed, in (0, 1]")
    results = []
    plan = [(seed, s) for seed in args.seeds for s in [*args.severities, 0.0]]
    for number, (seed, severity) in enumerate(plan, start=1):
        result = run(args.users, seed, severity, args.window)
        results.append(result)
        print(f"[{number}/{len(plan)}] seed {seed} severity {severity:g}: "
              f"{result['malformed']} malformed, {result['unreadable']} of them unreadable, "
              f"{result['true_alerts']} true / {result['false_alerts']} false alerts, "
              f"delay {result['delay_windows']} windows, {result['seconds']} s "
              f"({result['records'] / result['seconds']:,.0f} records/s)", flush=True)  # fmt: skip
    incidents = [r for r in results if r["severity"] > 0]
    found = sum(1 for r in incidents if r["detected"])
    false = sum(r["false_alerts"] for r in results)
    clean = [r for r in results if r["severity"] == 0]
    print(f"{args.users} users, {args.window}: found {found}/{len(incidents)} incidents, "
          f"{false} false alerts over {len(results)} runs ({len(clean)} without an incident: "
          f"{sum(r['alerts'] for r in clean)} alerts)")  # fmt: skip
    if args.out:
        document = {"measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
                    "users": args.users, "window": args.window, "days": DAYS,
                    "train_days": TRAIN_DAYS, "incident_hours": INCIDENT_S / 3_600,
                    "results": results}  # fmt: skip
        args.out.write_text(json.dumps(document, indent=1) + "\n")
        print(f"written {args.out}")


if __name__ == "__main__":
    main()
