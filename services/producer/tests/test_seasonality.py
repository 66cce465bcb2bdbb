"""The weekly pattern over the diurnal curve, and the stream without it kept byte for byte."""

from __future__ import annotations

import hashlib
from collections import Counter
from datetime import UTC, datetime

import orjson
import pytest

from eventtide.core.events import CURRENT_SCHEMA_VERSION
from eventtide.producer.generator import GeneratorConfig, Simulation
from eventtide.producer.generator.weekly import WEEKDAY_FACTORS, weekly_weight

pytestmark = pytest.mark.unit

START = datetime(2025, 1, 6, tzinfo=UTC)  # a Monday

PREVIOUS_STREAM_SHA256 = "28b8245d8d2d71272010a31103920f663c05559176171c0b893c35d03bab69ad"
"""The events of users=400, seed=23, 4 days from START, as the generator wrote them
before incidents and the weekly pattern existed (commit ab8073c), without their
``schema_version`` (since bumped to 2 for custom events; nothing else changed)."""


def test_without_the_weekly_pattern_the_stream_is_the_previous_one() -> None:
    config = GeneratorConfig(users=400, seed=23, start=START, days=4, weekly=False)
    digest = hashlib.sha256()
    for event in Simulation(config).events():
        assert event.pop("schema_version") == CURRENT_SCHEMA_VERSION
        digest.update(orjson.dumps(event, option=orjson.OPT_UTC_Z) + b"\n")
    assert digest.hexdigest() == PREVIOUS_STREAM_SHA256


def test_weekly_factors_average_one_and_follow_the_calendar() -> None:
    assert sum(WEEKDAY_FACTORS) / 7 == pytest.approx(1.0)
    monday, sunday = START.timestamp(), START.timestamp() + 6 * 86_400 + 3_600
    assert weekly_weight(monday) == WEEKDAY_FACTORS[0]
    assert weekly_weight(sunday) == WEEKDAY_FACTORS[6]


def _sessions_by_weekday(weekly: bool) -> Counter[int]:
    config = GeneratorConfig(users=2_000, seed=5, start=START, days=14, weekly=weekly)
    simulation = Simulation(config)
    humans = {u.user_id for u in simulation.users if not (u.persona.is_bot or u.persona.churns)}
    starts: dict[str, int] = {}
    for event in simulation.events():
        if event["user_id"] in humans:
            starts.setdefault(event["session_id"], event["occurred_at"].weekday())
    return Counter(starts.values())


@pytest.mark.no_cover  # a long evaluation; its code is covered by quicker tests
def test_weekends_are_busier_and_the_week_keeps_its_mean() -> None:
    flat, weekly = _sessions_by_weekday(False), _sessions_by_weekday(True)
    weekday = sum(weekly[d] for d in range(5)) / 5
    weekend = (weekly[5] + weekly[6]) / 2
    expected = (1.2 + 1.25) / 2 / (sum(WEEKDAY_FACTORS[:5]) / 5)  # 1.34
    assert weekend / weekday == pytest.approx(expected, rel=0.06)
    flat_weekend = (flat[5] + flat[6]) / 2 / (sum(flat[d] for d in range(5)) / 5)
    assert flat_weekend == pytest.approx(1.0, abs=0.06)
    assert sum(weekly.values()) == pytest.approx(sum(flat.values()), rel=0.03)
