"""Each incident moves its window's statistics as docs/producer.md says, and only there.

One seeded run carries every incident in its own window; the baseline is the run with
the same seed and no incident, read over the same hours.
"""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import UTC, datetime
from functools import cache
from typing import Any

import pytest

from eventtide.core.events import Rejection
from eventtide.core.kafka import decode
from eventtide.producer.generator import GeneratorConfig, Simulation
from eventtide.producer.generator.incidents import parse_incident
from eventtide.producer.generator.malformed import DEFECTS, Malformed
from eventtide.producer.generator.window_stats import WindowStats, window_stats
from eventtide.producer.sources import Corrupt, simulated

# statistics of long simulations: their code is covered by the quicker tests, and
# coverage's tracer would add about half to their time (docs/testing.md)
pytestmark = [pytest.mark.unit, pytest.mark.no_cover]

START = datetime(2025, 1, 6, tzinfo=UTC)
T0 = START.timestamp()
H = 3_600.0
INCIDENTS = (
    "broken_checkout,start=1d,duration=2d,severity=0.5",  # hours 24-72
    "outage,start=84h,duration=12h,platform=ios",  # 84-96
    "surge,start=4d,duration=1d,severity=2",  # 96-120
    "degradation,start=5d,duration=3d,severity=0.6",  # 120-192
    "malformed,start=8d,duration=1d,severity=0.2",  # 192-216
)
WINDOWS = {
    "broken": (T0 + 24 * H, T0 + 72 * H),
    "outage": (T0 + 84 * H, T0 + 96 * H),
    "surge": (T0 + 96 * H, T0 + 120 * H),
    "degraded_first_day": (T0 + 120 * H, T0 + 144 * H),
    "degraded_last_day": (T0 + 168 * H, T0 + 192 * H),
    "malformed": (T0 + 192 * H, T0 + 216 * H),
    "quiet": (T0, T0 + 24 * H),
}


def _config(incidents: tuple[str, ...]) -> GeneratorConfig:
    specs = tuple(parse_incident(text) for text in incidents)
    return GeneratorConfig(users=3_000, seed=23, start=START, days=10, incidents=specs)


@cache
def _stats(with_incidents: bool) -> dict[str, WindowStats]:
    """The run with incidents is :func:`_run`'s, read again rather than simulated twice."""
    items = _run()[0] if with_incidents else Simulation(_config(())).stream()
    stats = window_stats(items, list(WINDOWS.values()))
    return dict(zip(WINDOWS, stats, strict=True))


@cache
def _run() -> tuple[list[dict[str, Any] | Malformed], Simulation]:
    simulation = Simulation(_config(INCIDENTS))
    return list(simulation.stream()), simulation


def _ratio(window: str, read: Any) -> float:
    return float(read(_stats(True)[window]) / read(_stats(False)[window]))


def test_broken_checkout_fails_its_share_with_traffic_unchanged() -> None:
    paid = _ratio("broken", lambda w: w.share("purchase", "checkout_started"))
    assert paid == pytest.approx(0.5, abs=0.1)
    assert _ratio("broken", lambda w: w.sessions) == pytest.approx(1.0, abs=0.06)
    assert _ratio("broken", lambda w: w.share("checkout_started")) == pytest.approx(1, abs=0.2)
    # retries: more checkout_started events per checkout session than usual
    retried = _ratio(
        "broken", lambda w: w.event_types["checkout_started"] / w.reached["checkout_started"]
    )
    assert retried > 1.1


def test_outage_silences_one_platform_only() -> None:
    assert _stats(True)["outage"].platforms["ios"] == 0
    assert _stats(False)["outage"].platforms["ios"] > 500
    for platform in ("web", "android"):
        assert _ratio("outage", lambda w, p=platform: w.platforms[p]) == pytest.approx(1, abs=0.2)


def test_surge_brings_visitors_who_rarely_buy() -> None:
    assert _ratio("surge", lambda w: w.sessions) == pytest.approx(3.0, abs=0.3)
    assert _ratio("surge", lambda w: w.share("purchase")) < 0.5
    _, simulation = _run()
    (surge,) = [i for i in simulation.ground_truth.incidents.values() if i.kind == "surge"]
    viral = _stats(True)["surge"].pages[surge.target["page"]]
    assert viral >= surge.effects["visitor_sessions"] > 0


def test_degradation_sinks_over_days() -> None:
    first = _ratio("degraded_first_day", lambda w: w.share("add_to_cart"))
    last = _ratio("degraded_last_day", lambda w: w.share("add_to_cart"))
    # mean factor over the first day: 1 - 0.6 * 1/6 = 0.9; over the last: 1 - 0.6 * 5/6 = 0.5
    assert first == pytest.approx(0.9, abs=0.12)
    assert last == pytest.approx(0.5, abs=0.12)
    assert _ratio("degraded_last_day", lambda w: w.sessions) == pytest.approx(1, abs=0.06)


