"""The ML evaluation on the generator's ground truth: churn and behavioural anomalies.

``python -m bench.ml.evaluate_generator [--users N --days D --seed S]`` simulates a
backfill, then scores

- churn: ours against recency, RFM logistic regression and BG/NBD, trained at
  ``cutoff - 30 days`` on 70% of the users and scored on the other 30% at ``cutoff``
  (``--churn-only`` skips the behaviour part);
- behavioural anomalies: IsolationForest fitted on the user-days of the first half,
  flags on the user-days of the second half, against the truth the generator recorded
  (a bot persona, or a day holding an injected bot click burst or fraud purchase burst),
  at four operating points: the robust rule on the training scores (median + 3.5 and
  + 4.5 robust sigmas), the forest's own cut (0.5) and a 2% share.
  ``--behaviour-only`` skips churn. ``--window-hours H`` uses user-windows of ``H`` hours
  instead of user-days; ``--hop-hours P`` keeps the fit on those tumbling windows but
  judges each user's trailing window of ``H`` hours at every ``P``-hour hop holding
  their events, which is what ``ml behave`` serves.

Nothing here is tuned to the generator's parameters: the models run with their
defaults. Metric-anomaly evaluation against generator incidents waits for them to exist
(the harness is tested on synthetic series in services/ml/tests). Heavy: run it under
``flock /tmp/eventtide-heavy.lock``.
"""

from __future__ import annotations

import argparse
import itertools
import json
import time
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from eventtide.ml.anomaly import BehaviourDetector
from eventtide.ml.behaviour_model import (
    KEY_SEP,
    hopping_windows,
    panes_per_window,
    window_features,
    window_key,
)
from eventtide.ml.churn_eval import evaluate_churn, format_table
from eventtide.ml.evaluate import classification_scores
from eventtide.ml.features import FeatureTable, behaviour_features
from eventtide.ml.history import DAY_S, EventLog
from eventtide.ml.sources import row_of
from eventtide.producer.generator import GeneratorConfig, GroundTruth, Simulation

RESULTS = Path(__file__).resolve().parents[1] / "results" / "ml_evaluation.json"
START = datetime(2026, 1, 5, tzinfo=UTC)  # a Monday


def generator_config(users: int, days: int, seed: int) -> GeneratorConfig:
    """The simulation this evaluation runs (the churn oracle models the same one)."""
    return GeneratorConfig(users=users, seed=seed, start=START, days=days)


def simulate(users: int, days: int, seed: int) -> tuple[EventLog, np.ndarray, GroundTruth]:
    """The simulated history, per event the anomaly kind it belongs to ('' if none)."""
    simulation = Simulation(generator_config(users, days, seed))
    rows, ids = [], []
    for event in simulation.events():
        row = row_of(event)
        if row is not None:
            rows.append(row)
            ids.append(event["event_id"])
    truth = simulation.ground_truth
    kind_of = {eid: a.kind for a in truth.anomalies.values() for eid in a.event_ids}
    kinds = np.array([kind_of.get(eid, "") for eid in ids])
    return EventLog.from_rows(rows), kinds, truth


def user_days(
    log: EventLog, kinds: np.ndarray, first_day: int, last_day: int, truth: GroundTruth
) -> dict[str, Any]:
    """Behaviour features per user-day, with each user-day's true kind."""
    start = START.timestamp()
    tables, labels = [], []
    for day in range(first_day, last_day):
        mask = (log.time >= start + day * DAY_S) & (log.time < start + (day + 1) * DAY_S)
        table = behaviour_features(log.select(mask))
        day_kinds = kinds[mask]
        day_users = log.user[mask]
        label = []
        for user in table.users:
            found = set(day_kinds[(day_users == user) & (day_kinds != "")])
            if "fraud_purchase_burst" in found:
                label.append("fraud_purchase_burst")
            elif "bot_click_burst" in found:
                label.append("bot_click_burst")
            elif truth.personas.get(str(user)) == "bot":
                label.append("bot")
            else:
                label.append("")
        tables.append(table)
        labels.extend(label)
    return {"tables": tables, "labels": np.array(labels)}


