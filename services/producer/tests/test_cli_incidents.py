"""A wrong ``--incident`` stops ``eventtide produce`` before it reaches Kafka."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from eventtide.core.cli import build_app

pytestmark = pytest.mark.unit

# nothing listens there: reaching Kafka would fail differently (exit 1, "cannot produce")
UNREACHABLE = {
    "KAFKA_BOOTSTRAP_SERVERS": "127.0.0.1:9",
    "EVENTTIDE_PRODUCER_CONNECT_TIMEOUT_S": "1",
}


def _produce(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(build_app(), ["produce", *args], env=UNREACHABLE)
    return result.exit_code, result.output


def test_unknown_incident_is_a_usage_error() -> None:
    code, output = _produce("--backfill-days", "1", "--incident", "meteor")
    assert code == 2
    assert "unknown incident" in output
    assert "cannot produce" not in output


def test_incidents_do_not_apply_to_a_replay(tmp_path: Path) -> None:
    events = tmp_path / "events.jsonl"
    events.write_text("")
    code, output = _produce("--from-file", str(events), "--incident", "outage")
    assert code == 2
    assert "replayed file" in output


def test_a_valid_incident_gets_as_far_as_kafka() -> None:
    code, output = _produce(
        "--backfill-days", "1", "--users", "5", "--incident", "surge,duration=1h"
    )
    assert code == 1
    assert "cannot produce" in output