def test_malformed_events_are_the_configured_share_and_all_dead_letters() -> None:
    assert _stats(True)["malformed"].dead_letter_share() == pytest.approx(0.2, abs=0.02)
    items, simulation = _run()
    malformed = [i for i in items if isinstance(i, Malformed)]
    start, end = WINDOWS["malformed"]
    assert all(start <= m.at < end for m in malformed)
    assert {m.defect for m in malformed} == set(DEFECTS)
    assert all(isinstance(decode(m.value), Rejection) for m in malformed)
    (incident,) = [i for i in simulation.ground_truth.incidents.values() if i.kind == "malformed"]
    assert incident.effects["malformed_events"] == len(malformed)


def test_before_the_first_incident_the_statistics_are_the_baseline() -> None:
    """Not the same bytes: sessions are planned ahead, so one inside a window draws
    differently from the start; the same statistics."""
    quiet = _stats(True)["quiet"]
    assert quiet.malformed == 0
    assert _ratio("quiet", lambda w: w.sessions) == pytest.approx(1, abs=0.05)
    assert _ratio("quiet", lambda w: w.events) == pytest.approx(1, abs=0.08)
    assert _ratio("quiet", lambda w: w.share("add_to_cart")) == pytest.approx(1, abs=0.15)


def test_outage_and_malformed_change_nothing_else() -> None:
    """Both act on events as they leave, so every other event is exactly the baseline's."""
    base = list(Simulation(GeneratorConfig(users=500, seed=4, start=START, days=2)).events())
    for incident in ("outage,start=1d,duration=12h", "malformed,start=1d,duration=12h"):
        config = GeneratorConfig(
            users=500, seed=4, start=START, days=2, incidents=(parse_incident(incident),)
        )
        hit = [i for i in Simulation(config).stream() if isinstance(i, dict)]
        ids = {event["event_id"] for event in hit}
        assert hit == [event for event in base if event["event_id"] in ids]
        assert len(hit) < len(base)


def test_events_leave_malformed_out_and_the_producer_sends_them_raw() -> None:
    config = replace(_config(INCIDENTS), users=300)  # the property, not the statistics
    items = list(Simulation(config).stream())
    assert list(Simulation(config).events()) == [i for i in items if isinstance(i, dict)]
    corrupt = [i for i in simulated(Simulation(config)) if isinstance(i, Corrupt)]
    malformed = [i for i in items if isinstance(i, Malformed)]
    assert malformed
    assert [c.message.value for c in corrupt] == [m.value for m in malformed]
    assert all(c.message.key == m.user_id.encode() for c, m in zip(corrupt, malformed, strict=True))


def test_ground_truth_records_every_incident() -> None:
    _, simulation = _run()
    truth = simulation.ground_truth.to_json()
    assert [i["kind"] for i in truth["incidents"]] == [t.split(",")[0] for t in INCIDENTS]
    broken = truth["incidents"][0]
    assert broken["start"] == "2025-01-07T00:00:00+00:00"
    assert broken["end"] == "2025-01-09T00:00:00+00:00"
    assert broken["severity"] == 0.5
    assert broken["effects"]["failed_checkouts"] > 0
    assert truth["incidents"][1]["target"] == {"platform": "ios"}
    assert truth["incidents"][1]["effects"]["lost_events"] > 0


def test_overlapping_incidents_each_take_effect() -> None:
    both = ("broken_checkout,start=1d,duration=2d,severity=0.8", "malformed,start=2d,duration=1d")
    simulation = Simulation(
        GeneratorConfig(
            users=1_000, seed=5, start=START, days=4, incidents=tuple(map(parse_incident, both))
        )
    )
    items = list(simulation.stream())
    broken, malformed = simulation.ground_truth.incidents.values()
    assert broken.effects["failed_checkouts"] > 0
    assert malformed.effects["malformed_events"] == sum(isinstance(i, Malformed) for i in items) > 0


def test_same_seed_same_incidents() -> None:
    config = GeneratorConfig(
        users=300, seed=9, start=START, days=3,
        incidents=(parse_incident("outage"), parse_incident("surge"), parse_incident("malformed")),
    )  # fmt: skip
    first, again = Simulation(config), Simulation(config)
    assert list(first.stream()) == list(again.stream())
    assert first.ground_truth.to_json() == again.ground_truth.to_json()


def test_live_runs_record_when_the_wall_clock_reached_an_incident() -> None:
    """Live events carry the wall clock, so the truth says when the stream got there.

    The incident lasts a day of simulated time: the first 20 events of 200 users can
    span more than half an hour at a quiet time of day (1 start time in 12 over a week,
    so a 30-minute incident made the test fail by the hour it ran at)."""
    before = datetime.now(UTC)
    config = GeneratorConfig(
        users=200, seed=2, start=before, live=True,
        incidents=(parse_incident("malformed,start=0s,duration=1d,severity=1"),),
    )  # fmt: skip
    simulation = Simulation(config)
    items = list(itertools.islice(simulation.stream(), 20))
    assert all(isinstance(i, Malformed) for i in items)
    (incident,) = simulation.ground_truth.to_json()["incidents"]
    observed = datetime.fromisoformat(incident["observed_start"])
    assert before <= observed <= datetime.now(UTC)
    assert "observed_end" not in incident