def user_windows(
    log: EventLog,
    kinds: np.ndarray,
    first_day: int,
    last_day: int,
    truth: GroundTruth,
    window_s: float,
) -> dict[str, Any]:
    """Behaviour features per user and window (``behaviour_model.window_features``, what
    ``ml train behaviour`` and ``ml behave`` compute), with each window's true kind."""
    start = START.timestamp()
    mask = (log.time >= start + first_day * DAY_S) & (log.time < start + last_day * DAY_S)
    part = log.select(mask)
    windows = window_features(part, window_s)
    keys = _event_keys(part, np.floor(part.time / window_s) * window_s)
    labels = _labels(windows.table.users, windows.users, keys, kinds[mask], truth)
    return {"tables": [windows.table], "labels": labels}


def user_hops(
    log: EventLog,
    kinds: np.ndarray,
    first_day: int,
    last_day: int,
    truth: GroundTruth,
    window_s: float,
    hop_s: float,
) -> dict[str, Any]:
    """Each user's trailing window of ``window_s`` judged at every hop of ``hop_s`` that
    closes between ``first_day`` and ``last_day`` holding their events
    (``behaviour_model.hopping_windows``, what ``ml behave`` judges every hop).

    A window may reach back before ``first_day``: the events of the window before it are
    kept, as the live detector has them, and rows are kept by the hop that closes them.
    Each row is labelled by that last hop alone, the hop its alert is raised for: a
    burst is a positive in the window its own hop closes, and a later window flagged only
    for still holding it counts as a false alert; a bot persona's every row is positive.
    """
    start = START.timestamp()
    first, last = start + first_day * DAY_S, start + last_day * DAY_S
    mask = (log.time >= first - window_s) & (log.time < last)
    part = log.select(mask)
    windows = hopping_windows(part, window_s, hop_s)
    ends = windows.starts + window_s
    keep = (ends > first) & (ends <= last)
    # an event labels the window its own hop closes
    keys = _event_keys(part, np.floor(part.time / hop_s) * hop_s + hop_s - window_s)
    table = FeatureTable(windows.table.users[keep], windows.table.names, windows.table.values[keep])
    labels = _labels(table.users, windows.users[keep], keys, kinds[mask], truth)
    return {"tables": [table], "labels": labels}


def _event_keys(log: EventLog, window_starts: np.ndarray) -> np.ndarray:
    """Each event's row key (``window_key``) given the start of the window it labels."""
    return np.array(
        [window_key(u, s) for u, s in zip(log.user.tolist(), window_starts.tolist(), strict=True)],
        dtype=str,
    )


def _labels(
    rows: np.ndarray, users: np.ndarray, keys: np.ndarray, kinds: np.ndarray, truth: GroundTruth
) -> np.ndarray:
    """Each row's true kind: a fraud purchase burst or a bot click burst if events of that
    kind carry the row's key, else ``bot`` for a bot persona's row, else ''."""
    fraud = set(keys[kinds == "fraud_purchase_burst"].tolist())
    burst = set(keys[kinds == "bot_click_burst"].tolist())
    labels = []
    for key, user in zip(rows.tolist(), users.tolist(), strict=True):
        if key in fraud:
            labels.append("fraud_purchase_burst")
        elif key in burst:
            labels.append("bot_click_burst")
        elif truth.personas.get(str(user)) == "bot":
            labels.append("bot")
        else:
            labels.append("")
    return np.array(labels, dtype=str)


