"""Pure modules import without the I/O libraries; the CLI registers without them too.

Each import runs in a fresh interpreter and lists ``sys.modules`` afterwards: a package
``__init__`` that pulls in SQLAlchemy, psycopg or the Kafka client for a pure sibling
shows up here, and so does a command whose registration loads them (which made
``eventtide --help`` take seconds).
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

pytestmark = pytest.mark.unit

IO_LIBRARIES = {"sqlalchemy", "psycopg", "confluent_kafka", "alembic", "kopf", "kubernetes"}

PURE = [
    "eventtide.core.events",
    "eventtide.core.events.validation",
    "eventtide.core.kafka",
    "eventtide.core.kafka.codec",
    "eventtide.core.kafka.config",
    "eventtide.core.kafka.consumer_config",
    "eventtide.core.kafka.clients",
    "eventtide.core.kafka.records",
    "eventtide.core.kafka.dlq",
    "eventtide.core.db",
    "eventtide.core.db.columns",
    "eventtide.core.db.deltas",
    "eventtide.core.db.rows",
    "eventtide.core.db.offsets",
    "eventtide.core.settings",
    "eventtide.core.service",
    "eventtide.core.telemetry",
    "eventtide.core.kafka.spans",
    "eventtide.core.transactional",
    "eventtide.core.transactional.steps",
    "eventtide.core.transactional.phases",
    "eventtide.core.transactional.rebalances",
    "eventtide.core.transactional.settings",
    "eventtide.core.transactional.outbox_rows",
    "eventtide.consumer.batching",
    "eventtide.consumer.settings",
    "eventtide.producer.generator",
    "eventtide.producer.settings",
    "eventtide.operator.policy",
    "eventtide.operator.rates",
]

PROBE = """
import json, sys
{statement}
print(json.dumps(sorted({{name.split(".")[0] for name in sys.modules}})))
"""


def _top_level_modules_after(statement: str) -> set[str]:
    result = subprocess.run(
        [sys.executable, "-c", PROBE.format(statement=statement)],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return set(json.loads(result.stdout))


@pytest.mark.parametrize("module", PURE)
def test_a_pure_module_loads_no_io_library(module: str) -> None:
    assert _top_level_modules_after(f"import {module}") & IO_LIBRARIES == set()


def test_registering_every_command_loads_no_io_library() -> None:
    loaded = _top_level_modules_after("from eventtide.core.cli import build_app\nbuild_app()")
    assert loaded & IO_LIBRARIES == set()
    assert "markdown_it" not in loaded  # the root help is plain: Rich's Markdown is slow


def test_the_probe_sees_an_io_library_when_one_is_loaded() -> None:
    assert "sqlalchemy" in _top_level_modules_after("import eventtide.core.db.models")
