"""Scoring ``features.v1`` records with a loaded model: probabilities and their reasons.

Pure (a fitted estimator in, plain rows out). The reasons are occlusion attributions:
each feature in turn is set to its training median and the change in P(churn) is that
feature's contribution. It needs no extra library, works for any estimator with
``predict_proba``, and costs one extra vectorised prediction per feature (7), which
keeps the scorer far above 10,000 records/s (bench/ml).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
from threadpoolctl import threadpool_limits

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

    def probabilities(self, matrix: FloatArray) -> FloatArray:
        """P(churn) per row, on one thread (the scorer is one process per partition set)."""
        with threadpool_limits(1):
            proba = self.estimator.predict_proba(matrix)
        return np.asarray(proba[:, 1], dtype=float)

    def contributions(self, matrix: FloatArray, base: FloatArray) -> FloatArray:
        """Per row and feature: P(churn) minus P(churn) with that feature at its median."""
        rows = matrix.shape[0]
        columns = len(ONLINE_FEATURES)
        stacked = np.repeat(matrix[np.newaxis, :, :], columns, axis=0)
        for j in range(columns):
            stacked[j, :, j] = self.reference[j]
        occluded = self.probabilities(stacked.reshape(columns * rows, columns))
        return base[:, np.newaxis] - occluded.reshape(columns, rows).T


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
    base = model.probabilities(matrix)
    effect = model.contributions(matrix, base)
    order = np.argsort(-np.abs(effect), axis=1)[:, :TOP_FEATURES]
    rows = []
    for i, record in enumerate(records):
        top = [
            {
                "feature": ONLINE_FEATURES[j],
                "value": None if np.isnan(matrix[i, j]) else float(matrix[i, j]),
                "effect": round(float(effect[i, j]), 6),
            }
            for j in order[i]
        ]
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
                "score": float(base[i]),
                "contributions": top,
            }
        )
    return rows
