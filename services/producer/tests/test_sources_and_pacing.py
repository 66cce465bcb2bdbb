"""File replay reports bad lines and goes on; pacing keeps to the rate."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from pathlib import Path

import orjson
import pytest

from eventtide.core.events import Rejection
from eventtide.core.kafka import WireMessage, decode
from eventtide.producer.generator import GeneratorConfig, Simulation
from eventtide.producer.pacing import pace_delay
from eventtide.producer.sources import Rejected, from_jsonl, simulated

pytestmark = pytest.mark.unit

GOOD = {
    "event_id": "0b5c4a43-6a53-4f5e-8f1a-7c7f6d1d2a10",
    "event_type": "page_view",
    "user_id": "u-1",
    "session_id": "s-1",
    "occurred_at": "2025-06-01T11:59:00Z",
    "received_at": "2025-06-01T11:59:01Z",
    "context": {"platform": "web", "device": "desktop", "country": "DE", "page": "/"},
}


def test_replay_reports_each_bad_line_and_goes_on(tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    lines = [
        orjson.dumps(GOOD),
        b"{broken",
        b"",
        orjson.dumps({**GOOD, "event_type": "teleport", "schema_version": 1}),
        orjson.dumps({**GOOD, "user_id": "u-2"}),
    ]
    path.write_bytes(b"\n".join(lines) + b"\n")
    items = list(from_jsonl(path))
    rejected = [i for i in items if isinstance(i, Rejected)]
    assert len(items) == 4
    assert [r.where for r in rejected] == ["line 2", "line 4"]
    assert rejected[0].rejection.kind == "malformed_json"
    assert rejected[1].rejection.kind == "unknown_event_type"
    assert "line 4" in str(rejected[1])
    assert "event_type" in str(rejected[1])


@pytest.mark.parametrize(
    ("sent", "rate", "elapsed", "expected"),
    [
        (10, None, 0.0, 0.0),
        (10, 0.0, 0.0, 0.0),
        (10, 10.0, 0.5, 0.5),
        (10, 10.0, 1.5, 0.0),
        (1000, 100_000.0, 0.0, 0.01),
        (1, 100_000.0, 0.0, 0.0),
    ],
)
def test_pace_delay(sent: int, rate: float | None, elapsed: float, expected: float) -> None:
    assert pace_delay(sent, rate, elapsed) == pytest.approx(expected)


def test_simulated_events_take_the_canonical_fast_path() -> None:
    """The generator writes wire-ready dicts, so encode_data never falls back to the model."""
    config = GeneratorConfig(users=200, seed=3, start=datetime(2025, 1, 6, tzinfo=UTC), days=2)
    raws = itertools.islice(Simulation(config).events(), 3_000)
    items = itertools.islice(simulated(Simulation(config)), 3_000)
    for raw, item in zip(raws, items, strict=True):
        assert isinstance(item, WireMessage), str(item)
        assert item.value == orjson.dumps(raw, option=orjson.OPT_UTC_Z)
        event = decode(item.value)
        assert not isinstance(event, Rejection)
        assert item.key == event.user_id.encode()
