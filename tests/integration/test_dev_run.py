"""``eventtide dev run --events N`` (what ``make run EVENTS=N`` runs) stops by itself."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from eventtide.core.db import UserEvent, make_engine

pytestmark = pytest.mark.integration


def test_dev_run_with_a_count_stores_everything_and_exits(
    kafka_bootstrap: str, tmp_path: Path
) -> None:
    topic = f"test.devrun.{os.getpid()}.{tmp_path.name[-6:]}"
    env = {
        **os.environ,
        "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap,
        "EVENTTIDE_EVENTS_TOPIC": topic,
        "EVENTTIDE_DLQ_TOPIC": f"{topic}.dlq",
        "COLUMNS": "200",
    }
    env.pop("DATABASE_URL", None)
    cli = str(Path(sys.executable).parent / "eventtide")
    result = subprocess.run(
        [cli, "dev", "run", "--events", "3000", "--rate", "2000"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=240, check=False,
    )  # fmt: skip
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-3000:]
    assert "stored 3,000 events" in output
    assert "user_stats equals a recomputation" in output
    database = tmp_path / ".eventtide" / "run" / "eventtide.db"
    engine = make_engine(f"sqlite:///{database}")
    with engine.connect() as conn:
        stored = conn.execute(select(func.count()).select_from(UserEvent.__table__)).scalar_one()
    engine.dispose()
    assert stored == 3000
