"""The churn evaluation: ours against every baseline on held-out users and a later period.

Training users are labelled at ``test_cutoff - N days`` (their labels end where the test
period begins); held-out users, never trained on, are scored at ``test_cutoff`` and
labelled by the N days after it. Every model sees the same rows.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from eventtide.ml.bgnbd import bgnbd_churn
from eventtide.ml.churn import ChurnModel, SelectedChurn, recency_baseline, rfm_baseline
from eventtide.ml.evaluate import ChurnScores, churn_scores, margin_interval
from eventtide.ml.features import FeatureTable, churn_features
from eventtide.ml.history import EventLog, FloatArray
from eventtide.ml.labels import (
    DEFAULT_HORIZON_DAYS,
    churn_labels,
    holdout_users,
    readable_time,
    time_split,
)


@dataclass(frozen=True)
class ChurnEvaluation:
    """The scores of each model, and the models that could not run with the reason."""

    scores: list[ChurnScores]
    skipped: dict[str, str] = field(default_factory=dict)
    train_users: int = 0
    train_churn_rate: float = 0.0
    notes: dict[str, str] = field(default_factory=dict)
    """Per model, what it decided while fitting (ours: which candidate, and why)."""
    margins: dict[str, tuple[float, float]] = field(default_factory=dict)
    """Per model but ours, the 95% bootstrap interval of ours' ROC-AUC minus its own
    (:func:`~eventtide.ml.evaluate.margin_interval`)."""

    def record(self) -> dict[str, Any]:
        """The JSON form ``ml evaluate --json`` and the real-log bench print."""
        return {
            "scores": [asdict(s) for s in self.scores],
            "skipped": self.skipped,
            "notes": self.notes,
            "train_users": self.train_users,
            "ours_margin_95": {name: list(bounds) for name, bounds in self.margins.items()},
        }


@dataclass(frozen=True)
class ChurnData:
    """Training rows (earlier cut-off, training users) and held-out rows (later, others)."""

    train_x: FeatureTable
    train_y: FloatArray
    test_x: FeatureTable
    test_y: FloatArray
    test_cutoff: float


def prepare_churn(
    log: EventLog,
    test_cutoff: float,
    horizon_days: float = DEFAULT_HORIZON_DAYS,
    holdout_share: float = 0.3,
    active_within_days: float | None = None,
) -> ChurnData:
    """Features and labels for training and held-out users, split in time and by user.

    ``active_within_days`` narrows both populations to users seen in that many days before
    their cut-off: users long gone are churners any model finds, and they can hide how
    well the ones still around are ranked.
    """
    split = time_split(test_cutoff, horizon_days)
    train_labels = churn_labels(log, split.train_cutoff, horizon_days)
    test_labels = churn_labels(log, split.test_cutoff, horizon_days)
    train_keep = ~holdout_users(train_labels.users, holdout_share)
    test_keep = holdout_users(test_labels.users, holdout_share)
    train_users, train_y = train_labels.users[train_keep], train_labels.churned[train_keep]
    test_users, test_y = test_labels.users[test_keep], test_labels.churned[test_keep]
    _require_both_classes(train_y, "training", split.train_cutoff, horizon_days)
    _require_both_classes(test_y, "held-out", split.test_cutoff, horizon_days)
    train_x = churn_features(log, split.train_cutoff).rows(train_users)
    test_x = churn_features(log, split.test_cutoff).rows(test_users)
    if active_within_days is not None:
        recent_train = train_x.column("recency_days") <= active_within_days
        recent_test = test_x.column("recency_days") <= active_within_days
        train_x, train_y = train_x.rows(train_x.users[recent_train]), train_y[recent_train]
        test_x, test_y = test_x.rows(test_x.users[recent_test]), test_y[recent_test]
        _require_both_classes(train_y, "training", split.train_cutoff, horizon_days)
        _require_both_classes(test_y, "held-out", split.test_cutoff, horizon_days)
    return ChurnData(train_x, train_y, test_x, test_y, split.test_cutoff)


def _require_both_classes(
    churned: FloatArray, who: str, cutoff: float, horizon_days: float
) -> None:
    """Refuse, before any fitting, a population a churn model cannot learn or be scored on.

    Says which way it is one-sided, so the user knows whether to move the cut-off
    earlier (no one has stopped yet) or later (everyone in it had already gone).
    """
    at = f"{readable_time(cutoff)} (the {who} cut-off)"
    if churned.size == 0:
        raise ValueError(f"no {who} users: nobody was active before {at}")
    if churned.min() == churned.max():
        what = "was silent" if churned[0] == 1.0 else "was active again"
        raise ValueError(
            f"every one of the {churned.size} {who} users {what} in the "
            f"{horizon_days:g} days after {at}: a churn evaluation needs users who stay "
            "and users who leave; choose another --cutoff or --horizon-days"
        )


@dataclass(frozen=True)
class ModelScores:
    """What :func:`score_models` found: scores, ours' notes, each model's probabilities."""

    scores: list[ChurnScores]
    notes: dict[str, str]
    probabilities: dict[str, FloatArray]


def score_models(data: ChurnData, models: list[ChurnModel] | None = None) -> ModelScores:
    """Fit each model (ours and the two baselines by default) on the training rows and score
    it on the held-out ones, with what ours decided while fitting."""
    scores = []
    notes: dict[str, str] = {}
    probabilities: dict[str, FloatArray] = {}
    for model in models or [SelectedChurn(), recency_baseline(), rfm_baseline()]:
        probability = model.fit(data.train_x, data.train_y).predict(data.test_x)
        scores.append(churn_scores(model.name, data.test_y, probability))
        probabilities[model.name] = probability
        if isinstance(model, SelectedChurn):
            notes[model.name] = model.describe()
    return ModelScores(scores, notes, probabilities)


def evaluate_churn(
    log: EventLog,
    test_cutoff: float,
    horizon_days: float = DEFAULT_HORIZON_DAYS,
    holdout_share: float = 0.3,
    with_bgnbd: bool = True,
    models: list[ChurnModel] | None = None,
    active_within_days: float | None = None,
) -> ChurnEvaluation:
    """Fit each model at the training cut-off and score it on held-out users at the test one."""
    data = prepare_churn(log, test_cutoff, horizon_days, holdout_share, active_within_days)
    fitted = score_models(data, models)
    scores, notes, probabilities = fitted.scores, fitted.notes, fitted.probabilities
    skipped: dict[str, str] = {}
    if with_bgnbd:
        bgnbd = bgnbd_churn(log, data.test_cutoff, data.test_x.users, horizon_days)
        if isinstance(bgnbd, str):
            skipped["bgnbd"] = bgnbd
        else:
            scores.append(churn_scores("bgnbd", data.test_y, bgnbd.probability))
            probabilities["bgnbd"] = bgnbd.probability
            notes["bgnbd"] = f"penalizer {bgnbd.penalizer:g}"
    ours = probabilities.get("ours")
    margins = {} if ours is None else {
        name: margin_interval(data.test_y, ours, probability)
        for name, probability in probabilities.items() if name != "ours"
    }  # fmt: skip
    return ChurnEvaluation(
        scores, skipped, int(data.train_y.size), float(data.train_y.mean()), notes, margins
    )


def format_table(evaluation: ChurnEvaluation) -> str:
    """A plain-text table, best ROC-AUC first, with each model's margin to ours and the
    margin's 95% bootstrap interval (a margin whose interval holds 0 may be noise)."""
    ours = next((s.roc_auc for s in evaluation.scores if s.model == "ours"), float("nan"))
    lines = [
        f"{'model':<14} {'ROC-AUC':>8} {'PR-AUC':>8} {'Brier':>8} {'ours-Δ':>8}  ours-Δ 95% CI"
    ]
    for s in sorted(evaluation.scores, key=lambda s: -s.roc_auc):
        bounds = evaluation.margins.get(s.model)
        interval = "" if bounds is None else f"  [{bounds[0]:+.4f}, {bounds[1]:+.4f}]"
        lines.append(
            f"{s.model:<14} {s.roc_auc:>8.4f} {s.pr_auc:>8.4f} {s.brier:>8.4f} "
            f"{ours - s.roc_auc:>+8.4f}{interval}"
        )
    first = evaluation.scores[0]
    lines.append(
        f"held-out users: {first.users} (churn rate {first.churn_rate:.3f}); "
        f"training users: {evaluation.train_users} (churn rate {evaluation.train_churn_rate:.3f})"
    )
    lines.extend(f"{name}: {note}" for name, note in evaluation.notes.items())
    lines.extend(f"{name}: not run: {why}" for name, why in evaluation.skipped.items())
    return "\n".join(lines)
