"""Dashboards are generated, and every query names only metrics some service exposes."""

from __future__ import annotations

from typing import Any

import pytest

from eventtide.devstack.observability import catalog, dashboards, grafana, rules
from tests.chart.rendering import CHART, REPO

pytestmark = pytest.mark.unit

REQUIRED = {"overview", "ingestion", "consumer", "processor", "ml", "operator"}


def _rules() -> list[dict[str, Any]]:
    return rules.load(REPO / rules.RULES_FILE)


def test_the_committed_dashboards_are_what_the_specs_render() -> None:
    assert grafana.stale(CHART / "dashboards") == [], "run `eventtide dev dashboards`"


def test_the_six_dashboards_exist() -> None:
    assert {d.uid.removeprefix("eventtide-") for d in dashboards.DASHBOARDS} >= REQUIRED


def test_every_dashboard_and_rule_query_names_an_exposed_metric() -> None:
    every = _rules()
    known = catalog.exposed() | rules.recorded(every)
    exprs = [e for d in dashboards.DASHBOARDS for e in d.queries()]
    exprs += [rule["expr"] for rule in every]
    assert catalog.unknown(exprs, known) == {}


def test_the_lint_catches_a_metric_nobody_exposes() -> None:
    known = catalog.exposed()
    bad = 'sum(rate(eventtide_consumer_events_stord_total{job="eventtide_x"}[5m]))'
    assert catalog.unknown([bad], known) == {bad: {"eventtide_consumer_events_stord_total"}}
    assert catalog.referenced('up{job="consumer"} - eventtide:api_error_ratio:rate5m') == {
        "up", "eventtide:api_error_ratio:rate5m",
    }  # fmt: skip


def test_every_alert_has_a_runbook_section() -> None:
    operations = (REPO / "docs" / "operations.md").read_text().lower()
    for rule in _rules():
        if "alert" in rule:
            assert {"summary", "description", "runbook_url"} <= rule["annotations"].keys()
            anchor = rule["annotations"]["runbook_url"].split("#")[1]
            assert f"### {rule['alert'].lower()}" in operations, anchor
