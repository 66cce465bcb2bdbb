"""Prometheus metrics of the three ML services: the churn scorer (``ml score``) and the
two anomaly detectors (``ml detect`` over window results, ``ml behave`` over events).

Declared here, in the ML package, so the dashboards, alerts and the metric lint have
one place to read the names from; the services publish into them after each commit, so
a batch rolled back is never counted. The scorer raises no alerts (it scores churn); the
detectors' incidents are rows of the alerts table with rules ``metric_anomaly`` and
``behaviour_anomaly``, counted here when they open. The processor's pattern alerts are
counted by ``eventtide_processor_alerts_total``.
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
MODEL_VERSION: Final = Gauge(
    "eventtide_ml_model_version", "Version of the production model in service, by model.",
    ["model"],
)  # fmt: skip
WINDOWS_JUDGED: Final = Counter(
    "eventtide_ml_windows_judged",
    "Windows a detector judged: whole-stream windows (metric), user-windows (behaviour).",
    ["detector"],
)
INCIDENTS_OPENED: Final = Counter(
    "eventtide_ml_incidents_opened",
    "Anomaly incidents opened (their first alert), by detector and series.",
    ["detector", "series"],
)
EVENTS_DROPPED: Final = Counter(
    "eventtide_ml_events_dropped",
    "Events a detector read and left out of its windows, by reason: late (their window "
    "had closed) or repeat (an event id it already held: a client's or producer's retry).",
    ["detector", "reason"],
)
JUDGED_THROUGH: Final = Gauge(
    "eventtide_ml_judged_through_timestamp_seconds",
    "Event time up to which a detector has judged its windows.",
    ["detector"],
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


def serving(model: str, version: int) -> None:
    """The version now in service (set at start and on every reload)."""
    MODEL_VERSION.labels(model=model).set(version)


def declare_detector(detector: str) -> None:
    """Create the detector's windows counter at zero, so ``rate()`` sees the first ones."""
    WINDOWS_JUDGED.labels(detector=detector)


def observe_dropped(detector: str, dropped: Mapping[str, int]) -> None:
    """Feed the events a committed batch of a detector dropped, by reason."""
    for reason, count in dropped.items():
        EVENTS_DROPPED.labels(detector=detector, reason=reason).inc(count)


def observe_judged(
    detector: str, windows: int, opened: Sequence[str], through_s: float | None
) -> None:
    """Feed a committed batch of a detector: windows judged, the series of the incidents
    it opened, and the event time (seconds) judged through (``None``: nothing yet)."""
    WINDOWS_JUDGED.labels(detector=detector).inc(windows)
    for series in opened:
        INCIDENTS_OPENED.labels(detector=detector, series=series).inc()
    if through_s is not None:
        JUDGED_THROUGH.labels(detector=detector).set(through_s)
