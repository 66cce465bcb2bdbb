"""The live view's arithmetic and table, from plain snapshots."""

from __future__ import annotations

import pytest
from rich.console import Console

from eventtide.core.db.overview import Overview, Spender
from eventtide.devstack.pipeline_view import Snapshot, rates, view

pytestmark = pytest.mark.unit


def _snap(at: float, produced: int, stored: int, offsets: dict[int, int]) -> Snapshot:
    spenders = [Spender("u-1", 12_345, 2, 30)]
    return Snapshot(at, produced, Overview(stored, 3, offsets, spenders))


def test_rates_and_lag() -> None:
    before = _snap(10.0, 1_000, 800, {0: 400, 1: 400})
    now = _snap(12.0, 5_000, 4_000, {0: 2_000, 1: 2_500})
    rate = rates(before, now)
    assert rate.produced_per_s == 2_000
    assert rate.stored_per_s == 1_600
    assert rate.lag == 500


def test_lag_never_negative() -> None:
    snap = _snap(1.0, 10, 10, {0: 12})
    assert rates(snap, snap).lag == 0


def test_view_shows_counts_target_and_spenders() -> None:
    now = _snap(2.0, 5_000, 4_000, {0: 4_000})
    console = Console(width=120, record=True)
    console.print(view(now, rates(now, now), elapsed_s=7, target=10_000))
    text = console.export_text()
    assert "4,000 / 10,000" in text
    assert "u-1" in text
    assert "123.45" in text
