"""``eventtide ml train churn-online``: the model the scorer serves, trained on stored events.

Rows are the ``features.v1`` records the processor would have emitted for the stored
history (:mod:`eventtide.ml.online_features`), so training and serving see the same
numbers. Time-based split at the cut-off: held-out rows are the sessions ending in the
horizon before it (their labels end at the cut-off plus the horizon); training rows end
a horizon earlier still, so no training label looks into the held-out period. The
candidate is registered, and promoted only when it beats its baselines and the current
production model scored on the same held-out rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np
from sqlalchemy import Engine

from eventtide.ml.candidate import register_if_better
from eventtide.ml.churn import GradientBoostedChurn, LogisticBaseline
from eventtide.ml.evaluate import ChurnScores, churn_scores
from eventtide.ml.explain import partial_dependence
from eventtide.ml.features import FeatureTable
from eventtide.ml.history import DAY_S, FloatArray
from eventtide.ml.online_features import ONLINE_FEATURES, OnlineRows, online_rows
from eventtide.ml.promotion import Decision
from eventtide.ml.registry import Registered
from eventtide.ml.training import read_events

ONLINE_MODEL = "churn_online"
MIN_ROWS = 50


@dataclass(frozen=True)
class OnlineSplit:
    """Training and held-out rows as feature tables, with their labels."""

    train_x: FeatureTable
    train_y: np.ndarray
    test_x: FeatureTable
    test_y: np.ndarray


def split_rows(rows: OnlineRows, cutoff: float, horizon_days: float) -> OnlineSplit:
    """Pure: the time-based split described in the module docstring."""
    horizon = horizon_days * DAY_S
    known = ~np.isnan(rows.churned)
    test = known & (rows.as_of > cutoff - horizon) & (rows.as_of <= cutoff)
    train = known & (rows.as_of <= cutoff - horizon) & (rows.as_of + horizon <= cutoff - horizon)
    for name, mask in (("training", train), ("held-out", test)):
        labels = rows.churned[mask]
        if mask.sum() < MIN_ROWS or labels.min(initial=1) == labels.max(initial=0):
            raise ValueError(
                f"too few {name} sessions with both outcomes ({int(mask.sum())}): "
                f"the history must start two horizons before the cut-off"
            )

    def table(mask: np.ndarray) -> FeatureTable:
        return FeatureTable(rows.users[mask], ONLINE_FEATURES, rows.values[mask])

    return OnlineSplit(table(train), rows.churned[train], table(test), rows.churned[test])


def online_baselines() -> list[LogisticBaseline]:
    """What an analyst would try on these fields: frequency alone, and all of them linearly."""
    return [
        LogisticBaseline("frequency", ("sessions_30d",)),
        LogisticBaseline("logistic_all", ONLINE_FEATURES),
    ]


@dataclass(frozen=True)
class OnlineTrainResult:
    """What a training run registered and decided."""

    version: int
    ours: ChurnScores
    baselines: list[ChurnScores]
    production_roc_auc: float | None
    decision: Decision


def train_online_churn(
    engine: Engine, cutoff: datetime, horizon_days: float = 30.0
) -> OnlineTrainResult:
    """Train on stored events, register the candidate, promote it if it earns it."""
    end = datetime.fromtimestamp(cutoff.timestamp() + horizon_days * DAY_S, UTC)
    with engine.connect() as conn:
        log = read_events(conn, end)
    if len(log) == 0:
        raise ValueError("no stored events before the cut-off plus the horizon")
    data = split_rows(online_rows(log, horizon_days, end.timestamp()), cutoff.timestamp(),
                      horizon_days)  # fmt: skip
    model = GradientBoostedChurn(columns=ONLINE_FEATURES, ensemble=False).fit(
        data.train_x, data.train_y
    )
    if model.used != ONLINE_FEATURES:
        missing = set(ONLINE_FEATURES) - set(model.used)
        raise ValueError(f"a feature has no value in training: {sorted(missing)}")
    ours = churn_scores(model.name, data.test_y, model.predict(data.test_x))
    baselines = [
        churn_scores(b.name, data.test_y, b.fit(data.train_x, data.train_y).predict(data.test_x))
        for b in online_baselines()
    ]
    reference = [float(np.nanmedian(column)) for column in data.train_x.values.T]
    curves = partial_dependence(
        lambda m: model._model.predict_proba(m)[:, 1],
        data.train_x.values,
    )

    def production_probability(estimator: Any, _: Registered) -> FloatArray:
        """The production model on the held-out rows (every online model uses every field)."""
        probability: FloatArray = estimator.predict_proba(data.test_x.values)[:, 1]
        return probability

    with engine.begin() as conn:
        done = register_if_better(
            conn,
            name=ONLINE_MODEL,
            estimator=model._model,
            ours=ours,
            baselines=baselines,
            held_out=data.test_y,
            production_probability=production_probability,
            parameters={
                "used": list(ONLINE_FEATURES),
                "horizon_days": horizon_days,
                "reference": reference,
                "curves": [c.to_json() for c in curves],
            },
            metrics={"train_rows": int(data.train_y.size), "test_rows": int(data.test_y.size)},
            data_start=datetime.fromtimestamp(float(log.time.min()), UTC),
            data_end=end,
        )
    return OnlineTrainResult(done.version, ours, baselines, done.production_roc_auc, done.decision)
