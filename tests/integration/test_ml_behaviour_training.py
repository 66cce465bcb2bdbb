"""``eventtide ml train behaviour`` against the real PostgreSQL: the first model beats the
events-per-minute baseline and is promoted; the same model again is not better than
production on the same rows and stays a candidate; a tampered production artefact is
refused with the reason; too little held-out data is refused with the count found."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from behaviour_history import history, store
from sqlalchemy import select, update
from typer.testing import CliRunner

from eventtide.core.cli import build_app
from eventtide.core.db import make_engine
from eventtide.core.db.models import Model
from eventtide.ml.behaviour_model import BEHAVIOUR_MODEL
from eventtide.ml.behaviour_training import load_behaviour_model
from eventtide.ml.registry import production

pytestmark = pytest.mark.integration

START = datetime(2025, 3, 3, tzinfo=UTC)


def _train(
    url: str, monkeypatch: pytest.MonkeyPatch, cutoff: str = "2025-03-11"
) -> tuple[int, str]:
    monkeypatch.setenv("DATABASE_URL", url)
    args = ["ml", "train", "behaviour", "--cutoff", cutoff, "--held-out-days", "2"]
    result = CliRunner().invoke(build_app(), args)
    return result.exit_code, result.output


def test_train_behaviour_promotes_once_and_refuses_tampering(
    fresh_database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = fresh_database_url
    store(url, history(START.timestamp(), 10))
    code, first = _train(url, monkeypatch)
    assert code == 0, first
    assert "behaviour v1" in first
    assert "promoted: no production model yet" in first
    ours = float(first.split("isolation forest (ours) | ")[1].split(" ")[0])
    baseline = float(first.split("events/min robust z | ")[1].split(" ")[0])
    assert ours > baseline
    code, second = _train(url, monkeypatch)
    assert code == 0, second
    assert "not promoted: not better than production on the same data" in second
    engine = make_engine(url)
    with engine.connect() as conn:
        stages = list(conn.execute(select(Model.version, Model.stage).order_by(Model.version)))
        served = production(conn, BEHAVIOUR_MODEL)
    assert [tuple(s) for s in stages] == [(1, "production"), (2, "candidate")]
    assert served is not None
    model = load_behaviour_model(served)
    assert model.window_s == 86_400.0  # the default: user-days, judged every hour live
    assert model.short is not None  # the hour model that judges each window's last hop
    assert model.short.window_s == 3_600.0
    assert "the short model" in first
    assert 0.5 < model.threshold < 1.0
    with engine.begin() as conn:
        conn.execute(update(Model).where(Model.version == 1).values(artefact=b"tampered"))
    engine.dispose()
    code, third = _train(url, monkeypatch)
    assert code == 1
    assert "changed after registration" in third
    code, early = _train(url, monkeypatch, cutoff="2025-03-13")
    assert code == 1
    assert "judging needs at least" in early
