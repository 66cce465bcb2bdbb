"""Per-segment active-user series: building them, choosing them, and what they catch."""

from __future__ import annotations

import numpy as np
import pytest
from synthetic import MONDAY, STEP, counts, inside

from eventtide.ml.anomaly import alerts_from, score_counts
from eventtide.ml.evaluate import Interval
from eventtide.ml.history import DAY_S
from eventtide.ml.segments import active_by_segment, top_segments

pytestmark = pytest.mark.unit

TEST_START = MONDAY + 14 * DAY_S


def test_active_users_are_counted_once_per_window_and_segment():
    window = np.array([0, 0, 0, 1, 1, 2, 5, -1])
    segment = ["ios", "ios", "web", "ios", "web", "web", "ios", "ios"]
    user = ["a", "a", "a", "b", "b", "c", "d", "e"]
    series = active_by_segment(window, segment, user, windows=3)
    assert series["ios"].tolist() == [1, 1, 0]  # a twice in window 0 is one user
    assert series["web"].tolist() == [1, 1, 1]


def test_active_by_segment_refuses_ragged_input():
    with pytest.raises(ValueError, match="one entry per event"):
        active_by_segment(np.array([0, 1]), ["ios"], ["a", "b"], windows=2)


def test_top_segments_keeps_the_largest_that_are_big_enough():
    train = {
        "web": np.full(10, 30.0),
        "ios": np.full(10, 9.0),
        "android": np.full(10, 9.0),
        "server": np.full(10, 0.5),
    }
    assert top_segments(train, top=5, min_volume=5.0) == ["web", "android", "ios"]
    assert top_segments(train, top=1, min_volume=5.0) == ["web"]
    with pytest.raises(ValueError, match="zero or more"):
        top_segments(train, top=-1, min_volume=5.0)


def _segments(seed: int) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    times, web = counts(21, 40.0, seed)
    _, ios = counts(21, 6.0, seed + 1)
    _, android = counts(21, 6.0, seed + 2)
    return times, {"web": web, "ios": ios, "android": android}


def test_a_segment_going_silent_is_found_while_the_total_looks_normal():
    times, parts = _segments(seed=5)
    outage = Interval(TEST_START + 3 * DAY_S + 19 * 3600, TEST_START + 3 * DAY_S + 21 * 3600)
    parts["ios"] = np.where(inside(times, outage), 0.0, parts["ios"])
    train, test = times < TEST_START, times >= TEST_START
    total = sum(parts.values())
    assert not score_counts(times[train], total[train], times[test], total[test]).flagged.any()
    ios = score_counts(times[train], parts["ios"][train], times[test], parts["ios"][test])
    alerts = alerts_from("users.platform.ios", ios, STEP)
    assert alerts
    assert all(a.direction == "down" for a in alerts)
    assert all(Interval(a.start, a.end).overlaps(outage) for a in alerts)
    assert alerts[0].start - outage.start <= 2 * STEP


def test_a_segment_below_the_minimum_volume_never_alarms_even_when_it_goes_silent():
    times, small = counts(21, 2.0, seed=8)  # about 2 users a window, under the floor of 5
    train, test = times < TEST_START, times >= TEST_START
    small[test & (times < TEST_START + DAY_S)] = 0.0  # a whole day of silence
    small[test & (times >= TEST_START + 2 * DAY_S)] *= 3.0  # and then triple
    assert top_segments({"tiny": small[train]}, top=5, min_volume=5.0) == []
    assert not score_counts(times[train], small[train], times[test], small[test]).flagged.any()
