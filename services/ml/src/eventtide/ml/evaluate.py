"""Scores that decide whether a model earns its place, computed on held-out data.

Churn: ROC-AUC (ranking), PR-AUC (ranking where churners are few) and Brier score
(whether the probabilities can be believed). Anomalies: an alert is a true positive
when it overlaps a true incident interval; an incident is detected when some alert
overlaps it, and its delay runs from the incident's start to the first such alert's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score

from eventtide.ml.history import FloatArray, IntArray


@dataclass(frozen=True)
class ChurnScores:
    """One model's scores on one held-out set."""

    model: str
    roc_auc: float
    pr_auc: float
    brier: float
    users: int
    churn_rate: float


def churn_scores(model: str, churned: FloatArray, probability: FloatArray) -> ChurnScores:
    """Scores of predicted P(churn) against the labels (both classes must be present)."""
    labels = churned.astype(int)
    if labels.min() == labels.max():
        raise ValueError("the held-out users are all one class; no ranking can be scored")
    return ChurnScores(
        model=model,
        roc_auc=float(roc_auc_score(labels, probability)),
        pr_auc=float(average_precision_score(labels, probability)),
        brier=float(brier_score_loss(labels, np.clip(probability, 0.0, 1.0))),
        users=int(labels.size),
        churn_rate=float(labels.mean()),
    )


MARGIN_RESAMPLES = 1000
"""Bootstrap resamples behind a margin's interval. Its bounds move by up to 0.01 ROC-AUC
between bootstrap seeds (0.006 to 0.010 over eight seeds, on synthetic rankings with 68
and 323 churners whose intervals were 0.16 and 0.08 wide): a bound within 0.01 of 0 or
of a goal is a close call, and the seed is fixed, so a rerun prints the same interval."""


RESAMPLED_SCORES = 10_000_000
"""Scores resampled at once: the resamples are drawn and ranked so many at a time.
Held-out sets of up to 10,000 users take every resample in one draw (the intervals are
those of one draw); 21,486 users peaked at 1.4 GB in one draw (an Olist-sized log) and
at 0.74 GB in chunks of this size, and a million users would have needed tens of GB."""


