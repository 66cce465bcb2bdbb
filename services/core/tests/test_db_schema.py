"""Migrations and models agree, and migrate up and down cleanly (on SQLite; PostgreSQL in
tests/integration/test_store_postgres.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from eventtide.core.db import Base, make_engine
from eventtide.core.db.migrate import current_revision, downgrade, head_revision, upgrade

pytestmark = pytest.mark.unit


def test_upgrade_creates_every_table_and_index(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'm.db'}"
    upgrade(url)
    assert current_revision(url) == head_revision()
    engine = make_engine(url)
    found = inspect(engine)
    assert set(found.get_table_names()) >= {
        "users", "user_events", "user_stats", "dead_letters", "consumer_offsets",
    }  # fmt: skip
    indexes = {ix["name"]: ix["column_names"] for ix in found.get_indexes("user_events")}
    assert indexes["ix_user_events_user_time"] == ["user_id", "occurred_at"]
    assert indexes["ix_user_events_type_time"] == ["event_type", "occurred_at"]
    uniques = [u["column_names"] for u in found.get_unique_constraints("user_events")]
    assert ["event_id"] in uniques
    engine.dispose()


def test_models_match_the_migrations(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'm.db'}"
    upgrade(url)
    engine = make_engine(url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    engine.dispose()
    assert diff == [], "models changed without a migration: " + repr(diff)


def test_downgrade_to_base_and_up_again(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'm.db'}"
    upgrade(url)
    downgrade(url, "base")
    engine = make_engine(url)
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    engine.dispose()
    upgrade(url)
    assert current_revision(url) == head_revision()


def test_the_processor_tables_are_created(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'm.db'}"
    upgrade(url)
    engine = make_engine(url)
    assert set(inspect(engine).get_table_names()) >= {
        "window_aggregates", "sessions", "attributions", "conversion_counts", "alerts",
        "cart_abandonments", "user_features", "processor_state",
    }  # fmt: skip
    engine.dispose()
