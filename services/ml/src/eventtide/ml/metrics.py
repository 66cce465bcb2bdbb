"""Prometheus metrics of the online scorer: scores by model, alerts raised, rounds.

Declared here, in the ML package, so the dashboards, alerts and the metric lint have
one place to read the scorer's names from; the scorer publishes into them.
"""

from __future__ import annotations

from typing import Final

from prometheus_client import Counter, Gauge, Histogram

SCORES: Final = Histogram(
    "eventtide_ml_scores", "Scores the online models gave, by model.", ["model"],
    buckets=(0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99, 1.0),
)  # fmt: skip
SCORED: Final = Counter("eventtide_ml_scored", "Feature rows scored, by model.", ["model"])
ALERTS: Final = Counter("eventtide_ml_alerts", "Alerts the scorer raised, by model.", ["model"])
LAST_SCORED: Final = Gauge(
    "eventtide_ml_last_scored_timestamp_seconds", "When the scorer last scored a row.", ["model"]
)
