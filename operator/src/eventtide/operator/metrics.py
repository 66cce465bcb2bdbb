"""Prometheus metrics of the operator: every scaling round's inputs and outcome.

One set per Pipeline (``namespace``/``pipeline`` labels): the lag the round read, the
replicas it found and wanted, and a counter of decisions by rule, so a dashboard can
show why the consumer count moved without reading the Pipeline's status.
"""

from __future__ import annotations

from typing import Final

from prometheus_client import Counter, Gauge

from eventtide.operator.policy import Decision

LABELS: Final = ["namespace", "pipeline"]
DECISIONS: Final = Counter(
    "eventtide_operator_scaling_decisions", "Scaling rounds by the rule that decided.",
    [*LABELS, "rule", "applied"],
)  # fmt: skip
LAG: Final = Gauge("eventtide_operator_lag_messages", "Total consumer-group lag read.", LABELS)
CURRENT: Final = Gauge(
    "eventtide_operator_current_replicas", "Consumer replicas found in the round.", LABELS
)
DESIRED: Final = Gauge(
    "eventtide_operator_desired_replicas", "Consumer replicas the round decided on.", LABELS
)


def record_round(namespace: str, pipeline: str, decision: Decision, applied: bool) -> None:
    """Publish one round."""
    DECISIONS.labels(namespace, pipeline, str(decision.rule), str(applied).lower()).inc()
    LAG.labels(namespace, pipeline).set(decision.total_lag)
    CURRENT.labels(namespace, pipeline).set(decision.current)
    DESIRED.labels(namespace, pipeline).set(decision.desired)
