"""``eventtide ml detect`` over real Kafka and PostgreSQL: train ``anomaly`` on stored
history, publish the processor's window results with an injected drop (provisional
results, finals and replayed finals from two processor partitions), kill -9 the
detector mid-stream, restart it, and every incident is stored once, exactly as the
pure detector says over the whole stream; the drop is among them."""

from __future__ import annotations

import os
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import orjson
import pytest
from confluent_kafka import Producer
from service_processes import spawn
from sqlalchemy import insert, select
from storage_helpers import create_topic, end_offsets
from typer.testing import CliRunner

from eventtide.core.cli import build_app
from eventtide.core.db import make_engine
from eventtide.core.db.models import UserEvent
from eventtide.core.db.processor_tables import AlertRow
from eventtide.ml.anomaly_training import ANOMALY_MODEL, load_anomaly_model
from eventtide.ml.detector_state import DetectorConfigLive, DetectorState, accept, close_windows
from eventtide.ml.registry import production
from eventtide.ml.window_series import FIELDS, bucket_events

pytestmark = pytest.mark.integration

START = datetime(2025, 3, 3, tzinfo=UTC)  # a Monday
DAYS, LIVE_DAYS = 10, 2
CUTOFF = START + timedelta(days=7)
HOUR = 3_600
DROP_FROM = (DAYS + 1) * 24 + 18  # day 11, 18:00 to 21:00: a busy evening at a tenth
DROP = range(DROP_FROM, DROP_FROM + 3)
FUNNEL = (("page_view", 1.0), ("add_to_cart", 0.35), ("checkout_started", 0.5), ("purchase", 0.6))


def _events(first_hour: int, hours: int, seed: int) -> list[tuple[float, str, str, float]]:
    """A shop's funnel per hour with a daily rhythm (time s, type, user, cents)."""
    rng = np.random.default_rng(seed)
    out: list[tuple[float, str, str, float]] = []
    for hour in range(first_hour, first_hour + hours):
        at = START.timestamp() + hour * HOUR
        count = rng.poisson(40 * (1 + 0.7 * np.cos(2 * np.pi * ((hour % 24) - 20) / 24)))
        if hour in DROP:
            count //= 10
        for name, share in FUNNEL:
            count = count if name == "page_view" else rng.binomial(count, share)
            for _ in range(count):
                out.append((at + rng.uniform(0, HOUR), name, f"u{rng.integers(300)}", 2_500.0))
    return out


def _store(url: str, events: list[tuple[float, str, str, float]]) -> None:
    rows = [
        {"event_id": uuid.uuid4(), "user_id": user, "session_id": "s", "event_type": name,
         "occurred_at": datetime.fromtimestamp(at, UTC),
         "received_at": datetime.fromtimestamp(at, UTC), "schema_version": 2,
         "amount_cents": int(cents) if name == "purchase" else None, "currency": "EUR",
         "context": {}, "properties": {}}
        for at, name, user, cents in events
    ]  # fmt: skip
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(insert(UserEvent), rows)
    engine.dispose()


