"""Artefacts round-trip only untouched and made of vouched-for types; promotion rules."""

from __future__ import annotations

import os

import numpy as np
import pytest
from sklearn.preprocessing import FunctionTransformer

from eventtide.ml.artefacts import ArtefactRefusedError, digest, dump, load
from eventtide.ml.churn import GradientBoostedChurn, LinearChurn
from eventtide.ml.features import CHURN_FEATURES, FeatureTable
from eventtide.ml.promotion import decide

pytestmark = pytest.mark.unit


def _fitted() -> tuple[GradientBoostedChurn, FeatureTable]:
    rng = np.random.default_rng(0)
    table = FeatureTable(
        np.array([f"u{i}" for i in range(120)]),
        CHURN_FEATURES,
        rng.random((120, len(CHURN_FEATURES))),
    )
    y = (table.column("recency_days") > 0.6).astype(float)
    return GradientBoostedChurn(max_iter=5).fit(table, y), table


def test_an_artefact_round_trips_and_predicts_the_same():
    model, table = _fitted()
    blob, sha = dump(model._model)
    restored = load(blob, sha)
    columns = np.column_stack([table.column(n) for n in model.used])
    np.testing.assert_allclose(restored.predict_proba(columns), model._model.predict_proba(columns))


def test_the_linear_candidate_round_trips_too():
    """Ours may register either candidate; the linear one holds an imputer's dtype."""
    _, table = _fitted()
    table.values[::4, table.names.index("days_since_purchase")] = np.nan
    y = (table.column("recency_days") > 0.6).astype(float)
    model = LinearChurn().fit(table, y)
    blob, sha = dump(model._model)
    columns = np.column_stack([table.column(n) for n in model.used])
    np.testing.assert_allclose(
        load(blob, sha).predict_proba(columns), model._model.predict_proba(columns)
    )


def test_a_tampered_artefact_is_refused():
    model, _ = _fitted()
    blob, sha = dump(model._model)
    tampered = bytearray(blob)
    tampered[len(tampered) // 2] ^= 0xFF
    with pytest.raises(ArtefactRefusedError, match="changed after registration"):
        load(bytes(tampered), sha)


def test_an_artefact_with_untrusted_types_is_refused_even_with_a_matching_digest():
    blob, sha = dump(FunctionTransformer(func=os.system))
    with pytest.raises(ArtefactRefusedError, match="untrusted types"):
        load(blob, sha)


def test_garbage_with_a_matching_digest_is_refused():
    blob = b"not a skops file"
    with pytest.raises(ArtefactRefusedError, match="not a readable"):
        load(blob, digest(blob))


@pytest.mark.parametrize(
    ("candidate", "production", "baseline", "promote"),
    [
        (0.90, None, 0.85, True),
        (0.84, None, 0.85, False),
        (0.90, 0.91, 0.85, False),
        (0.9005, 0.90, 0.85, False),  # within noise
        (0.92, 0.90, 0.85, True),
    ],
)
def test_promotion_needs_baselines_and_production_beaten(candidate, production, baseline, promote):
    assert decide(candidate, production, baseline).promote is promote


def test_lower_is_better_metrics_are_compared_the_other_way():
    assert decide(0.10, 0.12, 0.15, higher_is_better=False).promote
    assert not decide(0.13, 0.12, 0.15, higher_is_better=False).promote
