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
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from eventtide.ml.anomaly import Alert, alerts_from, correlate, score_counts, score_rate
from eventtide.ml.evaluate import Interval, detection_scores
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
        if event["event_type"] in ("click", "purchase"):
            spans.setdefault(event["user_id"], []).append(at)
    counts["active_users"] = np.array([len(a) for a in active], dtype=float)
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
        elif not name.startswith(("events.", "platform.")) and name != "active_users":
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


def main() -> None:
    """Run both simulations, print the table, write bench/results/ml_incidents.json."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    counts, truth, injected = series(args.users, args.seed, INCIDENTS)
    alerts = detect(counts)
    groups = correlate(alerts)
    intervals = [Interval(g[0].start, max(a.end for a in g)) for g in groups]
    incidents = [Interval(i.start, i.end) for i in truth]
    scores = detection_scores(intervals, incidents)
    on_bursts = [i for i in intervals if not any(i.overlaps(t) for t in incidents)
                 and any(i.overlaps(b) for b in injected)]  # fmt: skip
    kept = [i for i in intervals if i not in on_bursts]
    scores_kept = detection_scores(kept, incidents)
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
    clean_groups = correlate(detect(clean_counts))
    unexplained = [
        g for g in clean_groups
        if not any(Interval(g[0].start, max(a.end for a in g)).overlaps(b) for b in clean_injected)
    ]  # fmt: skip
    judged_days = DAYS - TRAIN_DAYS
    record = {
        "users": args.users, "seed": args.seed, "days": DAYS, "train_days": TRAIN_DAYS,
        "window_s": STEP, "incidents": list(INCIDENTS), "scores": asdict(scores),
        "median_delay_windows": scores.median_delay / STEP, "per_incident": per_kind,
        "series_alerts": len(alerts),
        "alerts_on_injected_bursts": len(on_bursts),
        "scores_without_burst_alerts": asdict(scores_kept),
        "false_alerts": [[asdict(a) for a in g] for g, i in zip(groups, intervals, strict=True)
                         if not any(i.overlaps(t) for t in incidents)],
        "incident_free_alerts_per_day": len(clean_groups) / judged_days,
        "incident_free_alerts": [[asdict(a) for a in g] for g in clean_groups],
        "incident_free_unexplained_per_day": len(unexplained) / judged_days,
        "injected_behaviour_anomalies": len(clean_injected),
    }  # fmt: skip
    print(f"metric anomalies, {args.users} users, train days 0-{TRAIN_DAYS}, judged "
          f"{TRAIN_DAYS}-{DAYS}, hourly windows")  # fmt: skip
    print(f"precision {scores.precision:.3f} recall {scores.recall:.3f} F1 {scores.f1:.3f} "
          f"({scores.true_alerts} true / {scores.false_alerts} false alerts, "
          f"{scores.detected}/{scores.incidents} incidents); median delay "
          f"{record['median_delay_windows']:.2f} windows")  # fmt: skip
    print(f"  not counting {len(on_bursts)} alerts on injected bot/fraud bursts: precision "
          f"{scores_kept.precision:.3f} F1 {scores_kept.f1:.3f}")  # fmt: skip
    for kind, row in per_kind.items():
        print(f"  {kind:<16} detected={row['detected']} delay={row['delay_windows']} "
              f"series={row['series']}")  # fmt: skip
    print(f"incident-free run: {len(clean_groups)} alerts in {judged_days} days "
          f"({record['incident_free_alerts_per_day']:.2f}/day); "
          f"{len(unexplained)} not on an injected bot or fraud burst "
          f"({record['incident_free_unexplained_per_day']:.2f}/day)")  # fmt: skip
    RESULTS.write_text(json.dumps(record, indent=2, default=str) + "\n")
    print(f"written {RESULTS}")


if __name__ == "__main__":
    main()
