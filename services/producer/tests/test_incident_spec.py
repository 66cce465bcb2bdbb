"""Incident flags parse strictly; placement is seeded; the plan's rules hold at the edges."""

from __future__ import annotations

import random

import pytest

from eventtide.producer.generator.incident_plan import Incident, IncidentPlan, place_incidents
from eventtide.producer.generator.incidents import DEFAULTS, IncidentSpec, parse_incident

pytestmark = pytest.mark.unit

DAY = 86_400.0


def _rng(seed: int) -> random.Random:
    return random.Random(seed)  # noqa: S311 - a simulation, not secrets


def test_parse_full_and_bare() -> None:
    spec = parse_incident("broken_checkout,start=10d,duration=6h,severity=0.4")
    assert spec == IncidentSpec("broken_checkout", 10 * DAY, 6 * 3600.0, 0.4)
    assert parse_incident("outage, country=de, duration=90m") == IncidentSpec(
        "outage", None, 5400.0, None, None, "DE"
    )
    assert parse_incident("surge") == IncidentSpec("surge")
    assert parse_incident("malformed,start=3600") == IncidentSpec("malformed", 3600.0)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("meteor", "unknown incident"),
        ("outage,platform=ios,country=DE", "not both"),
        ("surge,platform=ios", "not platform"),
        ("malformed,severity=1.5", "severity must be in"),
        ("malformed,severity=0", "severity must be in"),
        ("degradation,duration=0h", "positive"),
        ("degradation,duration=soon", "expected a time"),
        ("broken_checkout,start", "key=value"),
        ("broken_checkout,start=1d,start=2d", "twice"),
    ],
)
def test_parse_rejects_with_a_reason(text: str, says: str) -> None:
    with pytest.raises(ValueError, match=says):
        parse_incident(text)


def test_placement_is_seeded_and_inside_the_run() -> None:
    specs = [IncidentSpec("surge"), IncidentSpec("outage"), IncidentSpec("degradation")]
    pages = ["/product/p-1", "/product/p-2"]

    def place(seed: int) -> list[tuple[float, float, dict[str, str]]]:
        placed = place_incidents(specs, _rng(seed), 1_000.0, 7 * DAY, pages)
        return [(i.start, i.end, i.target) for i in placed]

    assert place(1) == place(1)
    assert place(1) != place(2)
    for start, end, _ in place(3):
        assert 1_000.0 <= start < end <= 1_000.0 + 7 * DAY
    (_, _, surge), (_, _, outage), (start, end, _) = place(4)
    assert surge["page"] in pages
    assert outage["platform"] in {"web", "ios", "android"}
    assert end - start == DEFAULTS["degradation"].duration_s


def test_degradation_sinks_linearly_and_recovers() -> None:
    incident = Incident("i-001", "degradation", 0.0, 100.0, 0.6)
    plan = IncidentPlan([incident], _rng(0))
    assert plan.cart_factor(-1.0) == 1.0
    assert plan.cart_factor(0.0) == pytest.approx(1.0)
    assert plan.cart_factor(50.0) == pytest.approx(0.7)
    assert plan.cart_factor(99.999) == pytest.approx(0.4, abs=1e-4)
    assert plan.cart_factor(100.0) == 1.0


def test_broken_checkout_fails_the_configured_share_only_inside() -> None:
    incident = Incident("i-001", "broken_checkout", 0.0, 100.0, 0.3)
    plan = IncidentPlan([incident], _rng(0))
    fails = [plan.checkout_fails(50.0) for _ in range(20_000)]
    assert sum(fails) / len(fails) == pytest.approx(0.3, abs=0.015)
    assert not any(plan.checkout_fails(100.0) for _ in range(1_000))
    retries = [plan.retries() for _ in range(20_000)]
    assert set(retries) == {0, 1, 2}
    assert sum(retries) / len(retries) == pytest.approx(0.75, abs=0.03)  # 0.5 + 0.25
    assert incident.effects["failed_checkouts"] == sum(fails)


def test_outage_loses_only_its_target() -> None:
    incident = Incident("i-001", "outage", 0.0, 100.0, 1.0, {"country": "DE"})
    plan = IncidentPlan([incident], _rng(0))
    german = {"context": {"country": "DE", "platform": "web"}, "user_id": "u-1"}
    french = {"context": {"country": "FR", "platform": "web"}, "user_id": "u-2"}
    assert plan.on_event(10.0, german) is None
    assert plan.on_event(10.0, french) is french
    assert plan.on_event(100.0, german) is german
    assert incident.effects["lost_events"] == 1
