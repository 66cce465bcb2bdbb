"""bench/ml/dead_letters.py: every unreadable record reaches a final window, and the run's
verdict follows the alerts (a malformed incident found; none without one)."""

from __future__ import annotations

import pytest

from bench.ml.dead_letters import DAYS, START, run, window_rows
from eventtide.producer.generator import GeneratorConfig, IncidentSpec, Simulation

pytestmark = pytest.mark.unit


def test_every_unreadable_record_is_counted_in_a_final_window() -> None:
    incident = IncidentSpec("malformed", start_s=2 * 86_400.0, duration_s=3_600.0, severity=0.3)
    config = GeneratorConfig(users=60, seed=3, start=START, days=3.0, incidents=(incident,))
    rows, records, malformed, unreadable = window_rows(Simulation(config), "tumbling_1h")
    dead = sum(count for _, dimension, _, count, *_ in rows if dimension == "dead_letter")
    events = sum(count for _, dimension, _, count, *_ in rows if dimension == "all")
    assert 0 < unreadable == malformed
    assert (dead, events + dead) == (unreadable, records)


def test_a_malformed_incident_is_found_and_a_clean_history_raises_nothing() -> None:
    found = run(150, 7, 0.3, "tumbling_1h")
    assert (found["detected"], found["false_alerts"]) == (1, 0), found
    assert found["delay_windows"] <= 2
    clean = run(150, 7, 0.0, "tumbling_1h")
    assert (clean["unreadable"], clean["alerts"], clean["detected"]) == (0, 0, None)
    assert DAYS == 21
