"""``eventtide ml score`` over real Kafka and PostgreSQL: train on generated history,
register, promote, score a features stream, kill -9 mid-stream, and every record is
stored exactly once; a candidate no better than production stays a candidate; a
tampered production artefact stops the scorer with a clear error."""

from __future__ import annotations

import os
import subprocess
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
import pytest
from api_helpers import api_client, core_for, new_key
from confluent_kafka import Producer
from service_processes import spawn
from sqlalchemy import func, insert, select, update
from storage_helpers import create_topic, end_offsets, topic_values
from typer.testing import CliRunner

from eventtide.core.cli import build_app
from eventtide.core.db import make_engine
from eventtide.core.db.models import Model, UserEvent
from eventtide.core.db.outbox import OutboxRow
from eventtide.core.db.predictions import Prediction
from eventtide.core.db.processor_tables import AlertRow
from eventtide.ml.history import DAY_S, EventLog
from eventtide.ml.online_features import ONLINE_FEATURES, online_rows
from eventtide.producer.generator import GeneratorConfig, Simulation

pytestmark = pytest.mark.integration

START = datetime(2025, 1, 6, tzinfo=UTC)
DAYS, HORIZON = 35, 7
CUTOFF = START + timedelta(days=DAYS - HORIZON)
PARTITIONS = 3
START_US = int(START.timestamp()) * 1_000_000


def _history() -> list[dict[str, object]]:
    simulation = Simulation(GeneratorConfig(users=60, seed=4, start=START, days=DAYS))
    return list(simulation.events())


def _store(url: str, events: list[dict[str, object]]) -> None:
    rows = [
        {
            "event_id": uuid.UUID(str(e["event_id"])),
            "user_id": e["user_id"],
            "session_id": e["session_id"],
            "event_type": e["event_type"],
            "occurred_at": e["occurred_at"],
            "received_at": e["received_at"],
            "schema_version": 2,
            "amount_cents": round(float(e["properties"]["amount"]) * 100)  # type: ignore[index]
            if e["event_type"] == "purchase"
            else None,
            "currency": None,
            "context": {},
            "properties": {},
        }
        for e in events
    ]
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(insert(UserEvent), rows)
    engine.dispose()


def _records(events: list[dict[str, object]]) -> list[dict[str, object]]:
    """``features.v1`` records of the history's sessions, as the processor sends them."""
    log = EventLog.from_rows(
        (str(e["user_id"]), e["occurred_at"].timestamp(), str(e["event_type"]), 0.0)  # type: ignore[attr-defined]
        for e in events
    )
    rows = online_rows(log, HORIZON, START.timestamp() + DAYS * DAY_S)
    records = []
    for i in range(rows.users.size):
        record: dict[str, object] = {
            name: None if name == "recency_s" and rows.values[i, j] != rows.values[i, j]
            else float(rows.values[i, j])
            for j, name in enumerate(ONLINE_FEATURES)
        }  # fmt: skip
        record |= {"feature_id": str(uuid.uuid4()), "user_id": str(rows.users[i]),
                   "as_of": int(rows.as_of[i] * 1_000_000)}  # fmt: skip
        records.append(record)
    return records


