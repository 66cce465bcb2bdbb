"""Train from stored events, register, promote only when better, refuse tampered artefacts.

On SQLite (the embedded default), so it runs in the unit tier; PostgreSQL runs the same
migration in the integration tier.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import Engine, insert, select, update

from eventtide.core.db import make_engine
from eventtide.core.db.migrate import upgrade
from eventtide.core.db.models import Model, UserEvent
from eventtide.ml.artefacts import ArtefactRefusedError
from eventtide.ml.promotion import decide
from eventtide.ml.registry import production, promote, register
from eventtide.ml.training import CHURN_MODEL, train_churn

pytestmark = pytest.mark.unit

START = datetime(2025, 1, 1, tzinfo=UTC)
CUTOFF = START + timedelta(days=120)


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    url = f"sqlite:///{tmp_path / 'ml.db'}"
    upgrade(url)
    engine = make_engine(url)
    rng = np.random.default_rng(3)
    rows = []
    # daily and ten-daily customers, half of whom leave shortly before one of the cut-offs:
    # ten silent days mean gone for the first kind and nothing for the second
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
    with engine.begin() as conn:
        conn.execute(insert(UserEvent), rows)
    return engine


def _stages(engine: Engine) -> list[tuple[int, str]]:
    with engine.connect() as conn:
        return [
            tuple(r)
            for r in conn.execute(select(Model.version, Model.stage).order_by(Model.version))
        ]


def _promote_first(engine: Engine) -> float:
    """Train once and make that model production whatever the rule said; its ROC-AUC."""
    result = train_churn(engine, CUTOFF)
    with engine.begin() as conn:
        promote(conn, CHURN_MODEL, result.version)
    return result.roc_auc


def test_the_first_model_is_registered_and_promoted_as_the_rule_decides(engine):
    first = train_churn(engine, CUTOFF)
    assert first.decision == decide(first.roc_auc, None, first.best_baseline)
    stage = "production" if first.decision.promote else "candidate"
    assert _stages(engine) == [(1, stage)]
    with engine.connect() as conn:
        parameters = conn.scalar(select(Model.parameters).where(Model.version == 1))
    # which candidate ours took, and the cross-validated losses that decided it
    assert parameters["chosen"] in parameters["cv_log_loss"]
    assert set(parameters["cv_log_loss"]) == {"ours_hgb", "ours_linear"}
    assert "tenure_days" not in parameters["used"]


def test_a_model_no_better_than_production_on_the_same_data_is_not_promoted(engine):
    auc = _promote_first(engine)
    second = train_churn(engine, CUTOFF)  # same data, same seed: the same model again
    assert second.production_roc_auc == pytest.approx(auc)
    assert not second.decision.promote
    assert _stages(engine) == [(1, "production"), (2, "candidate")]


def test_promotion_archives_the_previous_production_model(engine):
    with engine.begin() as conn:
        for _ in range(2):
            version = register(
                conn,
                name="m",
                artefact=b"x",
                sha256="0" * 64,
                parameters={},
                metrics={},
                data_start=START,
                data_end=CUTOFF,
            )
            promote(conn, "m", version)
        current = production(conn, "m")
    assert current is not None
    assert current.version == 2
    with engine.connect() as conn:
        rows = conn.execute(select(Model.version, Model.stage).where(Model.name == "m"))
        assert sorted(tuple(r) for r in rows) == [(1, "archived"), (2, "production")]


def test_a_tampered_production_artefact_is_refused(engine):
    _promote_first(engine)
    with engine.begin() as conn:
        blob = conn.scalar(select(Model.artefact).where(Model.version == 1))
        conn.execute(update(Model).values(artefact=blob[:-10] + b"0123456789"))
    with pytest.raises(ArtefactRefusedError, match="changed after registration"):
        train_churn(engine, CUTOFF)
