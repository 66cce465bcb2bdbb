"""The scorer feeds the metrics the ML dashboard and EventtideModelScorerDown read."""

from __future__ import annotations

from typing import Any, cast

import pytest
from prometheus_client import REGISTRY

from eventtide.ml.metrics import declare
from eventtide.ml.scorer import ModelHolder, Scored, ScorerReport, ScorerSteps

pytestmark = pytest.mark.unit


def _value(name: str, model: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, {"model": model, **labels}) or 0.0


def _row(model: str, score: float) -> dict[str, Any]:
    return {"model_name": model, "score": score, "user_id": "u-1"}


def test_a_committed_batch_counts_its_rows_scores_and_time() -> None:
    model = "metrics_test_batch"
    steps = ScorerSteps(holder=cast(ModelHolder, None), group_id="g", report=ScorerReport())
    before = _value("eventtide_ml_scored_total", model)
    rows = [_row(model, 0.05), _row(model, 0.93), _row(model, 0.97)]

    steps.after_commit(Scored(rows, []), added=3)

    assert _value("eventtide_ml_scored_total", model) == before + 3
    assert _value("eventtide_ml_scores_count", model) == 3
    assert _value("eventtide_ml_scores_bucket", model, le="0.1") == 1
    assert _value("eventtide_ml_scores_bucket", model, le="0.95") == 2
    assert _value("eventtide_ml_scores_sum", model) == pytest.approx(1.95)
    assert _value("eventtide_ml_last_scored_timestamp_seconds", model) > 1.7e9


def test_declare_starts_the_counter_at_zero_but_leaves_the_last_scored_time_unset() -> None:
    model = "metrics_test_declared"
    declare(model)
    assert REGISTRY.get_sample_value("eventtide_ml_scored_total", {"model": model}) == 0
    # the scorer raises no alerts, so it has no alert counter to start
    assert REGISTRY.get_sample_value("eventtide_ml_alerts_total", {"model": model}) is None
    last = {"model": model}
    assert REGISTRY.get_sample_value("eventtide_ml_last_scored_timestamp_seconds", last) is None