def _window_records(events: list[tuple[float, str, str, float]]) -> list[dict[str, Any]]:
    """windows.v1 as two processor partitions send it: provisional (wrong) results, the
    final ones, every third final again (a replay), and a 5-minute window to ignore."""
    out: list[dict[str, Any]] = []
    for at, dimension, value, *metrics in bucket_events(events, HOUR):
        for partition in (0, 1):
            share = [m // 2 if partition == 0 else m - m // 2 for m in metrics]
            base = {"partition": partition, "window": "tumbling_1h",
                    "window_start": int(at) * 1_000_000, "window_end": int(at + HOUR) * 1_000_000,
                    "dimension": dimension, "value": value}  # fmt: skip
            fields = dict(zip(FIELDS, share, strict=True))
            out.append(base | {f: v * 2 + 3 for f, v in fields.items()} | {"final": False})
            out.append(base | fields | {"final": True})
            if len(out) % 3 == 0:
                out.append(base | fields | {"final": True})
            out.append(base | {"window": "tumbling_5m"} | fields | {"final": True})
    return out


def _train(url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("DATABASE_URL", url)
    result = CliRunner().invoke(
        build_app(),
        ["ml", "train", "anomaly", "--cutoff", CUTOFF.strftime("%Y-%m-%d"),
         "--window", "tumbling_1h", "--held-out-days", "3"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    return result.stdout


def test_train_anomaly_then_detect_a_drop_once_across_a_kill9(
    kafka_bootstrap: str, fresh_database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    url = fresh_database_url
    _store(url, _events(0, DAYS * 24, seed=5))
    first = _train(url, monkeypatch)
    assert "anomaly v1:" in first, first
    assert "\npromoted:" in first, first
    assert "not promoted: not better than production" in _train(url, monkeypatch)

    records = _window_records(_events(DAYS * 24, LIVE_DAYS * 24, seed=6))
    windows = create_topic(kafka_bootstrap, "test.windows", 2)
    alerts = create_topic(kafka_bootstrap, "test.alerts", 1)
    producer = Producer({"bootstrap.servers": kafka_bootstrap})
    for record in records:
        key = f"{record['window']}|{record['window_start']}|{record['dimension']}|{record['value']}"
        producer.produce(windows, orjson.dumps(record), key.encode())
    producer.produce(windows, b"not json", b"x")
    assert producer.flush(30) == 0

    marks, log = tmp_path / "marks", tmp_path / "detector.log"
    env = {
        **os.environ,
        "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap,
        "DATABASE_URL": url,
        "EVENTTIDE_ML_DETECT_WINDOWS_TOPIC": windows,
        "EVENTTIDE_ML_DETECT_ALERTS_TOPIC": alerts,
        "EVENTTIDE_ML_DETECT_GROUP_ID": f"d-{uuid.uuid4().hex[:8]}",
        "EVENTTIDE_ML_DETECT_BATCH_MAX_EVENTS": "150",
        "EVENTTIDE_ML_DETECT_SESSION_TIMEOUT_MS": "6000",
        "EVENTTIDE_FAULT_MARK_FILE": str(marks),
    }
    killed = spawn(
        ["ml", "detect", "--json"], {**env, "EVENTTIDE_FAULT_KILL_AT": "db-committed:4"}, log
    )
    assert killed.wait(120) == -9, log.read_text()[-3000:]
    assert marks.read_text().split() == ["db-committed"]
    final = spawn(["ml", "detect", "--json", "--idle-exit", "4"], env, log)
    assert final.wait(120) == 0, log.read_text()[-3000:]

    engine = make_engine(url)
    with engine.connect() as conn:
        stored = conn.execute(
            select(AlertRow.alert_id, AlertRow.severity, AlertRow.at, AlertRow.evidence).where(
                AlertRow.rule == "metric_anomaly"
            )
        ).all()
        served = production(conn, ANOMALY_MODEL)
    engine.dispose()
    assert served is not None
    oracle = DetectorState()
    model = load_anomaly_model(served)
    accept(oracle, records, model)
    expected = close_windows(oracle, model, DetectorConfigLive(), served.version)
    assert sorted((r[0], r[1], r[2], r[3]["end"], r[3]["windows"]) for r in stored) == sorted(
        (e["alert_id"], e["severity"], e["at"], e["evidence"]["end"], e["evidence"]["windows"])
        for e in expected
    )
    drop_start = (START.timestamp() + DROP_FROM * HOUR) * 1_000_000
    found = [r for r in stored if r[3]["direction"] == "down"
             and r[3]["series"] in ("events", "events.page_view", "users")
             and drop_start <= r[2] <= drop_start + 2 * HOUR * 1_000_000]  # fmt: skip
    assert found, stored
    summary = [orjson.loads(x) for x in log.read_text().splitlines() if x.startswith("{")][-1]
    assert summary["detector"]["invalid"] <= 1
    assert sum(end_offsets(kafka_bootstrap, alerts, 1).values()) >= len(stored) > 0