def _train(url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("DATABASE_URL", url)
    result = CliRunner().invoke(
        build_app(),
        ["ml", "train", "churn-online", "--cutoff", CUTOFF.strftime("%Y-%m-%d"),
         "--horizon-days", str(HORIZON)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    return result.stdout


def _scorer(env: dict[str, str], log: Path, idle_exit: float = 0.0) -> subprocess.Popen[bytes]:
    return spawn(["ml", "score", "--json", "--idle-exit", str(idle_exit)], env, log)


def test_train_promote_score_kill9_exactly_once_and_refuse_tampering(
    kafka_bootstrap: str, fresh_database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    url = fresh_database_url
    events = _history()
    _store(url, events)
    first = _train(url, monkeypatch)
    engine = make_engine(url)
    with engine.begin() as conn:
        if conn.scalar(select(Model.stage).where(Model.version == 1)) != "production":
            conn.execute(update(Model).where(Model.version == 1).values(stage="production"))
    second = _train(url, monkeypatch)  # same data, same seed: not better than production
    assert "churn_online v1" in first
    assert "churn_online v2" in second
    assert "; not promoted" in second

    features = create_topic(kafka_bootstrap, "test.features", PARTITIONS)
    predictions = create_topic(kafka_bootstrap, "test.predictions", 1)
    records = _records(events)
    producer = Producer({"bootstrap.servers": kafka_bootstrap})
    for record in records:
        producer.produce(features, orjson.dumps(record), str(record["user_id"]).encode())
    producer.produce(features, b"not json", b"x")
    assert producer.flush(30) == 0
    marks, log = tmp_path / "marks", tmp_path / "scorer.log"
    env = {
        **os.environ,
        "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap,
        "DATABASE_URL": url,
        "EVENTTIDE_ML_FEATURES_TOPIC": features,
        "EVENTTIDE_ML_PREDICTIONS_TOPIC": predictions,
        "EVENTTIDE_ML_GROUP_ID": f"g-{uuid.uuid4().hex[:8]}",
        "EVENTTIDE_ML_BATCH_MAX_EVENTS": "200",
        "EVENTTIDE_ML_SESSION_TIMEOUT_MS": "6000",
        "EVENTTIDE_FAULT_MARK_FILE": str(marks),
    }
    kills = ("db-committed:3",)
    for kill in kills:
        proc = _scorer({**env, "EVENTTIDE_FAULT_KILL_AT": kill}, log)
        assert proc.wait(120) == -9, log.read_text()[-3000:]
    assert marks.read_text().split() == ["db-committed"]
    final = _scorer(env, log, idle_exit=4)
    assert final.wait(180) == 0, log.read_text()[-3000:]
    with engine.connect() as conn:
        stored = conn.execute(select(Prediction.source_id, Prediction.model_version)).all()
        distinct = conn.scalar(select(func.count(func.distinct(Prediction.source_id))))
    assert len(stored) == distinct == len(records)
    assert {s for s, _ in stored} == {str(r["feature_id"]) for r in records}
    assert {v for _, v in stored} == {1}
    summary = [orjson.loads(x) for x in log.read_text().splitlines() if x.startswith("{")][-1]
    assert summary["scorer"]["invalid"] <= 1  # the bad record, unless an earlier run took it
    assert end_offsets(kafka_bootstrap, predictions, 1)[0] >= summary["scorer"]["stored"] > 0
    # The kill came after a commit and before its records were sent: the outbox sent
    # them again, so the topic holds every stored prediction (repeats allowed).
    sent = [orjson.loads(v) for v in topic_values(kafka_bootstrap, predictions, 1)]
    assert {str(p["source_id"]) for p in sent} == {s for s, _ in stored}
    assert summary["outbox"]["resent_rows"] >= 1
    with engine.connect() as conn:  # acknowledged rows are deleted, at the latest at exit
        assert conn.scalar(select(func.count()).select_from(OutboxRow)) == 0

    _check_api(kafka_bootstrap, url)

    with engine.begin() as conn:
        conn.execute(update(Model).where(Model.version == 1).values(artefact=b"tampered"))
    engine.dispose()
    refused = _scorer(env, log)
    assert refused.wait(60) == 1
    assert "changed after registration" in log.read_text().splitlines()[-1]


def _check_api(bootstrap: str, url: str) -> None:
    """The prediction endpoints answer what a plain reading of the tables says."""
    engine = make_engine(url)
    with engine.begin() as conn:
        rows = conn.execute(select(Prediction.user_id, Prediction.as_of, Prediction.score)).all()
        conn.execute(
            insert(AlertRow),
            [{"alert_id": str(uuid.uuid4()), "rule": "metric_anomaly", "user_id": "*",
              "severity": "high", "at": at, "evidence": {"series": "purchase"}}
             for at in (START_US + 10, START_US + DAYS * 86_400_000_000)],
        )  # fmt: skip
    engine.dispose()
    newest: dict[str, tuple[int, float]] = {}
    for user, as_of, score in rows:
        if user not in newest or as_of > newest[user][0]:
            newest[user] = (as_of, score)
    ranked = sorted(newest.items(), key=lambda kv: (-kv[1][1], kv[0]))[:5]
    key = {"x-api-key": new_key(url, "read", rate=10_000)}
    core = core_for(bootstrap, "unused.events", "unused.dlq")
    with api_client(core, url) as client:
        top = client.get("/v1/predictions/churn", params={"limit": 5}, headers=key)
        assert top.status_code == 200, top.text
        assert [(u["user_id"], u["probability"]) for u in top.json()["users"]] == [
            (user, score) for user, (_, score) in ranked
        ]
        user = ranked[0][0]
        one = client.get(f"/v1/predictions/churn/{user}", headers=key).json()
        assert one["probability"] == newest[user][1]
        assert len(one["top_features"]) == 3
        assert {f["feature"] for f in one["top_features"]} <= set(ONLINE_FEATURES)
        assert client.get("/v1/predictions/churn/nobody", headers=key).status_code == 404
        found = client.get(
            "/v1/anomalies",
            params={"since": START.isoformat(), "until": (START + timedelta(days=1)).isoformat()},
            headers=key,
        ).json()["anomalies"]
        assert [a["evidence"] for a in found] == [{"series": "purchase"}]
        assert client.get("/v1/predictions/churn", headers={}).status_code == 401