def behaviour_evaluation(
    log: EventLog,
    kinds: np.ndarray,
    truth: GroundTruth,
    days: int,
    window_hours: float = 24.0,
    hop_hours: float | None = None,
) -> dict[str, Any]:
    """IsolationForest fitted on the first half's user-windows, scored on the second half's
    (user-days by default, the loop below; other window sizes by ``window_features``).

    With ``hop_hours`` the second half is judged on trailing windows every hop, but the
    forest is still fitted on tumbling windows: fitted on trailing ones, a bot gives a
    row every active hop, stops being few and different, and F1 fell to 0.26 (seed 7).
    """
    half = days // 2
    window_s = window_hours * 3_600.0
    if window_hours == 24.0:
        train = user_days(log, kinds, 0, half, truth)
    else:
        train = user_windows(log, kinds, 0, half, truth, window_s)
    if hop_hours is not None:
        test = user_hops(log, kinds, half, days, truth, window_s, hop_hours * 3_600.0)
    elif window_hours == 24.0:
        test = user_days(log, kinds, half, days, truth)
    else:
        test = user_windows(log, kinds, half, days, truth, window_s)

    def stack(part: dict[str, Any]) -> FeatureTable:
        tables = part["tables"]
        return FeatureTable(
            np.concatenate([t.users for t in tables]),
            tables[0].names,
            np.vstack([t.values for t in tables]),
        )

    labels = test["labels"]
    table, fitted_on = stack(test), stack(train)
    extra: dict[str, Any] = {}
    if hop_hours is not None and hop_hours * 3_600.0 < window_s:
        extra["robust_4.5_with_short"] = _with_short(
            log, kinds, truth, half, days, BehaviourDetector().fit(fitted_on), table, labels,
            window_s, hop_hours * 3_600.0,
        )  # fmt: skip
    return {
        **extra,
        "robust_4.5": _operating_point(BehaviourDetector().fit(fitted_on), table, labels),
        "robust_3.5": _operating_point(
            BehaviourDetector(robust_k=3.5).fit(fitted_on), table, labels
        ),
        "isolation_cut": _operating_point(
            BehaviourDetector(robust_k=None).fit(fitted_on), table, labels
        ),
        "top_2_percent": _operating_point(
            BehaviourDetector(contamination=0.02).fit(fitted_on), table, labels
        ),
    }


def _with_short(
    log: EventLog,
    kinds: np.ndarray,
    truth: GroundTruth,
    half: int,
    days: int,
    day: BehaviourDetector,
    table: FeatureTable,
    labels: np.ndarray,
    window_s: float,
    hop_s: float,
) -> dict[str, Any]:
    """What ``ml behave`` serves by default: the window's forest on each trailing window,
    or the short model (fitted on the first half's tumbling hops) on its last hop."""
    short = BehaviourDetector().fit(user_windows(log, kinds, 0, half, truth, hop_s)["tables"][0])
    hops = user_windows(log, kinds, half, days, truth, hop_s)["tables"][0]
    row_of = {str(k): i for i, k in enumerate(hops.users.tolist())}
    parts = [str(k).split(KEY_SEP) for k in table.users.tolist()]
    last = np.array([row_of[window_key(u, float(s) + window_s - hop_s)] for u, s in parts])
    last_hop = FeatureTable(hops.users[last], hops.names, hops.values[last])
    day_margin = day.score(table) - day.threshold
    short_margin = short.score(last_hop) - short.threshold
    return _scored(np.maximum(day_margin, short_margin), 0.0, labels, day, short.threshold)


def _operating_point(detector: BehaviourDetector, table: Any, labels: np.ndarray) -> dict[str, Any]:
    return _scored(detector.score(table), detector.threshold, labels, detector, None)


def _scored(
    score: np.ndarray,
    threshold: float,
    labels: np.ndarray,
    detector: BehaviourDetector,
    short_threshold: float | None,
) -> dict[str, Any]:
    """Flags above ``threshold`` against the labels, per kind and on ordinary rows."""
    flagged = score > threshold
    overall = classification_scores(labels != "", flagged, score)
    recall_by_kind = {
        kind: {
            "user_days": int((labels == kind).sum()),
            "recall": float(flagged[labels == kind].mean()),
        }
        for kind in ("bot", "bot_click_burst", "fraud_purchase_burst")
        if (labels == kind).any()
    }
    return {
        "overall": asdict(overall),
        "recall_by_kind": recall_by_kind,
        "ordinary_flag_rate": float(flagged[labels == ""].mean()),
        "contamination": detector.contamination,
        "robust_k": detector.robust_k,
        "threshold": detector.threshold,
        "short_threshold": short_threshold,
    }


