"""A file in another format than ``--format`` says stops the import before anything is
sent, naming the format that reads it."""

from __future__ import annotations

import uuid
from pathlib import Path

import orjson
import pytest
from typer.testing import CliRunner

from eventtide.core.cli import build_app
from eventtide.core.events.contracts.format_check import mismatch

pytestmark = pytest.mark.unit

UNREACHABLE = {
    "KAFKA_BOOTSTRAP_SERVERS": "127.0.0.1:9",
    "EVENTTIDE_PRODUCER_CONNECT_TIMEOUT_S": "1",
}
"""Nothing listens there: reaching Kafka would fail otherwise (exit 1, "cannot produce")."""


def _amplitude(count: int) -> list[bytes]:
    return [orjson.dumps({"event_type": "Song Played", "user_id": f"u-{n}",
                          "event_time": "2024-03-01 10:00:00", "$insert_id": f"i-{n}"})
            for n in range(count)]  # fmt: skip


def _native(count: int) -> list[bytes]:
    return [orjson.dumps({
        "event_id": str(uuid.uuid4()), "event_type": "page_view", "user_id": f"u-{n}",
        "session_id": "s", "occurred_at": "2024-03-01T10:00:00Z",
        "received_at": "2024-03-01T10:00:01Z",
        "context": {"platform": "web", "device": "desktop", "country": "DE", "page": "/"},
        "properties": {}}) for n in range(count)]  # fmt: skip


def test_lines_of_another_format_name_it() -> None:
    said = mismatch(_amplitude(3), "segment", "x.jsonl")
    assert said is not None
    assert "none of the first 3 lines of x.jsonl reads as --format segment" in said
    assert "3 of them read as --format amplitude" in said
    native = mismatch(_native(150), "posthog", "y.jsonl")
    assert native is not None
    assert "first 100 lines" in native, "judged on the first lines alone"
    assert "eventtide events (no --format)" in native


def test_lines_of_the_format_given_or_of_none_pass() -> None:
    assert mismatch(_amplitude(3), "amplitude", "x") is None
    assert mismatch([b"{}", b"not json", b"\n"], "segment", "x") is None, "each line says why"
    assert mismatch([], "segment", "x") is None
    one_good = [b"not json", *_amplitude(1)]
    assert mismatch(one_good, "amplitude", "x") is None, "one line read is enough"


def test_the_cli_stops_before_kafka_with_the_format_to_use(tmp_path: Path) -> None:
    export = tmp_path / "export.jsonl"
    export.write_bytes(b"\n".join(_amplitude(5)))
    result = CliRunner().invoke(
        build_app(), ["produce", "--from-file", str(export)], env=UNREACHABLE
    )
    assert result.exit_code == 2, result.output
    assert "nothing sent" in result.output
    assert "--format amplitude" in result.output
    assert "cannot produce" not in result.output


def test_every_format_has_a_signature() -> None:
    from eventtide.core.events.contracts import EXPORT_READERS
    from eventtide.core.events.contracts.format_check import SIGNATURES

    assert set(SIGNATURES) == {"eventtide", *EXPORT_READERS}
