"""``eventtide ml train churn``: read stored events, train, evaluate, register, maybe promote.

The candidate is trained and scored exactly as the churn evaluation does (training
users at the earlier cut-off, held-out users at the later one). The production model,
if there is one, is scored on the same held-out rows; the promotion rule decides.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np
from sqlalchemy import Connection, Engine, select

from eventtide.core.db.models import UserEvent
from eventtide.core.events import IDENTITY_TYPES
from eventtide.ml.candidate import register_if_better
from eventtide.ml.churn import SelectedChurn, recency_baseline, rfm_baseline
from eventtide.ml.churn_eval import prepare_churn
from eventtide.ml.evaluate import churn_scores
from eventtide.ml.features import PURCHASE
from eventtide.ml.history import EventLog, FloatArray
from eventtide.ml.promotion import Decision
from eventtide.ml.registry import Registered

CHURN_MODEL = "churn"


def read_events(conn: Connection, end: datetime) -> EventLog:
    """Every stored activity event before ``end`` as an event log (amounts from cents)."""
    rows = conn.execute(
        select(
            UserEvent.user_id, UserEvent.occurred_at, UserEvent.event_type, UserEvent.amount_cents
        ).where(UserEvent.occurred_at < end, UserEvent.event_type.not_in(IDENTITY_TYPES))
    )
    return EventLog.from_rows(
        (
            user,
            (at if at.tzinfo else at.replace(tzinfo=UTC)).timestamp(),
            name,
            (cents or 0) / 100.0 if name == PURCHASE else 0.0,
        )
        for user, at, name, cents in rows
    )


@dataclass(frozen=True)
class TrainResult:
    """What a training run registered and decided."""

    version: int
    roc_auc: float
    best_baseline: float
    production_roc_auc: float | None
    decision: Decision


def train_churn(engine: Engine, cutoff: datetime, horizon_days: float = 30.0) -> TrainResult:
    """Train the churn model on stored events, register it, promote it if it earns it."""
    end = datetime.fromtimestamp(cutoff.timestamp() + horizon_days * 86_400.0, UTC)
    with engine.connect() as conn:
        log = read_events(conn, end)
    data = prepare_churn(log, cutoff.timestamp(), horizon_days)
    model = SelectedChurn().fit(data.train_x, data.train_y)
    ours = churn_scores(model.name, data.test_y, model.predict(data.test_x))
    baselines = [
        churn_scores(b.name, data.test_y, b.fit(data.train_x, data.train_y).predict(data.test_x))
        for b in (recency_baseline(), rfm_baseline())
    ]

    def production_probability(estimator: Any, current: Registered) -> FloatArray:
        """The production model on the held-out rows, over the columns it was trained on."""
        used = tuple(current.parameters["used"])
        matrix = np.column_stack([data.test_x.column(n) for n in used])
        probability: FloatArray = estimator.predict_proba(matrix)[:, 1]
        return probability

    with engine.begin() as conn:
        done = register_if_better(
            conn,
            name=CHURN_MODEL,
            estimator=model._model,
            ours=ours,
            baselines=baselines,
            held_out=data.test_y,
            production_probability=production_probability,
            parameters={
                "used": list(model.used),
                "horizon_days": horizon_days,
                "chosen": model.chosen,
                "cv_log_loss": model.cv_log_loss,
            },
            data_start=datetime.fromtimestamp(float(log.time.min()), UTC),
            data_end=end,
        )
    return TrainResult(
        done.version, ours.roc_auc, done.best_baseline, done.production_roc_auc, done.decision
    )
