"""Prometheus metrics of the online scorer: scores by model, rows scored, last score.

Declared here, in the ML package, so the dashboards, alerts and the metric lint have
one place to read the scorer's names from; the scorer publishes into them. The scorer
raises no alerts (it scores churn; metric anomalies are ``ml detect``'s, whose alerts
are rows of the alerts table with rule ``metric_anomaly``), so it exposes no alert
counter: the processor's alerts are counted by ``eventtide_processor_alerts_total``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final

from prometheus_client import Counter, Gauge, Histogram

SCORES: Final = Histogram(
    "eventtide_ml_scores", "Scores the online models gave, by model.", ["model"],
    buckets=(0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99, 1.0),
)  # fmt: skip
SCORED: Final = Counter("eventtide_ml_scored", "Feature rows scored, by model.", ["model"])
LAST_SCORED: Final = Gauge(
    "eventtide_ml_last_scored_timestamp_seconds", "When the scorer last scored a row.", ["model"]
)


def declare(model: str) -> None:
    """Create the model's counter at zero, so ``rate()`` sees the first rows scored.

    The last-scored gauge is left unset: a zero there would read as "scored nothing for
    56 years" and fire EventtideModelScorerDown before the first batch.
    """
    SCORED.labels(model=model)


def observe(rows: Sequence[Mapping[str, Any]], at: float) -> None:
    """Feed committed prediction rows (``model_name``, ``score``) into the metrics.

    Called after the commit, so a batch rolled back is never counted; ``at`` is the
    wall-clock time (seconds) the alert rule compares with ``time()``.
    """
    scores: dict[str, list[float]] = {}
    for row in rows:
        scores.setdefault(str(row["model_name"]), []).append(float(row["score"]))
    for model, values in scores.items():  # label look-ups once per model, not per row
        histogram = SCORES.labels(model=model)
        for value in values:
            histogram.observe(value)
        SCORED.labels(model=model).inc(len(values))
        LAST_SCORED.labels(model=model).set(at)
