"""The dead letters' share: tracked from the processor's windows, alarming on a burst.

A healthy stream has no dead letters, so training usually sees none; the series is
still tracked when the windows come from the processor (its ``dead_letter`` count), and
a window is judged only once the span holds ``min_volume`` of them: one bad record is
no incident, a broken client release is. Plain synthetic five-minute windows.
"""

from __future__ import annotations

import numpy as np
import pytest
from synthetic import MONDAY, STEP, counts
from test_detector_state import US, records, run_live

from eventtide.ml.anomaly import DetectorConfig, alerts_from
from eventtide.ml.anomaly_eval import evaluate, place_injections
from eventtide.ml.anomaly_model import AnomalyModel, fit_model
from eventtide.ml.history import DAY_S
from eventtide.ml.window_series import WindowTable, column, default_specs

pytestmark = pytest.mark.unit

CUT = MONDAY + 14 * DAY_S
EVENTS = column("all", "*", "count")
DEAD = column("dead_letter", "*", "count")
SERIES = "dead_letter_share"
BURST = slice(300, 302)  # the second judged day


def stream(seed: int = 3, trickle: float = 0.0, mean: float = 40.0) -> WindowTable:
    """Events (``mean`` a window), and dead letters at ``trickle`` per event (none at 0)."""
    times, events = counts(21, mean, seed)
    dead = np.random.default_rng(seed).poisson(trickle * events).astype(float)
    return WindowTable(STEP, times, {EVENTS: events, DEAD: dead})


def model_of(table: WindowTable) -> tuple[AnomalyModel, WindowTable]:
    train, held = table.between(-np.inf, CUT), table.between(CUT, np.inf)
    config = DetectorConfig()
    specs = default_specs(train, config.min_volume, config.longest_span, dead_letters=True)
    return fit_model("tumbling_5m", train, specs, config), held


def judged(model: AnomalyModel, table: WindowTable) -> list[tuple[float, str]]:
    fitted = next(s for s in model.series if s.spec.name == SERIES)
    scored = fitted.score(table.times, *table.series(fitted.spec), model.config)
    return [(a.start, a.direction) for a in alerts_from(SERIES, scored, STEP, model.config)]


def with_dead(held: WindowTable, where: slice, dead: float) -> WindowTable:
    columns = {k: v.copy() for k, v in held.columns.items()}
    columns[DEAD][where] += dead
    return WindowTable(held.window_s, held.times, columns)


def test_tracked_from_the_processor_windows_even_when_training_saw_none() -> None:
    table = stream()
    bare = WindowTable(STEP, table.times, {EVENTS: table.get(EVENTS)})
    spec = next(s for s in default_specs(bare, 5.0, 24, dead_letters=True) if s.name == SERIES)
    assert (spec.kind, spec.numerator, spec.denominator, spec.rises) == ("rate", DEAD, EVENTS, True)
    # stored events alone (no processor) count no dead letters: nothing to track
    assert SERIES not in [s.name for s in default_specs(bare, 5.0, 24)]
    # a table that has them is tracked whatever its source
    assert SERIES in [s.name for s in default_specs(table, 5.0, 24)]


def test_a_burst_alarms_and_a_handful_does_not() -> None:
    model, held = model_of(stream())
    start = held.times[BURST.start]
    burst = judged(model, with_dead(held, BURST, 6.0))  # 6 of about 40 events, twice
    assert [d for at, d in burst if start <= at < start + 4 * STEP] == ["up"]
    assert judged(model, held) == []
    assert judged(model, with_dead(held, slice(300, 301), 4.0)) == []  # under min_volume


def test_a_steady_trickle_is_learnt_and_raises_nothing() -> None:
    false_alerts = sum(len(judged(*model_of(stream(seed, trickle=0.01)))) for seed in range(6))
    assert false_alerts <= 1


def test_injected_bursts_are_placed_on_the_share_and_found() -> None:
    """5% of the events: placed where that reaches the minimum volume (200 a window)."""
    model, held = model_of(stream(mean=200.0))
    placed = [p for p in place_injections(model, held) if p.series == SERIES]
    assert {p.injection.kind for p in placed} == {"share_burst"}  # none to triple
    scores = evaluate(model, held, placed)
    assert scores.by_kind["share_burst"].recall == 1.0
    assert scores.by_kind["share_burst"].precision == 1.0


def test_the_live_detector_reads_the_dead_letter_windows_as_the_batch_does() -> None:
    model, held = model_of(stream())
    days = with_dead(held.between(-np.inf, held.times[0] + 2 * DAY_S), BURST, 6.0)
    _, latest, _ = run_live(model, records(days), batch=300, restart_every=2)
    live = {(r["evidence"]["start"] / US, r["evidence"]["direction"])
            for r in latest.values() if r["evidence"]["series"] == SERIES}  # fmt: skip
    assert live == set(judged(model, days))
    assert len(live) == 1
