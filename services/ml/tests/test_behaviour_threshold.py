"""The behaviour detector's operating point: a robust cut on the training scores."""

from __future__ import annotations

import numpy as np
import pytest

from eventtide.ml.anomaly import MIN_SCORE_SPREAD, ROBUST_K, BehaviourDetector, robust_cut
from eventtide.ml.features import BEHAVIOUR_FEATURES, FeatureTable

pytestmark = pytest.mark.unit


def test_the_cut_is_the_median_plus_k_robust_sigmas() -> None:
    scores = np.array([0.40, 0.42, 0.44, 0.46, 0.48])
    # median 0.44, MAD 0.02, sigma 1.4826 * 0.02
    assert robust_cut(scores, k=4.5) == pytest.approx(0.44 + 4.5 * 1.4826 * 0.02)
    assert robust_cut(scores) == pytest.approx(0.44 + ROBUST_K * 1.4826 * 0.02)


def test_a_fifth_of_strange_users_in_training_barely_move_the_cut() -> None:
    rng = np.random.default_rng(3)
    ordinary = rng.normal(0.45, 0.02, 800)
    bots = rng.uniform(0.65, 0.8, 200)
    clean, mixed = robust_cut(ordinary), robust_cut(np.concatenate([ordinary, bots]))
    assert abs(mixed - clean) < 0.05
    # the bots stay above the cut although they were a fifth of the training scores
    assert (bots > mixed).mean() > 0.95
    # a share-based cut (the 80th percentile) would have sat among the ordinary users
    assert np.quantile(np.concatenate([ordinary, bots]), 0.8) < mixed


def test_identical_scores_get_the_spread_floor_not_a_zero_band() -> None:
    assert robust_cut(np.full(50, 0.4)) == pytest.approx(0.4 + ROBUST_K * MIN_SCORE_SPREAD)


@pytest.mark.parametrize(
    ("scores", "message"),
    [
        (np.array([]), "no training scores"),
        (np.array([0.4, np.nan, 0.5]), "NaN or infinite"),
        (np.array([0.4, np.inf]), "NaN or infinite"),
        # sklearn's score_samples sign (negative) rather than the isolation score
        (np.array([-0.45, -0.5, -0.41]), "lie in"),
        (np.array([0.4, 1.7]), "lie in"),
    ],
)
def test_a_corrupted_score_array_is_refused_with_the_reason(
    scores: np.ndarray, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        robust_cut(scores)


def test_a_non_positive_multiplier_is_refused() -> None:
    with pytest.raises(ValueError, match="positive"):
        robust_cut(np.array([0.4, 0.5]), k=0.0)


def test_the_fitted_detector_flags_the_odd_users_and_few_ordinary_ones() -> None:
    rng = np.random.default_rng(0)
    humans = np.column_stack(
        [
            rng.poisson(30, 400),
            rng.lognormal(0.0, 0.3, 400),
            rng.normal(1.0, 0.15, 400),
            rng.lognormal(3.0, 0.4, 400),
            rng.lognormal(-0.5, 0.3, 400),
            rng.binomial(1, 0.2, 400),
            rng.poisson(2, 400) + 1,
        ]
    ).astype(float)
    odd = np.array([[400, 60.0, 0.05, 0.2, 0.0, 0, 300], [20, 1.0, 1.0, 20.0, 0.0, 12, 4]])
    users = np.array([f"u{i:04d}" for i in range(402)])
    table = FeatureTable(users, BEHAVIOUR_FEATURES, np.vstack([humans, odd]))
    detector = BehaviourDetector(trees=100).fit(table)
    flagged, score = detector.flag(table), detector.score(table)
    assert flagged[-2]  # the click bot
    # the small purchase burst ranks above every ordinary user, near the cut (at 4.5
    # robust sigmas the detector trades small fraud bursts for quiet: docs/ml.md)
    assert score[-1] > score[:400].max()
    assert flagged[:400].mean() < 0.02
    assert score[:400].max() < detector.threshold < 1.0
