"""``eventtide dev run --events N`` (what ``make run EVENTS=N`` runs): the whole pipeline.

The run uses the session's Kafka and a fresh PostgreSQL database, so its summary can be
checked against the database afterwards: the stored count, the dead letters, the
sessions and alerts the processor wrote, and the funnel conversion recomputed in plain
Python from the stored events (an oracle apart from the SQL). While it runs, the printed
dashboard URL must answer with the page, the printed key must read what the live
overview reads, and an event the API refuses must reach the dead-letter count.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path
from typing import IO

import httpx
import pytest
from analytics_oracles import Raw, funnel
from sqlalchemy import func, select

from eventtide.core.db import DeadLetter, UserEvent, make_engine
from eventtide.core.db.processor_tables import AlertRow, ProcessorSession

pytestmark = pytest.mark.integration

STEPS = ["page_view", "add_to_cart", "checkout_started", "purchase"]
PRINTED = re.compile(r"api: (http://127\.0\.0\.1:\d+) .*key: (\S+)\ndashboard: (\S+) \(live")


def _read(stream: IO[str], into: list[str]) -> None:
    for line in stream:
        into.append(line)


def _printed(lines: list[str], run: subprocess.Popen[str]) -> re.Match[str]:
    """The API, key and dashboard lines, once the run has printed them."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and run.poll() is None:
        found = PRINTED.search("".join(lines))
        if found is not None:
            return found
        time.sleep(0.2)
    raise AssertionError("".join(lines)[-3000:])


def _while_live(api: str, key: str, dashboard: str) -> None:
    """The printed URL is the page, the key reads its data, and one event is refused."""
    page = httpx.get(dashboard, timeout=10)
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert httpx.get(f"{api}/v1/overview", headers={"X-API-Key": key}, timeout=10).is_success
    refused = httpx.post(
        f"{api}/v1/events", headers={"X-API-Key": key}, json={"event_type": "page_view"},
        timeout=10,
    )  # fmt: skip
    assert refused.status_code == 200, refused.text
    assert "rejected" in refused.text, refused.text


def test_dev_run_with_a_count_runs_every_service_and_answers_from_the_database(
    kafka_bootstrap: str, fresh_database_url: str, tmp_path: Path
) -> None:
    topic = f"test.devrun.{os.getpid()}.{tmp_path.name[-6:]}"
    env = {
        **os.environ,
        "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap,
        "DATABASE_URL": fresh_database_url,
        "EVENTTIDE_EVENTS_TOPIC": topic,
        "EVENTTIDE_DLQ_TOPIC": f"{topic}.dlq",
        "EVENTTIDE_PROCESSOR_TOPICS_ENABLED": "false",
        "EVENTTIDE_RUN_DIR": str(tmp_path / "run"),
        "COLUMNS": "200",
    }
    cli = str(Path(sys.executable).parent / "eventtide")
    lines: list[str] = []
    with subprocess.Popen(
        [cli, "dev", "run", "--events", "3000", "--rate", "2000"],
        cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    ) as run:  # fmt: skip
        assert run.stdout is not None
        reader = threading.Thread(target=_read, args=(run.stdout, lines), daemon=True)
        reader.start()
        try:
            _while_live(*_printed(lines, run).groups())
            run.wait(300)
        finally:
            if run.poll() is None:
                run.kill()
        reader.join(10)
    output = "".join(lines)
    assert run.returncode == 0, output[-3000:]
    assert "services: api, consumer, processor, dead-letters, ml, ml-detect, ml-behave" in output
    assert "stored 3,000 events" in output
    assert "exited with" not in output, output[-3000:]  # every service stopped cleanly
    assert "user_stats equals a recomputation" in output
    api_log = (tmp_path / "run" / "api.log").read_text()
    posts = api_log.count('POST /v1/events HTTP/1.1\\" 200')  # JSON-escaped access log
    assert posts > 1, "the generator did not go through the API (one POST is the test's own)"

    engine = make_engine(fresh_database_url)
    with engine.connect() as conn:
        stored = conn.execute(select(func.count()).select_from(UserEvent.__table__)).scalar_one()
        sessions = conn.execute(
            select(func.count()).select_from(ProcessorSession.__table__)
        ).scalar_one()
        alerts = conn.execute(select(func.count()).select_from(AlertRow.__table__)).scalar_one()
        letters = conn.execute(select(func.count()).select_from(DeadLetter.__table__)).scalar_one()
        rows = conn.execute(
            select(UserEvent.user_id, UserEvent.event_type, UserEvent.occurred_at)
        ).all()
    engine.dispose()
    assert stored == 3000
    assert letters >= 1, "the event the API refused did not reach dead_letters"
    assert f"and {letters:,} dead letters" in output, output[-2000:]
    assert sessions > 0
    said = re.search(r"sessions: ([\d,]+) \(", output)
    assert said is not None, output[-2000:]
    assert int(said.group(1).replace(",", "")) == sessions
    assert f"({alerts:,} in all)" in output

    events = [Raw(u, t, at, None, None) for u, t, at in rows]
    since = min(e.occurred_at for e in events)
    until = max(e.occurred_at for e in events) + timedelta(seconds=1)
    expected = funnel(events, steps=STEPS, window=timedelta(days=1), since=since, until=until)
    steps = " -> ".join(f"{step} {users:,}" for step, users, _ in expected)
    assert steps in output, output[-2000:]


def test_dev_run_names_an_unreachable_database(kafka_bootstrap: str, tmp_path: Path) -> None:
    env = {
        **os.environ,
        "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap,
        "DATABASE_URL": "postgresql://eventtide@127.0.0.1:9/never",
        "EVENTTIDE_EVENTS_TOPIC": f"test.devrun.nodb.{os.getpid()}",
        "EVENTTIDE_RUN_DIR": str(tmp_path / "run"),
    }
    cli = str(Path(sys.executable).parent / "eventtide")
    result = subprocess.run(
        [cli, "dev", "run", "--events", "10"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 1, result.stderr[-2000:]
    assert "cannot reach the database" in result.stderr
    assert "DATABASE_URL" in result.stderr
    assert "Traceback" not in result.stderr
