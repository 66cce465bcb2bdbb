"""Partition watermarks, the processor's minimum, and idle partitions."""

from __future__ import annotations

import pytest

from eventtide.processor.watermark import NEVER, PartitionWatermark, WatermarkClock

pytestmark = pytest.mark.unit

S = 1_000_000
M = 60 * S


def test_watermark_is_the_largest_time_seen_minus_the_lateness():
    p = PartitionWatermark()
    assert p.watermark(10 * S) == NEVER
    for ts in (0, 30 * S, 20 * S):  # 12:00:00, 12:00:30, 12:00:20
        p = p.observe(ts, now=0)
    assert p.frontier == 30 * S
    assert p.watermark(10 * S) == 20 * S


def test_the_clock_returns_the_time_and_the_watermark_before_the_event():
    clock = WatermarkClock(lateness=10 * S, idle_timeout=30 * S, partitions={})
    clock, ts, before = clock.observe(0, 30 * S, now=0)
    assert (ts, before) == (30 * S, NEVER)
    clock, ts, before = clock.observe(0, 19 * S, now=1)
    assert (ts, before) == (19 * S, 20 * S)  # 19 s < 20 s: this event is too late


def test_an_idle_partition_does_not_hold_the_processor_back():
    """Docs example: partitions at 12:05, 12:07 and 11:02; the last silent for 45 s."""
    clock = WatermarkClock(lateness=0, idle_timeout=30 * S, partitions={})
    clock, *_ = clock.observe(2, 662 * M, now=0)  # 11:02
    clock, *_ = clock.observe(0, 725 * M, now=40 * S)  # 12:05
    clock, *_ = clock.observe(1, 727 * M, now=44 * S)  # 12:07
    assert clock.watermark(now=20 * S) == 662 * M  # partition 2 not idle yet
    assert clock.watermark(now=45 * S) == 725 * M  # partition 2 idle for 45 s


def test_all_idle_gives_the_largest_and_none_gives_never():
    clock = WatermarkClock(lateness=0, idle_timeout=S, partitions={})
    assert clock.watermark(now=0) == NEVER
    clock, *_ = clock.observe(0, 5 * S, now=0)
    clock, *_ = clock.observe(1, 9 * S, now=0)
    assert clock.watermark(now=10 * S) == 9 * S


def test_assign_and_revoke_follow_the_rebalance():
    clock = WatermarkClock(lateness=0, idle_timeout=S, partitions={})
    clock = clock.assign(4, PartitionWatermark(frontier=7 * S, last_seen=0))
    assert clock.watermark(now=0) == 7 * S
    assert clock.revoke(4).watermark(now=0) == NEVER
