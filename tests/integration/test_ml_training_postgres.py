"""``eventtide ml train churn`` against the real PostgreSQL: register, promote, refuse.

The registry's rules are unit-tested on SQLite; this shows the migration, the artefact
bytes (bytea) and the one-production-per-name promotion on the production database.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from sqlalchemy import insert, select, update
from typer.testing import CliRunner

from eventtide.core.cli import build_app
from eventtide.core.db import make_engine
from eventtide.core.db.models import Model, UserEvent

pytestmark = pytest.mark.integration

START = datetime(2025, 1, 1, tzinfo=UTC)


def _store_history(url: str) -> None:
    """Daily and ten-daily customers; half leave between days 75 and 120."""
    rng = np.random.default_rng(5)
    rows = []
    for index in range(160):
        rate = rng.choice([1.0, 0.1])
        stop = rng.uniform(75, 120) if rng.random() < 0.5 else 1e9
        days = rng.exponential(1 / rate, 400).cumsum()
        for day in days[days < min(160.0, stop)]:
            at = START + timedelta(days=float(day))
            rows.append(
                {
                    "event_id": uuid.uuid4(),
                    "user_id": f"c{index:04d}",
                    "session_id": "s",
                    "event_type": "purchase",
                    "occurred_at": at,
                    "received_at": at,
                    "schema_version": 2,
                    "amount_cents": 1999,
                    "currency": "EUR",
                    "context": {},
                    "properties": {},
                }
            )
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(insert(UserEvent), rows)
    engine.dispose()


def _train(url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("DATABASE_URL", url)
    result = CliRunner().invoke(build_app(), ["ml", "train", "churn", "--cutoff", "2025-05-01"])
    assert result.exit_code == 0, result.output
    return result.stdout


def test_train_registers_promotes_once_and_refuses_a_tampered_artefact(
    fresh_database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _store_history(fresh_database_url)
    first = _train(fresh_database_url, monkeypatch)
    engine = make_engine(fresh_database_url)
    with engine.begin() as conn:
        stage = conn.scalar(select(Model.stage).where(Model.version == 1))
        if stage != "production":  # the rule may keep it back; promotion is tested next
            conn.execute(update(Model).where(Model.version == 1).values(stage="production"))
    second = _train(fresh_database_url, monkeypatch)
    assert "churn v1" in first
    assert "churn v2" in second
    assert "; not promoted" in second
    auc = second.split("ROC-AUC ")[1].split(" ")[0]
    assert f"production {auc})" in second  # v1 scored on the same rows as v2: the same
    with engine.connect() as conn:
        rows = conn.execute(
            select(Model.version, Model.stage, Model.sha256).order_by(Model.version)
        )
        stages = [(version, stage) for version, stage, _ in rows]
    assert stages == [(1, "production"), (2, "candidate")]
    with engine.begin() as conn:
        conn.execute(update(Model).where(Model.version == 1).values(artefact=b"tampered"))
    engine.dispose()
    monkeypatch.setenv("DATABASE_URL", fresh_database_url)
    result = CliRunner().invoke(build_app(), ["ml", "train", "churn", "--cutoff", "2025-05-01"])
    assert result.exit_code != 0
    assert "changed after registration" in repr(result.exception)
