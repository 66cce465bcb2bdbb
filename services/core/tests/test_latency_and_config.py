"""Delivery latency percentiles and the producer configuration."""

from __future__ import annotations

import pytest

from eventtide.core.kafka import LatencyHistogram, ProducerTuning, producer_config

pytestmark = pytest.mark.unit


def test_percentiles_within_two_percent() -> None:
    histogram = LatencyHistogram()
    for ms in range(1, 1001):
        histogram.record(ms / 1000)
    p50, p99 = histogram.percentile(0.5), histogram.percentile(0.99)
    assert p50 is not None
    assert p99 is not None
    assert p50 == pytest.approx(0.5, rel=0.02)
    assert p99 == pytest.approx(0.99, rel=0.02)


def test_empty_histogram_has_no_percentile() -> None:
    assert LatencyHistogram().percentile(0.5) is None


def test_producer_is_idempotent_and_bounded() -> None:
    config = producer_config("h:1", ProducerTuning(queue_max_messages=7, compression="zstd"))
    assert config["enable.idempotence"] is True
    assert config["acks"] == "all"
    assert config["queue.buffering.max.messages"] == 7
    assert config["compression.type"] == "zstd"
