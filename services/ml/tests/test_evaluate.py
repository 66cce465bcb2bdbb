"""Evaluation metrics on cases worked out by hand."""

from __future__ import annotations

import numpy as np
import pytest

from eventtide.ml import evaluate
from eventtide.ml.evaluate import (
    Interval,
    _resampled_auc,
    churn_scores,
    classification_scores,
    detection_scores,
    margin_interval,
)

pytestmark = pytest.mark.unit


def test_churn_scores_on_a_perfect_and_a_reversed_ranking():
    labels = np.array([0.0, 0.0, 1.0, 1.0])
    perfect = churn_scores("p", labels, np.array([0.1, 0.2, 0.8, 0.9]))
    assert perfect.roc_auc == 1.0
    assert perfect.pr_auc == 1.0
    assert perfect.brier == pytest.approx((0.01 + 0.04 + 0.04 + 0.01) / 4)
    reversed_ = churn_scores("r", labels, np.array([0.9, 0.8, 0.2, 0.1]))
    assert reversed_.roc_auc == 0.0
    assert reversed_.churn_rate == 0.5


def test_churn_scores_refuse_a_single_class():
    with pytest.raises(ValueError, match="one class"):
        churn_scores("x", np.zeros(3), np.array([0.1, 0.2, 0.3]))


def test_detection_counts_overlaps_false_alerts_and_delays():
    truth = [Interval(100, 200), Interval(500, 600), Interval(900, 950)]
    alerts = [Interval(120, 130), Interval(150, 160), Interval(480, 520), Interval(700, 710)]
    scores = detection_scores(alerts, truth)
    assert scores.true_alerts == 3
    assert scores.false_alerts == 1
    assert scores.precision == pytest.approx(0.75)
    assert scores.recall == pytest.approx(2 / 3)
    assert scores.f1 == pytest.approx(2 * 0.75 * (2 / 3) / (0.75 + 2 / 3))
    assert scores.delays == (20.0, 0.0)
    assert scores.median_delay == 10.0


def test_no_alerts_means_full_precision_and_no_recall():
    scores = detection_scores([], [Interval(0, 1)])
    assert (scores.precision, scores.recall, scores.f1) == (1.0, 0.0, 0.0)
    assert np.isnan(scores.median_delay)


def test_classification_scores_of_flags():
    truth = np.array([1, 1, 0, 0, 0], dtype=bool)
    flagged = np.array([1, 0, 1, 0, 0], dtype=bool)
    scores = classification_scores(truth, flagged, np.array([0.9, 0.5, 0.8, 0.1, 0.2]))
    assert (scores.precision, scores.recall) == (0.5, 0.5)
    assert scores.flagged == 2
    assert scores.positives == 2
    assert scores.pr_auc == pytest.approx((1.0 + 2 / 3) / 2)


def _two_rankings(users: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Labels (a tenth churners), a sharper ranking and a blunter one of the same users."""
    rng = np.random.default_rng(seed)
    labels = (rng.random(users) < 0.1).astype(float)
    sharp = labels * 1.2 + rng.normal(0.0, 1.0, users)
    blunt = labels * 0.6 + rng.normal(0.0, 1.0, users)
    return labels, sharp, blunt


def test_a_resampled_roc_auc_is_the_mann_whitney_one_ties_included():
    labels, sharp, _ = _two_rankings(500, 3)
    sharp[:100] = np.round(sharp[:100])  # ties count a half
    order = np.concatenate([np.flatnonzero(labels == 1), np.flatnonzero(labels == 0)])
    churners = int(labels.sum())
    rng = np.random.default_rng(4)
    drawn = np.concatenate([rng.choice(order[:churners], churners),
                            rng.choice(order[churners:], order.size - churners)])  # fmt: skip
    levels = evaluate._levels(sharp)
    resampled = _resampled_auc(
        np.vstack([levels[order], levels[drawn]]), churners, int(levels.max()) + 1
    )
    assert resampled[0] == pytest.approx(churn_scores("s", labels, sharp).roc_auc, abs=1e-12)
    again = churn_scores("s", labels[order], sharp[drawn]).roc_auc  # labels[order]: 1s, 0s
    assert resampled[1] == pytest.approx(again, abs=1e-12), "each row its own resample"


def test_a_margin_interval_holds_the_margin_and_zero_only_when_there_is_none():
    labels, sharp, blunt = _two_rankings(3000, 5)
    margin = churn_scores("s", labels, sharp).roc_auc - churn_scores("b", labels, blunt).roc_auc
    low, high = margin_interval(labels, sharp, blunt)
    assert low < margin < high
    assert low > 0.0  # a real margin of about 0.14 on 300 churners
    assert margin_interval(labels, sharp, sharp) == (0.0, 0.0)
    # labels that have nothing to do with either ranking: no margin, zero inside
    shuffled = np.random.default_rng(0).permutation(labels)
    low, high = margin_interval(shuffled, sharp, blunt)
    assert low < 0.0 < high
    # a few dozen churners: the same rankings, an interval several times wider
    few, few_sharp, few_blunt = _two_rankings(300, 5)
    few_low, few_high = margin_interval(few, few_sharp, few_blunt)
    assert few_high - few_low > 2.0 * (high - low)
    with pytest.raises(ValueError, match="one class"):
        margin_interval(np.zeros(4), sharp[:4], blunt[:4])


def test_a_large_held_out_set_is_resampled_in_chunks_of_bounded_size(monkeypatch):
    """Scores are ranked a bounded number at a time; the interval stays the bootstrap's."""
    labels, sharp, blunt = _two_rankings(3000, 5)
    whole = margin_interval(labels, sharp, blunt)
    ranked: list[int] = []
    rank = evaluate._resampled_auc

    def counted(levels: np.ndarray, positives: int, distinct: int) -> np.ndarray:
        ranked.append(levels.size)
        return rank(levels, positives, distinct)

    monkeypatch.setattr(evaluate, "_resampled_auc", counted)
    monkeypatch.setattr(evaluate, "RESAMPLED_SCORES", 300_000)
    low, high = margin_interval(labels, sharp, blunt)
    assert max(ranked) <= 300_000
    assert sum(ranked) == 2 * evaluate.MARGIN_RESAMPLES * labels.size, "every resample, twice"
    assert low == pytest.approx(whole[0], abs=0.01)
    assert high == pytest.approx(whole[1], abs=0.01)
