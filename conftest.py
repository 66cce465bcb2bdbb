"""Every test in the repository gets the real-infrastructure fixtures.

``make test`` runs the suite on two pytest-xdist workers, one test file at a time each
(``--dist loadfile``, so a module's fixtures are built once). Files are handed out in
collection order, so the long ones are moved to the front: started last, a four-minute
file would leave the other worker idle at the end.
"""

from __future__ import annotations

import pytest

pytest_plugins = ["eventtide.devstack.pytest_plugin"]

# The longest files, longest first (measured with --durations on the 2-core machine).
LONG_FILES_FIRST = (
    "tests/integration/test_processor_pipeline.py",
    "tests/reliability/test_kill9.py",
    "tests/integration/test_api_schemathesis.py",
    "tests/integration/test_bench_quick.py",
    "tests/reliability/test_group_failover.py",
    "tests/integration/test_ml_scoring.py",
    "tests/integration/test_consumer_pipeline.py",
    "tests/e2e/test_make_run.py",
    "tests/integration/test_dev_run.py",
    "tests/e2e/test_devstack_cli.py",
    "services/producer/tests/test_incidents.py",
    "tests/integration/test_producer_kafka.py",
    "tests/integration/test_api_kafka_outage.py",
    "tests/cluster/test_pipeline_operator.py",
)


def _rank(item: pytest.Item) -> int:
    path = item.nodeid.split("::", 1)[0]
    try:
        return LONG_FILES_FIRST.index(path)
    except ValueError:
        return len(LONG_FILES_FIRST)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Long files first; the sort is stable, so every other file keeps its order."""
    items.sort(key=_rank)
