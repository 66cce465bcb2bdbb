"""bench/ml: training time and scoring throughput of the model ``eventtide ml score`` serves.

``python -m bench.ml.run [--quick]`` simulates a history with the generator, then, five
times each (medians reported):

- trains ``churn_online`` (calibrated gradient boosting on the ``features.v1`` fields)
  against the logistic baseline's training time;
- scores ``features.v1`` records through the scorer's own batch steps — JSON decode,
  probabilities, the top features, the ``predictions`` insert and the offsets, committed
  to PostgreSQL (``DATABASE_URL``), the write overlapping the next batch's scoring as in
  the batch loop — against the bare
  ``predict_proba`` of the same model on the same rows (the cost of everything else);
- reports the held-out churn table (ours and every baseline) of that model.

Kafka is left out of the scoring figure: consuming runs at well over 100,000 small
messages/s per process (docs/REFERENCE figures), an order above this path. The full
generator evaluation (churn on user histories, behavioural anomalies) is
``python -m bench.ml.evaluate_generator``, and the behaviour detector's throughput
``python -m bench.ml.behave_throughput``; both run after this unless ``--quick``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

import numpy as np
import orjson

from bench.harness import Comparison, Series, parse_args, repeat, report
from eventtide.core.db import make_engine
from eventtide.core.db.migrate import upgrade
from eventtide.ml.churn import GradientBoostedChurn
from eventtide.ml.evaluate import churn_scores
from eventtide.ml.explain import partial_dependence
from eventtide.ml.history import DAY_S, EventLog
from eventtide.ml.online_features import ONLINE_FEATURES, online_rows
from eventtide.ml.online_training import online_baselines, split_rows
from eventtide.ml.scorer import ModelHolder, Scored, ScorerReport, ScorerSteps, load_model
from eventtide.ml.scoring import ScoringModel
from eventtide.ml.sources import row_of
from eventtide.producer.generator import GeneratorConfig, Simulation

START = datetime(2026, 1, 5, tzinfo=UTC)
GOAL_RECORDS_PER_S = 10_000
BATCH = 5_000


class _Message:
    """What the loop hands ``prepare``: a Kafka message's value and position."""

    __slots__ = ("_offset", "_value")

    def __init__(self, value: bytes, offset: int) -> None:
        self._value, self._offset = value, offset

    def value(self) -> bytes:
        return self._value

    def topic(self) -> str:
        return "features.v1"

    def partition(self) -> int:
        return 0

    def offset(self) -> int:
        return self._offset


def _history(users: int, days: int) -> EventLog:
    simulation = Simulation(GeneratorConfig(users=users, seed=11, start=START, days=days))
    rows = [r for r in map(row_of, simulation.events()) if r is not None]
    return EventLog.from_rows(rows)


def _records(values: np.ndarray, users: np.ndarray, as_of: np.ndarray) -> list[bytes]:
    out = []
    for i in range(values.shape[0]):
        record: dict[str, Any] = {
            name: None if np.isnan(values[i, j]) else float(values[i, j])
            for j, name in enumerate(ONLINE_FEATURES)
        }
        record |= {"feature_id": str(uuid.uuid4()), "user_id": str(users[i]),
                   "as_of": int(as_of[i] * 1e6)}  # fmt: skip
        out.append(orjson.dumps(record))
    return out