def margin_interval(
    churned: FloatArray,
    ours: FloatArray,
    other: FloatArray,
    *,
    level: float = 0.95,
    resamples: int = MARGIN_RESAMPLES,
    seed: int = 0,
) -> tuple[float, float]:
    """A percentile bootstrap interval of ROC-AUC(ours) - ROC-AUC(other) on the same users.

    With a few dozen churners a margin of 0.02 is within the noise of one held-out set,
    so a table that reports margins must say how far they can be trusted. Both models
    are scored on each resample of the same users (paired, so what they share cancels),
    and churners and stayers are resampled separately (stratified: every resample keeps
    both classes in their counts, so its ROC-AUC is always defined). Each resample's
    ROC-AUC is the Mann-Whitney statistic, for as many resamples at once as
    :data:`RESAMPLED_SCORES` allows.
    """
    labels = churned.astype(bool)
    positives, negatives = np.flatnonzero(labels), np.flatnonzero(~labels)
    if positives.size == 0 or negatives.size == 0:
        raise ValueError("the held-out users are all one class; no ranking can be scored")
    ours_levels, other_levels = _levels(ours), _levels(other)
    rng = np.random.default_rng(seed)
    per_chunk = max(1, RESAMPLED_SCORES // labels.size)
    chunks = []
    for start in range(0, resamples, per_chunk):
        count = min(per_chunk, resamples - start)
        index = np.hstack([
            rng.choice(positives, (count, positives.size)),
            rng.choice(negatives, (count, negatives.size)),
        ])  # fmt: skip
        chunks.append(
            _resampled_auc(ours_levels[index], positives.size, ours_levels.max() + 1)
            - _resampled_auc(other_levels[index], positives.size, other_levels.max() + 1)
        )
    margins = np.concatenate(chunks)
    tail = (1.0 - level) / 2.0 * 100.0
    low, high = np.percentile(margins, [tail, 100.0 - tail])
    return float(low), float(high)


def _levels(scores: FloatArray) -> IntArray:
    """Each score's place among the distinct scores (equal scores share one)."""
    levels: IntArray = np.unique(scores, return_inverse=True)[1]
    return levels


def _resampled_auc(levels: IntArray, positives: int, distinct: int) -> FloatArray:
    """ROC-AUC of each row of score levels (:func:`_levels`, ``distinct`` of them), whose
    first ``positives`` columns are the churners (ties count a half, as ``roc_auc_score``
    counts them).

    The Mann-Whitney count without sorting: per row, the stayers at each level, summed
    below each level, read at each churner's level; linear in the row where ranking
    each row was n log n (the bootstrap took 7 s for 21,486 users, now under a second).
    """
    rows, columns = levels.shape
    negatives = columns - positives
    offsets = np.arange(rows)[:, None] * distinct
    stayers = np.bincount((levels[:, positives:] + offsets).ravel(), minlength=rows * distinct)
    at = stayers.reshape(rows, distinct)
    below = np.cumsum(at, axis=1) - at
    churners = levels[:, :positives]
    wins = np.take_along_axis(below, churners, axis=1).sum(axis=1) + 0.5 * np.take_along_axis(
        at, churners, axis=1
    ).sum(axis=1)
    auc: FloatArray = wins / (positives * negatives)
    return auc


@dataclass(frozen=True)
class Interval:
    """A half-open time interval [start, end)."""

    start: float
    end: float

    def overlaps(self, other: Interval) -> bool:
        """True when the two share any time."""
        return self.start < other.end and other.start < self.end


@dataclass(frozen=True)
class DetectionScores:
    """How alerts matched true incidents."""

    precision: float
    recall: float
    f1: float
    true_alerts: int
    false_alerts: int
    detected: int
    incidents: int
    delays: tuple[float, ...]
    """Per detected incident: seconds from its start to the first overlapping alert's start
    (0 when the alert began earlier)."""

    @property
    def median_delay(self) -> float:
        """Median of ``delays`` (NaN when nothing was detected)."""
        return float(np.median(self.delays)) if self.delays else float("nan")


def f1_of(precision: float, recall: float) -> float:
    """The harmonic mean of precision and recall (0 when both are)."""
    return 2 * precision * recall / (precision + recall) if precision + recall > 0 else 0.0


def detection_scores(alerts: Sequence[Interval], truth: Sequence[Interval]) -> DetectionScores:
    """Precision over alerts, recall over incidents, and detection delays.

    With no alerts precision is 1 (nothing false was said); with no incidents recall is 1.
    """
    true_alerts = sum(1 for a in alerts if any(a.overlaps(t) for t in truth))
    delays: list[float] = []
    for incident in truth:
        starts = [a.start for a in alerts if a.overlaps(incident)]
        if starts:
            delays.append(max(min(starts) - incident.start, 0.0))
    precision = true_alerts / len(alerts) if alerts else 1.0
    recall = len(delays) / len(truth) if truth else 1.0
    return DetectionScores(
        precision=precision,
        recall=recall,
        f1=f1_of(precision, recall),
        true_alerts=true_alerts,
        false_alerts=len(alerts) - true_alerts,
        detected=len(delays),
        incidents=len(truth),
        delays=tuple(delays),
    )


@dataclass(frozen=True)
class ClassificationScores:
    """Precision, recall and F1 of flags against labels, with the threshold-free PR-AUC."""

    precision: float
    recall: float
    f1: float
    pr_auc: float
    positives: int
    flagged: int
    total: int


def classification_scores(
    truth: np.ndarray, flagged: np.ndarray, score: FloatArray
) -> ClassificationScores:
    """Score per-item flags (users, user-days) against the true anomalous ones."""
    truth, flagged = truth.astype(bool), flagged.astype(bool)
    hits = int((truth & flagged).sum())
    precision = hits / int(flagged.sum()) if flagged.any() else 1.0
    recall = hits / int(truth.sum()) if truth.any() else 1.0
    pr_auc = float(average_precision_score(truth, score)) if truth.any() else float("nan")
    return ClassificationScores(
        precision=precision,
        recall=recall,
        f1=f1_of(precision, recall),
        pr_auc=pr_auc,
        positives=int(truth.sum()),
        flagged=int(flagged.sum()),
        total=int(truth.size),
    )
