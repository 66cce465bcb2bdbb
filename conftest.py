"""Every test in the repository gets the real-infrastructure fixtures.

``make test`` runs the suite on three pytest-xdist workers with ``--dist loadfile``: each
test file is one unit of work, so a module's fixtures are built once. The files that keep
a core busy for minutes count as a single unit here, so they run one after the other on
one worker and never slow each other past their time limits while the other workers take
the rest. Units are handed out in collection order, so the long ones go first: started
last, a four-minute file would leave the other workers idle at the end.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, settings

pytest_plugins = ["eventtide.devstack.pytest_plugin"]

settings.register_profile("shared-machine", suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("shared-machine")
"""How fast Hypothesis draws inputs is no property of the code under test: on a shared
2-core machine running three workers beside PostgreSQL, Kafka and a browser, drawing
events took past its one-second heuristic once ("only generated 4 valid inputs after
1.09 seconds", services/core/tests/test_codec.py) and failed a green suite."""

CPU_HEAVY_UNIT = "cpu-heavy files"
CPU_HEAVY_FILES = (
    "tests/integration/test_processor_pipeline.py",
    "tests/reliability/test_kill9.py",
    "tests/integration/test_ml_scoring.py",
)
"""Processes restarted dozens of times over a live stream, and a 100,000-event oracle."""

LONG_FILES_FIRST = (
    *CPU_HEAVY_FILES,
    "tests/integration/test_bench_quick.py",
    "tests/integration/test_api_schemathesis.py",
    "tests/integration/test_consumer_pipeline.py",
    "tests/e2e/test_make_run.py",
    "tests/e2e/test_prometheus_queries.py",
    "tests/e2e/test_devstack_cli.py",
    "tests/integration/test_api_analytics.py",
    "tests/integration/test_ml_behave.py",
    "tests/integration/test_api_where.py",
    "tests/integration/test_api_property_math.py",
    "services/ml/tests/test_detector_state.py",
    "services/ml/tests/test_anomaly_model.py",
    "tests/integration/test_dev_run.py",
    "tests/e2e/test_dashboard_browser.py",
    "services/ml/tests/test_training_sqlite.py",
    "tests/integration/test_producer_kafka.py",
    "tests/integration/test_api_kafka_outage.py",
    "tests/e2e/test_sdk_javascript.py",
    "tests/cluster/test_pipeline_operator.py",
    "tests/integration/test_api_ingest.py",
    "tests/integration/test_ml_detect.py",
    "services/ml/tests/test_revenue_and_error_series.py",
    "services/ml/tests/test_churn.py",
    "services/ml/tests/test_cli.py",
    "tests/integration/test_ml_training_postgres.py",
    "tests/cluster/test_chart_install.py",
    "services/core/tests/test_light_imports.py",
    "tests/reliability/test_group_failover.py",
    "services/producer/tests/test_incidents.py",
)
"""The longest files, longest first (their tests' summed times in a fresh-clone
``make test`` on the 2-core machine, from its junit XML)."""


def unit_of_work(nodeid: str) -> str:
    """The file a test belongs to, or one shared unit for the CPU-heavy files."""
    path = nodeid.split("::", 1)[0]
    return CPU_HEAVY_UNIT if path in CPU_HEAVY_FILES else path


def _rank(item: pytest.Item) -> int:
    try:
        return LONG_FILES_FIRST.index(item.nodeid.split("::", 1)[0])
    except ValueError:
        return len(LONG_FILES_FIRST)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Long files first; the sort is stable, so every other file keeps its order."""
    items.sort(key=_rank)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """``--dist loadfile`` with the CPU-heavy files as one unit (other modes unchanged).

    A scheduler rather than ``xdist_group`` marks: pytest 9 names tests in a way that
    xdist 3.8's ``--dist loadgroup`` no longer reads, so the marks would be ignored.
    """
    if config.getvalue("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class FileUnits(LoadScopeScheduling):  # type: ignore[misc]  # xdist ships no types
        def _split_scope(self, nodeid: str) -> str:
            return unit_of_work(nodeid)

    return FileUnits(config, log)


@pytest.hookimpl(tryfirst=True)
def pytest_sessionstart(session: pytest.Session) -> None:
    """Stop the second coverage that pytest-cov 7 runs in each xdist worker.

    A worker parses the same ``-n`` option as the controller, so pytest-cov starts its
    controller-side coverage in the worker too, then the worker's own on top at session
    start. ``@pytest.mark.no_cover`` stops the worker's own, and coverage then resumes the
    one beneath it: marked tests stayed traced. That first one never saves its data, so
    stopping it here loses nothing and lets the mark work.
    """
    if getattr(session.config, "workerinput", None) is None:
        return
    plugin = session.config.pluginmanager.get_plugin("_cov")
    controller = getattr(plugin, "cov_controller", None)
    if controller is not None:
        controller.cov.stop()
