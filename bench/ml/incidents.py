"""Metric anomalies against the generator's injected incidents, and false alerts without.

``python -m bench.ml.incidents [--users N --seed S]`` simulates 28 days twice with the
same seed: once with four incidents in the second fortnight (a broken checkout, an iOS
outage, a traffic surge, a five-day add-to-cart degradation) and once without. The
detector (seasonal hour-of-week baseline, robust z on several trailing spans, defaults
only) learns each hourly series on the first 14 days and judges the last 14. Series:
events per type and per platform, active users, revenue, and the funnel's step-to-step
conversions. Alerts that overlap in time across series are one incident alert
(:func:`~eventtide.ml.anomaly.correlate`). Scores: precision over those alerts, recall
over incidents, F1, detection delay in windows (hours), and false alerts per simulated
day on the incident-free run.
"""

from __future__ import annotations

import argparse
import itertools
import json
from dataclasses import asdict, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from eventtide.ml.anomaly import (
    Alert,
    DetectorConfig,
    alerts_from,
    correlate,
    score_counts,
    score_rate,
)
from eventtide.ml.evaluate import DetectionScores, Interval, detection_scores
from eventtide.ml.segments import active_by_segment, top_segments
from eventtide.producer.generator import GeneratorConfig, Simulation, parse_incident

RESULTS = Path(__file__).resolve().parents[1] / "results" / "ml_incidents.json"
START = datetime(2026, 1, 5, tzinfo=UTC)  # a Monday
DAYS, TRAIN_DAYS, STEP = 28, 14, 3600.0
INCIDENTS = (
    "broken_checkout,start=15d,duration=6h,severity=0.5",
    "outage,platform=ios,start=17d,duration=2h",
    "surge,start=19d,duration=12h",
    "degradation,start=22d,duration=5d,severity=0.5",
)
FUNNEL = ("page_view", "add_to_cart", "checkout_started", "purchase")
SEGMENT_FIELDS = ("platform", "country")
"""Event context fields broken down into per-segment active-user series."""
MIN_VOLUME = DetectorConfig().min_volume
SEGMENT_TOP = 5
"""Segments kept per field: the largest by training volume."""


