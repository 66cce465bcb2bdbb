"""The paced load-test user: a Poisson schedule from its own start, with bounded catch-up."""

from __future__ import annotations

import random

import pytest

from bench.api.pacing import CATCH_UP_S, PoissonPacer

pytestmark = pytest.mark.unit


def _seeded(seed: int) -> random.Random:
    return random.Random(seed)  # noqa: S311 - a schedule, not a secret


def _starts(pacer: PoissonPacer, now: float, count: int) -> list[float]:
    """Start times of ``count`` requests that each answer at once."""
    starts = []
    for _ in range(count):
        now += pacer.wait(now)
        starts.append(now)
    return starts


def test_a_user_begun_now_does_not_open_with_a_burst() -> None:
    pacer = PoissonPacer(12.0, _seeded(1))
    pacer.begin(1_000.0)
    starts = _starts(pacer, 1_000.0, 12)
    at_once = sum(1 for s in starts if s == 1_000.0)
    assert at_once == 0
    assert starts[-1] - 1_000.0 == pytest.approx(12 / 12.0, rel=0.6)


def test_an_unbegun_schedule_starts_at_the_first_wait() -> None:
    pacer = PoissonPacer(12.0, _seeded(1))
    assert pacer.wait(500.0) > 0.0
    assert pacer.next_start is not None
    assert pacer.next_start > 500.0


def test_a_schedule_begun_a_second_early_bursts() -> None:
    """What the Locust user did before it began its schedule at its own start: the
    check above fails on that schedule (many requests at once)."""
    pacer = PoissonPacer(12.0, _seeded(1))
    pacer.begin(0.0)
    starts = _starts(pacer, 1_000.0, 12)
    assert sum(1 for s in starts if s == 1_000.0) >= 5


def test_a_stall_is_made_up_for_at_most_the_catch_up_span() -> None:
    rate = 20.0
    pacer = PoissonPacer(rate, _seeded(3))
    pacer.begin(0.0)
    _starts(pacer, 0.0, 5)
    stalled_until = 60.0  # a 60 s stall: only about CATCH_UP_S * rate starts are owed
    starts = _starts(pacer, stalled_until, 200)
    owed = sum(1 for s in starts if s == stalled_until)
    assert 0 < owed <= 3 * CATCH_UP_S * rate
