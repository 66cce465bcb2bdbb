"""The churn models fit, predict probabilities, and ours finds what recency cannot."""

from __future__ import annotations

import numpy as np
import pytest

from eventtide.ml.churn import GradientBoostedChurn, recency_baseline, rfm_baseline
from eventtide.ml.evaluate import churn_scores
from eventtide.ml.features import CHURN_FEATURES, FeatureTable

pytestmark = pytest.mark.unit


def _population(n: int, seed: int) -> tuple[FeatureTable, np.ndarray]:
    """Users whose churn depends on silence measured in their own usual gaps.

    A daily visitor silent for four days has probably left; a fortnightly one has not.
    Recency alone cannot tell them apart, the ratio can.
    """
    rng = np.random.default_rng(seed)
    gap = rng.choice([1.0, 14.0], n)
    recency = rng.uniform(0.0, 20.0, n)
    churned = (recency / gap + rng.normal(0.0, 0.3, n) > 2.5).astype(float)
    values = np.zeros((n, len(CHURN_FEATURES)))
    column = CHURN_FEATURES.index
    values[:, column("recency_days")] = recency
    values[:, column("mean_session_gap_days")] = gap
    values[:, column("active_days")] = 60.0 / gap
    values[:, column("tenure_days")] = 60.0
    values[:, column("recency_over_gap")] = recency / gap
    users = np.array([f"u{i:05d}" for i in range(n)])
    return FeatureTable(users, CHURN_FEATURES, values), churned


def test_ours_beats_recency_and_rfm_when_silence_is_relative_to_habit():
    train, train_y = _population(800, seed=1)
    test, test_y = _population(400, seed=2)
    scores = {}
    for model in (GradientBoostedChurn(max_iter=60), recency_baseline(), rfm_baseline()):
        probability = model.fit(train, train_y).predict(test)
        assert ((probability >= 0) & (probability <= 1)).all()
        scores[model.name] = churn_scores(model.name, test_y, probability)
    assert scores["ours_hgb"].roc_auc > scores["recency"].roc_auc + 0.05
    assert scores["ours_hgb"].brier < scores["recency"].brier


def test_calibrated_probabilities_match_the_observed_churn_rate():
    train, train_y = _population(800, seed=3)
    test, test_y = _population(800, seed=4)
    probability = GradientBoostedChurn(max_iter=60).fit(train, train_y).predict(test)
    assert abs(float(probability.mean()) - float(test_y.mean())) < 0.05


def test_predicting_with_other_columns_is_refused():
    train, train_y = _population(200, seed=5)
    model = GradientBoostedChurn(max_iter=10).fit(train, train_y)
    other = FeatureTable(train.users, tuple(reversed(train.names)), train.values)
    with pytest.raises(ValueError, match="differ"):
        model.predict(other)
