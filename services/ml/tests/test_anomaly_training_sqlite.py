"""``ml train anomaly`` from stored data: register, promote only when better than
production on the same copies, prefer the processor's windows, refuse too little data.

On SQLite (the embedded default), so it runs in the unit tier.
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
from eventtide.core.db.processor_tables import WindowAggregate
from eventtide.ml.anomaly_training import (
    ANOMALY_MODEL,
    NotEnoughDataError,
    load_anomaly_model,
    train_anomaly,
)
from eventtide.ml.detector import load_served
from eventtide.ml.registry import production, promote
from eventtide.ml.scorer import ModelHolder
from eventtide.ml.window_series import bucket_events

pytestmark = pytest.mark.unit

START = datetime(2025, 3, 3, tzinfo=UTC)  # a Monday
DAYS = 10
CUTOFF = START + timedelta(days=7)
FUNNEL = (("page_view", 1.0), ("add_to_cart", 0.35), ("checkout_started", 0.5), ("purchase", 0.6))


def _events(seed: int = 5) -> list[tuple[float, str, str, float]]:
    """A shop's funnel per hour with a daily rhythm (time s, type, user, cents)."""
    rng = np.random.default_rng(seed)
    out: list[tuple[float, str, str, float]] = []
    for hour in range(DAYS * 24):
        at = START.timestamp() + hour * 3_600
        mean = 40 * (1 + 0.7 * np.cos(2 * np.pi * ((hour % 24) - 20) / 24))
        count = rng.poisson(mean)
        for name, share in FUNNEL:
            count = rng.binomial(count, share) if name != "page_view" else count
            for _ in range(count):
                user = f"u{rng.integers(300)}"
                out.append((at + rng.uniform(0, 3_600), name, user, 2_500.0))
    return out


def _store(engine: Engine, events: list[tuple[float, str, str, float]]) -> None:
    rows = [
        {"event_id": uuid.uuid4(), "user_id": user, "session_id": "s", "event_type": name,
         "occurred_at": datetime.fromtimestamp(at, UTC),
         "received_at": datetime.fromtimestamp(at, UTC), "schema_version": 2,
         "amount_cents": int(cents) if name == "purchase" else None, "currency": "EUR",
         "context": {"platform": "ios" if int(user[1:]) % 3 == 0 else "web"},
         "properties": {}}
        for at, name, user, cents in events
    ]  # fmt: skip
    with engine.begin() as conn:
        conn.execute(insert(UserEvent), rows)


@pytest.fixture(scope="module")
def events() -> list[tuple[float, str, str, float]]:
    return _events()


@pytest.fixture
def engine(tmp_path: Path, events: list[tuple[float, str, str, float]]) -> Engine:
    url = f"sqlite:///{tmp_path / 'ml.db'}"
    upgrade(url)
    engine = make_engine(url)
    _store(engine, events)
    return engine


def _stages(engine: Engine) -> list[tuple[int, str]]:
    with engine.connect() as conn:
        rows = conn.execute(select(Model.version, Model.stage).where(Model.name == ANOMALY_MODEL))
        return sorted((int(v), str(s)) for v, s in rows)


def test_trains_registers_promotes_then_keeps_production_on_the_same_data(engine: Engine) -> None:
    first = train_anomaly(engine, CUTOFF, window="tumbling_1h", held_out_days=3)
    assert first.source == "user_events"
    assert first.decision.promote
    assert first.ours.overall.f1 > first.baseline.overall.f1
    assert first.ours.overall.incidents >= 10
    with engine.connect() as conn:
        registered = production(conn, ANOMALY_MODEL)
    assert registered is not None
    assert registered.version == 1
    served = load_anomaly_model(registered)
    assert [s.spec.name for s in served.series] == registered.parameters["series_names"]
    # each platform's active users, read from the events' context
    assert {"users.platform.ios", "users.platform.web"} <= set(
        registered.parameters["series_names"]
    )
    assert registered.metrics["f1"] == first.ours.overall.f1
    assert registered.metrics["baseline"]["f1"] == first.baseline.overall.f1

    second = train_anomaly(engine, CUTOFF, window="tumbling_1h", held_out_days=3)
    assert second.production is not None
    assert second.production.overall.f1 == second.ours.overall.f1
    assert not second.decision.promote
    assert second.decision.reason == "not better than production on the same data"
    assert _stages(engine) == [(1, "production"), (2, "candidate")]


def test_too_little_history_is_refused_with_the_reason(engine: Engine) -> None:
    with pytest.raises(NotEnoughDataError, match=r"0\.96 days of user_events before the cut-off"):
        train_anomaly(engine, START + timedelta(days=1), window="tumbling_1h")
    with pytest.raises(NotEnoughDataError, match="after the cut-off"):
        train_anomaly(engine, START + timedelta(days=DAYS), window="tumbling_1h")
    with pytest.raises(ValueError, match="not one of"):
        train_anomaly(engine, CUTOFF, window="tumbling_7m")
    assert _stages(engine) == []


def test_the_processors_final_windows_are_preferred(
    engine: Engine, events: list[tuple[float, str, str, float]]
) -> None:
    rows = []
    for at, dimension, value, count, users, revenue, orders in bucket_events(events, 3_600.0):
        for partition, share in ((0, count // 2), (1, count - count // 2)):
            rows.append({"partition": partition, "window": "tumbling_1h",
                         "window_start": int(at * 1e6), "dimension": dimension, "value": value,
                         "window_end": int((at + 3_600) * 1e6), "count": share,
                         "unique_users": users if partition == 0 else 0,
                         "revenue_cents": revenue if partition == 0 else 0,
                         "orders": orders if partition == 0 else 0,
                         "average_order_value_cents": None, "final": True})  # fmt: skip
    with engine.begin() as conn:
        conn.execute(insert(WindowAggregate), rows)
    result = train_anomaly(engine, CUTOFF, window="tumbling_1h", held_out_days=3)
    assert result.source == "window_aggregates"
    with engine.connect() as conn:
        registered = production(conn, ANOMALY_MODEL)
    assert registered is not None
    assert registered.version == result.version
    # the processor counts dead letters (none here): their share is watched all the same
    names = [s.spec.name for s in load_anomaly_model(registered).series]
    assert "dead_letter_share" in names
    from_events = train_anomaly(engine, CUTOFF, window="tumbling_5m", held_out_days=3)
    assert from_events.source == "user_events"  # no 5-minute results stored


def test_the_detector_reloads_a_promoted_version_and_refuses_a_tampered_one(
    engine: Engine,
) -> None:
    train_anomaly(engine, CUTOFF, window="tumbling_1h", held_out_days=3)
    train_anomaly(engine, CUTOFF, window="tumbling_1h", held_out_days=3)
    with engine.connect() as conn:
        first = load_served(conn, ANOMALY_MODEL)
    holder = ModelHolder(engine, ANOMALY_MODEL, 1e-9, first, load_served)
    assert holder.current().version == 1
    with engine.begin() as conn:
        promote(conn, ANOMALY_MODEL, 2)
    assert holder.current().version == 2
    with engine.begin() as conn:
        conn.execute(update(Model).where(Model.version == 1).values(artefact=b"tampered"))
        promote(conn, ANOMALY_MODEL, 1)
    assert holder.current().version == 2  # refused, the model in hand keeps serving
    assert holder.refused == {1}