def main() -> None:
    """Measure, print the table, write bench/results/ml.json."""
    args = parse_args(__doc__.splitlines()[0])
    users, days, horizon = (200, 40, 7.0) if args.quick else (1_500, 120, 30.0)
    began = time.perf_counter()
    log = _history(users, days)
    end = START.timestamp() + days * DAY_S
    cutoff = end - horizon * DAY_S
    rows = online_rows(log, horizon, end)
    data = split_rows(rows, cutoff, horizon)
    print(f"[bench] {len(log):,} events, {rows.users.size:,} sessions, "
          f"{time.perf_counter() - began:.1f}s")  # fmt: skip

    def train_once(_: int) -> dict[str, float]:
        t0 = time.perf_counter()
        GradientBoostedChurn(columns=ONLINE_FEATURES, ensemble=False).fit(
            data.train_x, data.train_y
        )
        t1 = time.perf_counter()
        online_baselines()[1].fit(data.train_x, data.train_y)
        return {"ours_s": t1 - t0, "baseline_s": time.perf_counter() - t1}

    trained = repeat(args.runs, "train", train_once)
    model = GradientBoostedChurn(columns=ONLINE_FEATURES, ensemble=False).fit(
        data.train_x, data.train_y
    )
    table = [asdict(churn_scores(model.name, data.test_y, model.predict(data.test_x)))]
    for baseline in online_baselines():
        fitted = baseline.fit(data.train_x, data.train_y)
        table.append(asdict(churn_scores(baseline.name, data.test_y, fitted.predict(data.test_x))))
    for row in table:
        print(f"[bench] {row['model']:<14} ROC-AUC {row['roc_auc']:.4f} "
              f"PR-AUC {row['pr_auc']:.4f} Brier {row['brier']:.4f}")  # fmt: skip

    reference = tuple(float(np.nanmedian(column)) for column in data.train_x.values.T)
    estimator: Any = model._model
    curves = tuple(
        partial_dependence(lambda m: estimator.predict_proba(m)[:, 1], data.train_x.values)
    )
    scoring = ScoringModel("churn_online", 1, estimator, reference, curves)
    count = min(rows.users.size, 20_000 if args.quick else 100_000)
    pick = np.resize(np.arange(rows.users.size), count)
    payloads = _records(rows.values[pick], rows.users[pick], rows.as_of[pick])
    url = os.environ["DATABASE_URL"]
    upgrade(url)
    engine = make_engine(url)
    holder = ModelHolder(engine, "churn_online", 1e9, scoring, load_model)

    def score_once(index: int) -> dict[str, float]:
        steps = ScorerSteps(holder=holder, group_id=f"bench-{uuid.uuid4().hex[:8]}",
                            report=ScorerReport())  # fmt: skip

        def write(scored: Scored) -> None:
            with engine.begin() as conn:
                steps.write(conn, scored)

        in_flight: Future[None] | None = None
        t0 = time.perf_counter()
        with ThreadPoolExecutor(max_workers=1) as writer:  # as the loop: one batch in the db
            for start in range(0, count, BATCH):
                chunk = payloads[start : start + BATCH]
                scored = steps.prepare([_Message(p, start + k) for k, p in enumerate(chunk)])
                if in_flight is not None:
                    in_flight.result()
                in_flight = writer.submit(write, scored)
            if in_flight is not None:
                in_flight.result()
        t1 = time.perf_counter()
        matrix = rows.values[pick]
        for start in range(0, count, BATCH):
            scoring.probabilities(matrix[start : start + BATCH])
        t2 = time.perf_counter()
        with engine.begin() as conn:  # the next run inserts, not skips
            conn.exec_driver_sql("DELETE FROM predictions")
        return {"scorer_per_s": count / (t1 - t0), "predict_only_per_s": count / (t2 - t1)}

    scored = repeat(args.runs, "score", score_once)
    engine.dispose()
    comparisons = [
        Comparison(
            "scoring throughput (one process, into PostgreSQL)",
            Series("scorer steps", "records/s", [r["scorer_per_s"] for r in scored]),
            Series("predict_proba alone", "records/s", [r["predict_only_per_s"] for r in scored]),
        ),
        Comparison(
            "training time",
            Series("churn_online HGB", "s", [r["ours_s"] for r in trained], False),
            Series("logistic baseline", "s", [r["baseline_s"] for r in trained], False),
        ),
    ]
    median_rate = comparisons[0].ours.median
    verdict = "met" if median_rate >= GOAL_RECORDS_PER_S else "NOT met"
    print(f"[bench] scoring goal {GOAL_RECORDS_PER_S:,}/s: {verdict} ({median_rate:,.0f}/s)")
    report(
        "ml",
        comparisons,
        quick=args.quick,
        parameters={
            "users": users,
            "days": days,
            "horizon_days": horizon,
            "records": count,
            "batch": BATCH,
            "train_rows": int(data.train_y.size),
            "test_rows": int(data.test_y.size),
        },
        notes={"churn_online_heldout": table, "goal_records_per_s": GOAL_RECORDS_PER_S},
    )
    if not args.quick:
        subprocess.check_call([sys.executable, "-m", "bench.ml.evaluate_generator"])
        subprocess.check_call([sys.executable, "-m", "bench.ml.behave_throughput"])


if __name__ == "__main__":
    main()
