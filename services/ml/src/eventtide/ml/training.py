"""``eventtide ml train churn``: read stored events, train, evaluate, register, maybe promote.

The candidate is trained and scored exactly as the churn evaluation does (training
users at the earlier cut-off, held-out users at the later one). The production model,
if there is one, is scored on the same held-out rows; the promotion rule decides.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
from sqlalchemy import Connection, Engine, select

from eventtide.core.db.models import UserEvent
from eventtide.core.events import IDENTITY_TYPES
from eventtide.ml.artefacts import dump
from eventtide.ml.churn import GradientBoostedChurn, recency_baseline, rfm_baseline
from eventtide.ml.churn_eval import prepare_churn
from eventtide.ml.evaluate import churn_scores
from eventtide.ml.features import PURCHASE
from eventtide.ml.history import EventLog
from eventtide.ml.promotion import Decision, decide
from eventtide.ml.registry import load_estimator, production, promote, register

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
    model = GradientBoostedChurn().fit(data.train_x, data.train_y)
    ours = churn_scores(model.name, data.test_y, model.predict(data.test_x))
    baselines = [
        churn_scores(b.name, data.test_y, b.fit(data.train_x, data.train_y).predict(data.test_x))
        for b in (recency_baseline(), rfm_baseline())
    ]
    best = max(b.roc_auc for b in baselines)
    with engine.begin() as conn:
        current = production(conn, CHURN_MODEL)
        current_auc = None
        if current is not None:
            estimator = load_estimator(current)
            used = tuple(current.parameters["used"])
            matrix = np.column_stack([data.test_x.column(n) for n in used])
            current_auc = churn_scores(
                "production", data.test_y, estimator.predict_proba(matrix)[:, 1]
            ).roc_auc
        decision = decide(ours.roc_auc, current_auc, best)
        blob, sha = dump(model._model)
        version = register(
            conn,
            name=CHURN_MODEL,
            artefact=blob,
            sha256=sha,
            parameters={"used": list(model.used), "horizon_days": horizon_days},
            metrics={
                "roc_auc": ours.roc_auc,
                "pr_auc": ours.pr_auc,
                "brier": ours.brier,
                "baselines": {b.model: b.roc_auc for b in baselines},
                "production_roc_auc": current_auc,
                "decision": decision.reason,
            },
            data_start=datetime.fromtimestamp(float(log.time.min()), UTC),
            data_end=end,
        )
        if decision.promote:
            promote(conn, CHURN_MODEL, version)
    return TrainResult(version, ours.roc_auc, best, current_auc, decision)
