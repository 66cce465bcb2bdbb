"""Delivery accounting: every report counted once, by type, failures with their reason."""

from __future__ import annotations

import pytest

from eventtide.core.kafka import DeliveryStats

pytestmark = pytest.mark.unit


class _Message:
    def __init__(self, latency: float | None) -> None:
        self._latency = latency

    def latency(self) -> float | None:
        return self._latency


class _Error:
    def name(self) -> str:
        return "_MSG_TIMED_OUT"


def test_callbacks_count_successes_failures_and_latency() -> None:
    stats = DeliveryStats()
    page_view = stats.callback_for("page_view")
    assert stats.callbacks["page_view"] is page_view, "one callback per type, made once"
    for _ in range(3):
        page_view(None, _Message(0.004))
    stats.callback_for("purchase")(None, _Message(None))
    stats.on_delivery("purchase", _Error(), _Message(None))
    assert (stats.delivered, stats.failed) == (4, 1)
    assert stats.errors == {"_MSG_TIMED_OUT": 1}
    assert stats.latency.count == 3
    assert stats.latency.percentile(0.5) == pytest.approx(0.004, rel=0.02)


def test_publish_moves_counts_to_prometheus() -> None:
    stats = DeliveryStats()
    stats.callback_for("signup")(None, _Message(0.001))
    stats.publish()
    stats.callback_for("signup")(None, _Message(0.001))
    assert stats.delivered == 2
    stats.publish()
