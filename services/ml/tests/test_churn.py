"""The churn models fit, predict probabilities, and ours finds what recency cannot.

Ours picks between a booster and a linear model on the training rows alone; the tests
give each the data it should win on, and check the booster's a-priori directions hold.
"""

from __future__ import annotations

import numpy as np
import pytest

from eventtide.ml.churn import (
    DIRECTIONS,
    RFM,
    GradientBoostedChurn,
    LinearChurn,
    SelectedChurn,
    recency_baseline,
    rfm_baseline,
)
from eventtide.ml.evaluate import churn_scores
from eventtide.ml.features import CALENDAR_BOUND, CHURN_FEATURES, FeatureTable

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


def _table(values: np.ndarray) -> FeatureTable:
    return FeatureTable(np.array([f"u{i:05d}" for i in range(len(values))]), CHURN_FEATURES, values)


def _noise(n: int, seed: int) -> tuple[FeatureTable, np.ndarray]:
    """Every feature uniform, churn a coin flip with P = 0.3: nothing to learn but noise."""
    rng = np.random.default_rng(seed)
    return _table(rng.uniform(0.0, 30.0, (n, len(CHURN_FEATURES)))), (rng.random(n) < 0.3).astype(
        float
    )


def test_the_booster_never_lowers_churn_as_silence_grows_or_raises_it_with_activity():
    train, train_y = _noise(400, seed=6)
    model = GradientBoostedChurn(max_iter=100).fit(train, train_y)
    grid = np.linspace(0.0, 30.0, 61)
    for name, direction in DIRECTIONS.items():
        for row in train.values[:20]:
            values = np.repeat(row[np.newaxis], grid.size, axis=0)
            values[:, CHURN_FEATURES.index(name)] = grid
            steps = np.diff(model.predict(_table(values))) * direction
            assert (steps >= -1e-12).all(), name


def _interaction(n: int, seed: int) -> tuple[FeatureTable, np.ndarray]:
    """Churn when exactly one of two unconstrained features is high: no line separates it."""
    rng = np.random.default_rng(seed)
    values = rng.uniform(0.0, 1.0, (n, len(CHURN_FEATURES)))
    gap = values[:, CHURN_FEATURES.index("mean_session_gap_days")]
    carts = values[:, CHURN_FEATURES.index("cart_abandonment")]
    churned = ((gap > 0.5) ^ (carts > 0.5)) ^ (rng.random(n) < 0.05)
    return _table(values), churned.astype(float)


def _linear(n: int, seed: int) -> tuple[FeatureTable, np.ndarray]:
    """Churn a logistic function of fading activity, on few users: a line is all there is.

    The line is in the linear candidate's own scale (arcsinh of the count), and the
    counts are drawn before the noise columns, so the population does not change when
    a feature is added.
    """
    rng = np.random.default_rng(seed)
    sessions = rng.poisson(6.0, n).astype(float)
    logit = 3.0 * (np.arcsinh(4.0) - np.arcsinh(sessions))
    churned = rng.random(n) < 1.0 / (1.0 + np.exp(-logit))
    values = rng.uniform(0.0, 1.0, (n, len(CHURN_FEATURES)))
    values[:, CHURN_FEATURES.index("sessions_28d")] = sessions
    return _table(values), churned.astype(float)


def test_ours_takes_the_booster_where_only_an_interaction_predicts():
    train, train_y = _interaction(600, seed=7)
    test, test_y = _interaction(400, seed=8)
    ours = SelectedChurn().fit(train, train_y)
    assert ours.chosen == "ours_hgb", ours.describe()
    assert ours.cv_log_loss["ours_hgb"] < ours.cv_log_loss["ours_linear"]
    assert churn_scores("ours", test_y, ours.predict(test)).roc_auc > 0.85


def test_ours_takes_the_linear_model_where_churn_is_linear_and_users_few():
    train, train_y = _linear(250, seed=9)
    ours = SelectedChurn().fit(train, train_y)
    assert ours.chosen == "ours_linear", ours.describe()
    assert "5-fold log-loss" in ours.describe()


def test_ours_takes_the_linear_model_when_too_few_churners_to_cross_validate():
    train, train_y = _interaction(200, seed=10)
    train_y[:] = 0.0
    train_y[:3] = 1.0
    ours = SelectedChurn().fit(train, train_y)
    assert ours.chosen == "ours_linear"
    assert ours.cv_log_loss == {}
    assert "too few" in ours.describe()


def test_ours_and_both_candidates_leave_out_the_calendar_bound_features_but_rfms():
    """Tenure and the lifetime counts stay out; the baseline's frequency and money stay in,
    so ours never sees less than the RFM regression it must beat."""
    train, train_y = _population(300, seed=11)
    for model in (SelectedChurn(), GradientBoostedChurn(max_iter=10), LinearChurn()):
        model.fit(train, train_y)
        assert set(model.used) & set(CALENDAR_BOUND) == {"active_days", "monetary"}, model.name
        assert set(RFM) <= set(model.used), model.name
        assert "tenure_days" not in model.used


def test_a_feature_known_for_a_handful_of_users_is_left_out_not_a_failure():
    """A log of single orders knows the gap between a user's visits for a few users only;
    a booster fitted inside the folds on rows without any of them must not fail."""
    train, train_y = _interaction(300, seed=12)
    assert all("mean_session_gap_days" in c.columns for c in SelectedChurn().candidates)
    gaps = train.column("mean_session_gap_days")  # a view: the table's own column
    gaps[:] = np.nan
    gaps[:2] = (3.0, 5.0)
    ours = SelectedChurn().fit(train, train_y)
    assert set(ours.cv_log_loss) == {"ours_hgb", "ours_linear"}, "both were cross-validated"
    assert "mean_session_gap_days" not in ours.used
