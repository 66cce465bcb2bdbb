"""The processor's Prometheus publishing: alerts by rule, the watermark delay."""

from __future__ import annotations

import pytest
from prometheus_client import REGISTRY

from eventtide.processor.metrics import Publisher, watermark_delay_s

pytestmark = pytest.mark.unit


def _alerts(rule: str, severity: str) -> float:
    labels = {"rule": rule, "severity": severity}
    return REGISTRY.get_sample_value("eventtide_processor_alerts_total", labels) or 0.0


def test_committed_alerts_are_counted_by_rule_and_severity() -> None:
    before = _alerts("metrics_test_burst", "medium"), _alerts("metrics_test_cart", "low")

    Publisher.alerts(
        [("metrics_test_burst", "medium"), ("metrics_test_cart", "low"),
         ("metrics_test_burst", "medium")]
    )  # fmt: skip

    after = _alerts("metrics_test_burst", "medium"), _alerts("metrics_test_cart", "low")
    assert (after[0] - before[0], after[1] - before[1]) == (2, 1)


def test_the_delay_is_from_the_lowest_known_watermark_and_never_negative() -> None:
    never = -1
    assert watermark_delay_s([never], 100.0, never) is None
    assert watermark_delay_s([90_000_000, 50_000_000, never], 100.0, never) == 50.0
    assert watermark_delay_s([200_000_000], 100.0, never) == 0.0
