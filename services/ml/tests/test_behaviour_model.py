"""User-windows, the behaviour artefact, the rate baseline and the injected judgement."""

from __future__ import annotations

import numpy as np
import pytest

from eventtide.ml.artefacts import ArtefactRefusedError, dump, load
from eventtide.ml.behaviour_eval import inject, judge
from eventtide.ml.behaviour_model import (
    BehaviourModel,
    fit_behaviour,
    fit_rate_baseline,
    hopping_windows,
    window_features,
)
from eventtide.ml.features import behaviour_features
from eventtide.ml.history import EventLog

pytestmark = pytest.mark.unit

HOUR = 3_600.0
DAY0 = 1_767_571_200.0  # 2026-01-05 00:00 UTC


def _humans(days: int, seed: int = 1) -> EventLog:
    rng = np.random.default_rng(seed)
    rows = []
    for day in range(days):
        for user in range(30):
            at = day * 86_400.0 + rng.uniform(0, 80_000)
            for _ in range(3 + rng.poisson(5)):
                rows.append((f"u{user}", at, str(rng.choice(["page_view", "click"])), 0.0))
                at += rng.exponential(40.0) + 2.0
    return EventLog.from_rows(rows)


def test_a_users_events_fall_into_one_row_per_hour_they_were_active() -> None:
    log = EventLog.from_rows(
        [("a", 10.0, "page_view", 0.0), ("a", 20.0, "click", 0.0), ("a", HOUR + 5, "click", 0.0),
         ("b", 30.0, "purchase", 9.0)]
    )  # fmt: skip
    windows = window_features(log, HOUR)
    assert list(zip(windows.users.tolist(), windows.starts.tolist(), strict=True)) == [
        ("a", 0.0),
        ("a", HOUR),
        ("b", 0.0),
    ]
    assert windows.table.column("events").tolist() == [2.0, 1.0, 1.0]


def _hops_log() -> EventLog:
    """Three users over a few hours of 2026-01-05, some hours idle, one user days later;
    purchases, so every feature moves when a window gains or loses an event."""
    rows = [
        ("a", 100.0, "page_view", 0.0), ("a", 160.0, "click", 0.0), ("a", 400.0, "purchase", 5.0),
        ("a", HOUR + 50, "page_view", 0.0), ("a", HOUR + 70, "click", 0.0),
        ("a", 3 * HOUR + 10, "purchase", 7.0), ("a", 3 * HOUR + 20, "purchase", 3.0),
        ("a", 3 * HOUR + 30, "click", 0.0), ("a", 5 * HOUR + 900, "page_view", 0.0),
        ("b", 2 * HOUR - 30, "page_view", 0.0), ("b", 2 * HOUR + 30, "click", 0.0),
        ("b", 2 * HOUR + 60, "click", 0.0), ("b", 4 * HOUR + 5, "page_view", 0.0),
        ("c", 3 * 86_400.0 + 7 * HOUR + 1, "page_view", 0.0),
        ("c", 3 * 86_400.0 + 8 * HOUR + 2, "click", 0.0),
    ]  # fmt: skip
    return EventLog.from_rows((user, DAY0 + at, name, amount) for user, at, name, amount in rows)


def test_each_hopping_row_is_the_features_of_the_users_trailing_window() -> None:
    log, window = _hops_log(), 3 * HOUR
    hops = hopping_windows(log, window, HOUR)
    assert len(hops) > 0
    for row, (user, start) in enumerate(
        zip(hops.users.tolist(), hops.starts.tolist(), strict=True)
    ):
        in_window = (log.user == user) & (log.time >= start) & (log.time < start + window)
        expected = behaviour_features(log.select(in_window))
        assert np.allclose(hops.table.values[row], expected.values[0]), (user, start)


def test_a_user_has_one_hopping_row_per_hop_holding_their_events() -> None:
    log = _hops_log()
    hops = hopping_windows(log, 3 * HOUR, HOUR)
    ends = sorted(zip(hops.users.tolist(), (hops.starts + 3 * HOUR).tolist(), strict=True))
    active = {
        (u, (t // HOUR + 1) * HOUR)
        for u, t in zip(log.user.tolist(), log.time.tolist(), strict=True)
    }
    assert ends == sorted(active)  # no duplicates, none missing, none for an idle hop
    assert ("a", DAY0 + 3 * HOUR) not in ends  # a holds events of hours 0-1, but hour 2 is idle


def test_hopping_by_the_whole_window_is_the_tumbling_windows() -> None:
    log = _hops_log()
    hops, tumbling = hopping_windows(log, 2 * HOUR, 2 * HOUR), window_features(log, 2 * HOUR)
    assert hops.table.users.tolist() == tumbling.table.users.tolist()
    assert np.array_equal(hops.starts, tumbling.starts)
    assert np.array_equal(hops.table.values, tumbling.table.values)


def test_a_hop_that_does_not_divide_the_window_is_refused() -> None:
    with pytest.raises(ValueError, match="does not divide the model's 7200 s window"):
        hopping_windows(_hops_log(), 2 * HOUR, 0.75 * HOUR)


def test_the_artefact_round_trips_through_skops_and_a_foreign_one_is_refused() -> None:
    windows = window_features(_humans(3), HOUR)
    model = fit_behaviour(windows.table, HOUR, trees=20)
    blob, sha = dump(model.to_artefact())
    back = BehaviourModel.from_artefact(load(blob, sha))
    assert back.threshold == model.threshold
    assert np.array_equal(back.score(windows.table), model.score(windows.table))
    with pytest.raises(ArtefactRefusedError, match="changed after registration"):
        load(blob[:-1] + b"x", sha)
    with pytest.raises(ValueError, match="not a behaviour model"):
        BehaviourModel.from_artefact({"kind": "anomaly"})
    broken = {**model.to_artefact(), "window_s": float("nan")}
    with pytest.raises(ValueError, match="not usable"):
        BehaviourModel.from_artefact(broken)


def test_injected_copies_are_the_same_for_every_model_and_ours_beats_the_rate_alone() -> None:
    train, held = _humans(6), _humans(2, seed=2)
    windows = window_features(train, HOUR)
    model = fit_behaviour(windows.table, HOUR, trees=50)
    baseline = fit_rate_baseline(windows.table)
    first, again = inject(held, HOUR), inject(held, HOUR)
    assert np.array_equal(first.table.values, again.table.values)
    assert set(first.kinds.tolist()) == {"", "click_burst", "purchase_burst", "scripted_session"}
    ours = judge(model.score, model.threshold, first)
    rate = judge(baseline.score, baseline.threshold, first)
    assert ours.recall_by_kind["click_burst"] == 1.0
    assert ours.overall.f1 > rate.overall.f1
    assert ours.untouched_flag_rate < 0.05
