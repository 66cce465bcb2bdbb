"""Scoring ``features.v1`` records with a loaded model: probabilities and their reasons.

Pure (a fitted estimator in, plain rows out). The reasons come from the partial-dependence
curves registered with the model (:mod:`eventtide.ml.explain`): a lookup per feature,
so explaining costs next to nothing beside the one model call per batch.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
from threadpoolctl import threadpool_limits

from eventtide.ml.explain import Curve, contributions
from eventtide.ml.history import FloatArray
from eventtide.ml.online_features import ONLINE_FEATURES, record_matrix

PREDICTION_NAMESPACE: Final = uuid.UUID("7b1f3c2e-9a4d-4c8b-b6e2-5d0f1a2b3c4d")
TOP_FEATURES: Final = 3


@dataclass(frozen=True)
class ScoringModel:
    """A production model as the scorer uses it: estimator, identity, reference row."""

    name: str
    version: int
    estimator: Any
    reference: tuple[float, ...]
    """Training medians of :data:`ONLINE_FEATURES`, the 'typical user' of attributions."""
    curves: tuple[Curve, ...]
    """Partial dependence of each feature, from training."""

    def probabilities(self, matrix: FloatArray) -> FloatArray:
        """P(churn) per row, on one thread (the scorer is one process per partition set)."""
        with threadpool_limits(1):
            proba = self.estimator.predict_proba(matrix)
        return np.asarray(proba[:, 1], dtype=float)

    def contributions(self, matrix: FloatArray) -> FloatArray:
        """Per row and feature: how far that feature moves P(churn) from the median's."""
        return contributions(list(self.curves), matrix, np.asarray(self.reference))


def prediction_id(model_name: str, source_id: str) -> str:
    """The same id whichever version scores the record: stored once per model name."""
    return str(uuid.uuid5(PREDICTION_NAMESPACE, f"{model_name}|{source_id}"))


def score_records(
    model: ScoringModel, records: Sequence[Mapping[str, Any]], scored_at: int
) -> list[dict[str, Any]]:
    """``predictions`` rows for ``records`` (all must be valid ``features.v1`` records)."""
    if not records:
        return []
    matrix = record_matrix(records)
    base = model.probabilities(matrix).tolist()
    effect = model.contributions(matrix)
    order = np.argsort(-np.abs(effect), axis=1)[:, :TOP_FEATURES]
    picked = np.take_along_axis(effect, order, axis=1).round(6).tolist()
    values = np.take_along_axis(matrix, order, axis=1)
    shown = values.astype(object)
    shown[np.isnan(values)] = None
    shown = shown.tolist()
    names = [[ONLINE_FEATURES[j] for j in row] for row in order.tolist()]
    rows = []
    for i, record in enumerate(records):
        source = str(record["feature_id"])
        rows.append(
            {
                "prediction_id": prediction_id(model.name, source),
                "model_name": model.name,
                "model_version": model.version,
                "user_id": str(record["user_id"]),
                "source_id": source,
                "as_of": int(record["as_of"]),
                "scored_at": scored_at,
                "score": base[i],
                "contributions": [
                    {"feature": f, "value": v, "effect": e}
                    for f, v, e in zip(names[i], shown[i], picked[i], strict=True)
                ],
            }
        )
    return rows