def main() -> None:
    """Simulate, evaluate, print the tables and write bench/results/ml_evaluation.json."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=2000)
    parser.add_argument("--days", type=int, default=120)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--cutoff-days", type=float, nargs="+", default=[70.0, 80.0])
    parser.add_argument("--horizon-days", type=float, default=30.0)
    only = parser.add_mutually_exclusive_group()
    only.add_argument(
        "--behaviour-only", action="store_true", help="Skip churn; judge behaviour only."
    )
    only.add_argument("--churn-only", action="store_true", help="Skip behaviour; judge churn only.")
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument(
        "--window-hours", type=float, default=24.0,
        help="Behaviour per user and window of this many hours (24: user-days).",
    )  # fmt: skip
    parser.add_argument(
        "--hop-hours", type=float, default=None,
        help="Judge each user's trailing window every this many hours (as `ml behave` "
        "serves it); the fit stays on tumbling windows. Default: judge tumbling windows.",
    )  # fmt: skip
    args = parser.parse_args()
    if args.hop_hours is not None:
        try:  # refused before the minutes of simulation, not after
            panes_per_window(args.window_hours * 3_600.0, args.hop_hours * 3_600.0)
        except ValueError as error:
            parser.error(str(error))
    began = time.perf_counter()
    log, kinds, truth = simulate(args.users, args.days, args.seed)
    took = time.perf_counter() - began
    print(f"simulated {len(log)} events, {args.users} users, {args.days} days in {took:.1f} s")
    record: dict[str, Any] = {
        "users": args.users,
        "days": args.days,
        "seed": args.seed,
        "horizon_days": args.horizon_days,
        "churn": {},
    }
    cutoffs = [] if args.behaviour_only else args.cutoff_days
    for cutoff_days, active in itertools.product(cutoffs, (None, 7.0)):
        cutoff = START + timedelta(days=cutoff_days)
        began = time.perf_counter()
        evaluation = evaluate_churn(
            log, cutoff.timestamp(), args.horizon_days, active_within_days=active
        )
        took = time.perf_counter() - began
        who = "every user seen" if active is None else f"users active in the last {active:g} days"
        print(f"\nchurn at cut-off day {cutoff_days:g} ({cutoff.date()}), {who}, ", end="")
        print(f"horizon {args.horizon_days:g} days ({took:.1f} s)")
        print(format_table(evaluation))
        key = f"day_{cutoff_days:g}" + ("" if active is None else "_active_7d")
        record["churn"][key] = evaluation.record()
    if not args.churn_only:
        began = time.perf_counter()
        behaviour = behaviour_evaluation(
            log, kinds, truth, args.days, args.window_hours, args.hop_hours
        )
        took = time.perf_counter() - began
        unit = (
            "user-days" if args.window_hours == 24.0 else f"user-windows of {args.window_hours:g} h"
        )
        if args.hop_hours is not None:
            unit = f"fitted on {unit}, judged every {args.hop_hours:g} h on the trailing window"
        print(f"\nbehavioural anomalies, {unit}, days {args.days // 2}-{args.days} ({took:.1f} s)")
        record["window_hours"] = args.window_hours
        record["hop_hours"] = args.hop_hours
        for point, result in behaviour.items():
            print_behaviour(point, result)
        record["behaviour"] = behaviour
    args.output.write_text(json.dumps(record, indent=2) + "\n")
    print(f"\nwritten {args.output}")


def print_behaviour(point: str, behaviour: dict[str, Any]) -> None:
    """One operating point's scores."""
    o = behaviour["overall"]
    print(
        f"[{point}] precision {o['precision']:.3f} recall {o['recall']:.3f} F1 {o['f1']:.3f} "
        f"PR-AUC {o['pr_auc']:.3f} (positives {o['positives']}, flagged {o['flagged']} "
        f"of {o['total']})"
    )
    for kind, row in behaviour["recall_by_kind"].items():
        print(f"  recall on {kind:<22} {row['recall']:.3f} over {row['user_days']} windows")
    print(f"  ordinary windows flagged: {behaviour['ordinary_flag_rate']:.4f}", end="")
    print(f" (threshold {behaviour['threshold']:.4f})")


if __name__ == "__main__":
    main()
