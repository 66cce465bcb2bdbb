"""A trained candidate into the registry: decide, register, promote if it earns it.

Every training run ends the same way, so the sequence is written once: score the
production model on the candidate's held-out rows, apply the promotion rule, register
the candidate with its scores and the decision, and promote it when the rule says so,
all in the caller's transaction so that a failure registers nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from eventtide.ml.artefacts import dump
from eventtide.ml.evaluate import ChurnScores, churn_scores
from eventtide.ml.history import FloatArray
from eventtide.ml.promotion import Decision, decide
from eventtide.ml.registry import Registered, load_estimator, production, promote, register


@dataclass(frozen=True)
class Registration:
    """The version registered, the figures that decided and the decision."""

    version: int
    best_baseline: float
    production_roc_auc: float | None
    decision: Decision


def register_if_better(
    conn: Connection,
    *,
    name: str,
    estimator: Any,
    ours: ChurnScores,
    baselines: Sequence[ChurnScores],
    held_out: FloatArray,
    production_probability: Callable[[Any, Registered], FloatArray],
    parameters: dict[str, Any],
    metrics: dict[str, Any] | None = None,
    data_start: datetime,
    data_end: datetime,
) -> Registration:
    """Register ``estimator`` as a candidate of ``name`` and promote it if it earns it.

    ``held_out`` holds the labels ``ours`` was scored on; ``production_probability``
    gives the production model's P(churn) on the same rows from its loaded estimator
    and its registry entry. ``metrics`` are stored after the common scores.
    """
    best = max(b.roc_auc for b in baselines)
    current = production(conn, name)
    current_auc = None
    if current is not None:
        probability = production_probability(load_estimator(current), current)
        current_auc = churn_scores("production", held_out, probability).roc_auc
    decision = decide(ours.roc_auc, current_auc, best)
    version = register_decided(
        conn,
        name=name,
        artefact=estimator,
        decision=decision,
        parameters=parameters,
        metrics={
            "roc_auc": ours.roc_auc,
            "pr_auc": ours.pr_auc,
            "brier": ours.brier,
            "baselines": {b.model: b.roc_auc for b in baselines},
            "production_roc_auc": current_auc,
            "decision": decision.reason,
            **(metrics or {}),
        },
        data_start=data_start,
        data_end=data_end,
    )
    return Registration(version, best, current_auc, decision)


def register_decided(
    conn: Connection,
    *,
    name: str,
    artefact: Any,
    decision: Decision,
    parameters: dict[str, Any],
    metrics: dict[str, Any],
    data_start: datetime,
    data_end: datetime,
) -> int:
    """Register ``artefact`` (saved with skops) as a candidate and promote it when the
    decision says so, in the caller's transaction; returns its version.

    The part every model shares: how the decision was reached (which metric, which
    baselines) is the caller's, so churn and anomaly models use one registry path.
    """
    blob, sha = dump(artefact)
    version = register(
        conn,
        name=name,
        artefact=blob,
        sha256=sha,
        parameters=parameters,
        metrics=metrics,
        data_start=data_start,
        data_end=data_end,
    )
    if decision.promote:
        promote(conn, name, version)
    return version