def series(
    users: int, seed: int, incidents: tuple[str, ...]
) -> tuple[dict[str, Any], list[Any], list[Interval]]:
    """Hourly count series, the run's incidents, and its injected behavioural anomalies
    (bot click bursts, fraud purchase bursts) as intervals: the generator records them as
    ground truth too, so an alert on one is a true finding, not a false alarm."""
    config = GeneratorConfig(
        users=users, seed=seed, start=START, days=DAYS,
        incidents=tuple(parse_incident(i) for i in incidents),
    )  # fmt: skip
    simulation = Simulation(config)
    hours = DAYS * 24
    counts: dict[str, np.ndarray] = {}
    active: list[set[str]] = [set() for _ in range(hours)]
    origin = START.timestamp()
    spans: dict[str, list[float]] = {}
    per_event: dict[str, list[Any]] = {"hour": [], "user": []}
    per_event |= {field: [] for field in SEGMENT_FIELDS}
    for event in simulation.events():
        at = event["occurred_at"].timestamp()
        hour = int((at - origin) // STEP)
        if not 0 <= hour < hours:
            continue
        name = f"events.{event['event_type']}"
        platform = f"platform.{(event.get('context') or {}).get('platform', 'unknown')}"
        for key in (name, platform):
            counts.setdefault(key, np.zeros(hours))[hour] += 1
        if event["event_type"] == "purchase":
            amount = float((event.get("properties") or {}).get("amount", 0.0))
            counts.setdefault("revenue", np.zeros(hours))[hour] += amount
        active[hour].add(event["user_id"])
        per_event["hour"].append(hour)
        per_event["user"].append(event["user_id"])
        for field in SEGMENT_FIELDS:
            per_event[field].append(str((event.get("context") or {}).get(field, "unknown")))
        if event["event_type"] in ("click", "purchase"):
            spans.setdefault(event["user_id"], []).append(at)
    counts["active_users"] = np.array([len(a) for a in active], dtype=float)
    cut = TRAIN_DAYS * 24
    for field in SEGMENT_FIELDS:
        by = active_by_segment(
            np.array(per_event["hour"]), per_event[field], per_event["user"], hours
        )
        for name in top_segments({k: v[:cut] for k, v in by.items()}, SEGMENT_TOP, MIN_VOLUME):
            counts[f"users.{field}.{name}"] = by[name]
    injected = []
    for anomaly in simulation.ground_truth.anomalies.values():
        own = spans.get(anomaly.user_id, [])
        times = [t for t in own if anomaly.start <= t <= anomaly.start + STEP]
        if times:
            injected.append(Interval(anomaly.start, max(times) + 1.0))
    return counts, list(simulation.ground_truth.incidents.values()), injected


def detect(counts: dict[str, np.ndarray]) -> list[Alert]:
    """Every series' alerts over the judged fortnight.

    Revenue is scored in units of the training period's mean order value: a sum of
    order values varies like a count of orders times that value (compound Poisson), not
    like a count of currency units.
    """
    times = (START.timestamp() + STEP * np.arange(DAYS * 24)).astype(np.float64)
    cut = TRAIN_DAYS * 24
    alerts: list[Alert] = []
    orders = counts.get("events.purchase", np.zeros(1))[:cut].sum()
    for name, series_values in sorted(counts.items()):
        values = series_values
        if name == "revenue":
            values = series_values / max(series_values[:cut].sum() / max(orders, 1.0), 1e-9)
        elif not name.startswith(("events.", "platform.", "users.")) and name != "active_users":
            continue
        scored = score_counts(times[:cut], values[:cut], times[cut:], values[cut:])
        alerts += alerts_from(name, scored, STEP)
    for before, after in itertools.pairwise(FUNNEL):
        den = counts.get(f"events.{before}")
        num = counts.get(f"events.{after}")
        if den is None or num is None:
            continue
        scored = score_rate(times[:cut], num[:cut], den[:cut], times[cut:], num[cut:], den[cut:])
        alerts += alerts_from(f"conversion.{before}->{after}", scored, STEP)
    return alerts


def _row(label: str, scores: DetectionScores) -> str:
    return (f"| {label} | {scores.precision:.3f} | {scores.recall:.3f} | {scores.f1:.3f} | "
            f"{scores.detected}/{scores.incidents} | "
            f"{scores.true_alerts} / {scores.false_alerts} | "
            f"{scores.median_delay / STEP:.1f} |")  # fmt: skip


def _interval(group: list[Alert]) -> Interval:
    return Interval(group[0].start, max(a.end for a in group))


def _burst_hits(group: list[Alert], bursts: list[Interval]) -> dict[int, float]:
    """Bursts an upward alert of the group overlaps, each with that alert's start.

    Bursts only add events (clicks, orders), so only an upward deviation can be their
    sign; a day-long fall in signups that happens to span one does not find it.
    """
    hits: dict[int, float] = {}
    for alert in group:
        if alert.direction != "up":
            continue
        for index, burst in enumerate(bursts):
            if Interval(alert.start, alert.end).overlaps(burst):
                hits[index] = min(hits.get(index, alert.start), alert.start)
    return hits


def _with_bursts(
    incidents: DetectionScores, groups: list[list[Alert]], bursts: list[Interval]
) -> DetectionScores:
    """Scores over incidents and bursts together (precision as for incidents alone)."""
    found: dict[int, float] = {}
    for group in groups:
        for index, start in _burst_hits(group, bursts).items():
            found[index] = min(found.get(index, start), start)
    delays = (*incidents.delays, *(max(t - bursts[i].start, 0.0) for i, t in found.items()))
    total = incidents.incidents + len(bursts)
    recall = len(delays) / total if total else 1.0
    p = incidents.precision
    f1 = 2 * p * recall / (p + recall) if p + recall else 0.0
    return replace(incidents, recall=recall, f1=f1, detected=len(delays), incidents=total,
                   delays=delays)  # fmt: skip


def main() -> None:
    """Run both simulations, print the tables, write bench/results/ml_incidents.json."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, default=RESULTS, help="where the JSON goes")
    args = parser.parse_args()
    judged_from = START.timestamp() + TRAIN_DAYS * 86_400.0
    counts, truth, injected = series(args.users, args.seed, INCIDENTS)
    bursts = [b for b in injected if b.start >= judged_from]
    alerts = detect(counts)
    groups = correlate(alerts)
    intervals = [_interval(g) for g in groups]
    incidents = [Interval(i.start, i.end) for i in truth]
    explained = [bool(_burst_hits(g, bursts)) for g in groups]
    scores = detection_scores(intervals, incidents, explained)
    scores_all = _with_bursts(scores, groups, bursts)
    per_kind = {}
    for incident, window in zip(truth, incidents, strict=True):
        hits = [a for a in alerts if Interval(a.start, a.end).overlaps(window)]
        first = min((a.start for a in hits), default=None)
        per_kind[incident.kind] = {
            "detected": bool(hits),
            "delay_windows": None if first is None else max(first - window.start, 0.0) / STEP,
            "series": sorted({a.series for a in hits}),
        }
    clean_counts, _, clean_injected = series(args.users, args.seed, ())
    clean_bursts = [b for b in clean_injected if b.start >= judged_from]
    clean_groups = correlate(detect(clean_counts))
    clean_explained = [bool(_burst_hits(g, clean_bursts)) for g in clean_groups]
    clean_scores = _with_bursts(
        detection_scores([_interval(g) for g in clean_groups], [], clean_explained),
        clean_groups, clean_bursts,
    )  # fmt: skip
    judged_days = DAYS - TRAIN_DAYS
    false_per_day = clean_scores.false_alerts / judged_days
    record = {
        "users": args.users, "seed": args.seed, "days": DAYS, "train_days": TRAIN_DAYS,
        "window_s": STEP, "incidents": list(INCIDENTS),
        "segments": {"fields": list(SEGMENT_FIELDS), "top": SEGMENT_TOP,
                     "series": sorted(k for k in counts if k.startswith("users."))},
        "scores": asdict(scores), "median_delay_windows": scores.median_delay / STEP,
        "scores_incidents_and_bursts": asdict(scores_all), "judged_bursts": len(bursts),
        "per_incident": per_kind, "series_alerts": len(alerts),
        "false_alerts": [[asdict(a) for a in g] for g, i, e in zip(groups, intervals, explained,
                                                                    strict=True)
                         if not e and not any(i.overlaps(t) for t in incidents)],
        "incident_free_scores": asdict(clean_scores),
        "incident_free_alerts_per_day": len(clean_groups) / judged_days,
        "incident_free_false_alerts_per_day": false_per_day,
        "incident_free_alerts": [[asdict(a) for a in g] for g in clean_groups],
    }  # fmt: skip
    print(f"metric anomalies, {args.users} users, seed {args.seed}, train days 0-{TRAIN_DAYS}, "
          f"judged {TRAIN_DAYS}-{DAYS}, hourly windows; {len(groups)} alerts, "
          f"{len(bursts)} recorded bot/fraud bursts in the judged days")  # fmt: skip
    print("| ground truth | precision | recall | F1 | found | true / false alerts | "
          "median delay (windows) |")  # fmt: skip
    print("|---|---|---|---|---|---|---|")
    print(_row("injected incidents (alerts on bursts true)", scores))
    print(_row("incidents + bot/fraud bursts", scores_all))
    for kind, row in per_kind.items():
        print(f"  {kind:<16} detected={row['detected']} delay={row['delay_windows']} "
              f"series={row['series']}")  # fmt: skip
    print(f"incident-free run: {len(clean_groups)} alerts in {judged_days} days, "
          f"{clean_scores.true_alerts} on recorded bursts "
          f"({clean_scores.detected}/{clean_scores.incidents} bursts found), "
          f"{clean_scores.false_alerts} false ({false_per_day:.2f}/day)")  # fmt: skip
    args.out.write_text(json.dumps(record, indent=2, default=str) + "\n")
    print(f"written {args.out}")


if __name__ == "__main__":
    main()
