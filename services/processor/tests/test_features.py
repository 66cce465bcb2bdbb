"""Per-user features as of a session's end, from the user's earlier final sessions."""

from __future__ import annotations

import pytest

from eventtide.processor.config import DAY, HOUR
from eventtide.processor.features import FeatureHistory
from eventtide.processor.sessions import Session

pytestmark = pytest.mark.unit

T = 1_748_736_000_000_000


def session(n: int, start: int, events: int = 5, purchases: int = 0, cents: int = 0) -> Session:
    return Session(
        f"s{n}", "u", start, start + HOUR, events, 2, "/", "/", purchases > 0, cents, purchases
    )


def test_first_session_has_no_recency():
    f = FeatureHistory().on_final(session(1, T, events=4))
    assert f.recency_s is None
    assert (f.sessions_7d, f.sessions_30d, f.events_7d, f.activity_trend) == (1, 1, 4, 5.0)


def test_windows_of_7_and_30_days_and_the_trend():
    h = FeatureHistory()
    h.on_final(session(1, T, events=10, purchases=1, cents=1000))  # 40 days before the last
    h.on_final(session(2, T + 30 * DAY, events=6, purchases=1, cents=500))  # 10 days before
    h.on_final(session(3, T + 36 * DAY, events=3))  # 4 days before
    f = h.on_final(session(4, T + 40 * DAY, events=1, purchases=2, cents=2500))
    assert f.recency_s == (4 * DAY - HOUR) / 1_000_000
    assert (f.sessions_7d, f.sessions_30d) == (2, 3)
    assert f.events_7d == 4
    assert (f.purchases_30d, f.monetary_30d_cents) == (3, 3000)
    assert f.activity_trend == (4 + 1) / (6 + 1)


def test_recency_survives_a_long_absence():
    h = FeatureHistory()
    h.on_final(session(1, T))
    f = h.on_final(session(2, T + 100 * DAY))
    assert f.recency_s == (100 * DAY - HOUR) / 1_000_000
    assert f.sessions_30d == 1
