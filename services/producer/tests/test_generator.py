"""The generator: same seed same stream, and statistics within stated tolerances."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from functools import cache
from typing import Any

import pytest

from eventtide.core.events import Rejection, validate_event, validation_context
from eventtide.producer.generator import GeneratorConfig, Simulation
from eventtide.producer.generator.personas import DEFAULT_PERSONAS
from eventtide.producer.generator.stats import (
    FUNNEL,
    funnel_stats,
    persona_mix,
    session_stats,
)

pytestmark = pytest.mark.unit

START = datetime(2025, 1, 6, tzinfo=UTC)


def _config(seed: int = 7, users: int = 1_500, days: float = 7.0) -> GeneratorConfig:
    return GeneratorConfig(users=users, seed=seed, start=START, days=days)


@cache
def _run() -> tuple[list[dict[str, Any]], Simulation]:
    simulation = Simulation(_config())
    return list(simulation.events()), simulation


def test_same_seed_same_stream() -> None:
    first = list(itertools.islice(Simulation(_config(users=300)).events(), 5_000))
    again = list(itertools.islice(Simulation(_config(users=300)).events(), 5_000))
    other = list(itertools.islice(Simulation(_config(seed=8, users=300)).events(), 5_000))
    assert first == again
    assert first != other


def test_every_event_is_valid_and_in_time_order() -> None:
    events, _ = _run()
    context = validation_context(now=datetime(2030, 1, 1, tzinfo=UTC))
    assert all(not isinstance(validate_event(e, context), Rejection) for e in events)
    times = [e["occurred_at"] for e in events]
    assert times == sorted(times)
    assert times[0] >= START
    assert times[-1] < datetime(2025, 1, 13, tzinfo=UTC)


def test_funnel_conversion_within_tolerance() -> None:
    events, simulation = _run()
    bots = {u for u, p in simulation.ground_truth.personas.items() if p == "bot"}
    funnel = funnel_stats(events, bots)
    # expected from the personas, weighted by their sessions; tolerances are wide
    # enough for 1,500 users and narrow enough to catch a broken funnel
    assert funnel.conversion("page_view") > 0.99
    assert 0.09 <= funnel.conversion("add_to_cart") <= 0.19
    assert 0.40 <= funnel.conversion("checkout_started") <= 0.58
    assert 0.58 <= funnel.conversion("purchase") <= 0.78
    assert 0.025 <= funnel.overall() <= 0.065
    reached = [funnel.reached[step] for step in FUNNEL]
    assert reached == sorted(reached, reverse=True)


def test_sessions_are_separated_by_inactivity() -> None:
    events, simulation = _run()
    stats = session_stats(events, simulation.ground_truth.anomalous_event_ids())
    assert stats.max_gap_within_s <= 10 * 60 + 1
    assert stats.min_gap_between_s >= 30 * 60
    assert stats.sessions_by_inactivity_rule == stats.sessions
    assert 4 <= stats.events_per_session_median <= 16


def test_persona_mix_matches_shares() -> None:
    _, simulation = _run()
    mix = persona_mix(simulation.ground_truth.personas)
    for persona in DEFAULT_PERSONAS:
        assert mix[persona.name] == pytest.approx(persona.share, abs=0.03)


def test_churned_users_stay_silent() -> None:
    events, simulation = _run()
    churned = simulation.ground_truth.churned
    assert len(churned) > 0.15 * len(simulation.users)
    for event in events:
        gone = churned.get(event["user_id"])
        if gone is not None:
            assert event["occurred_at"].timestamp() <= gone + 0.001


def test_anomalies_are_recorded_with_their_events() -> None:
    events, simulation = _run()
    truth = simulation.ground_truth
    kinds = {a.kind for a in truth.anomalies.values()}
    assert kinds == {"bot_click_burst", "fraud_purchase_burst"}
    ids = truth.anomalous_event_ids()
    by_id = {e["event_id"]: e for e in events}
    assert ids <= by_id.keys()
    for anomaly in truth.anomalies.values():
        types = {by_id[i]["event_type"] for i in anomaly.event_ids}
        assert types == ({"click"} if anomaly.kind == "bot_click_burst" else {"purchase"})


def test_diurnal_curve_peaks_in_the_evening() -> None:
    events, simulation = _run()
    personas = simulation.ground_truth.personas
    hours = [e["occurred_at"].hour for e in events if personas[e["user_id"]] != "bot"]
    evening = sum(1 for h in hours if 18 <= h <= 22)
    morning = sum(1 for h in hours if 6 <= h <= 10)
    assert evening > 2 * morning


def test_live_mode_stamps_wall_clock() -> None:
    simulation = Simulation(GeneratorConfig(users=50, seed=1, live=True))
    before = datetime.now(UTC)
    event = next(iter(simulation.events()))
    assert before <= event["occurred_at"] <= datetime.now(UTC)
