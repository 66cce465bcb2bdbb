"""Every dashboard query and every alert's inputs return data from a real scrape.

A real Prometheus server (Debian's package) scrapes the API, the generator, the
consumer and the processor running a pipeline over real Kafka and PostgreSQL, with the
chart's rules file loaded. Then each dashboard expression must return data, unless it
is listed below as firing only under failure or as needing a component that does not
run locally; and every metric an alert reads must be scraped.
"""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import orjson
import pytest
from api_helpers import as_json, new_key
from prometheus_helpers import prometheus_server
from service_processes import start_api, start_producer, start_service, stop_api
from storage_helpers import consumer_env, create_topic, simulated_events, start_consumer

from eventtide.devstack.observability import catalog, dashboards, rules
from eventtide.devstack.ports import free_port
from tests.chart.rendering import REPO

pytestmark = pytest.mark.e2e

FAILURE_ONLY = {
    'sum(rate(eventtide_api_requests_total{status=~"5.."}[5m]))': "no request fails",
    "sum(rate(eventtide_kafka_produce_failures_total[5m]))": "Kafka acknowledges everything",
    'sum by (alertname, severity) (ALERTS{alertstate="firing", alertname=~"Eventtide.*"})': (
        "no alert fires in a healthy pipeline"
    ),
}
"""Dashboard expressions that have data only while something is wrong."""

NOT_LOCAL = ("eventtide_ml_", "eventtide_operator_", 'job="ml"', 'job="operator"')
"""The ML scorer and the operator (it needs Kubernetes) are not part of the local pipeline;
their queries are checked for syntax and names by the unit and promtool tests."""


def _not_local(expr: str) -> bool:
    return any(marker in expr for marker in NOT_LOCAL)


def test_every_dashboard_query_returns_data(
    kafka_bootstrap: str, fresh_database_url: str, tmp_path: Path
) -> None:
    topic = create_topic(kafka_bootstrap, "test.prom", partitions=2)
    dlq = create_topic(kafka_bootstrap, "test.prom.dlq", partitions=1)
    outputs = {
        f"EVENTTIDE_PROCESSOR_{n.upper()}_TOPIC": create_topic(kafka_bootstrap, f"test.{n}", 1)
        for n in ("windows", "sessions", "alerts", "features", "late")
    }
    ports = {job: free_port() for job in ("api", "producer", "consumer", "processor")}
    env = consumer_env(
        kafka_bootstrap, fresh_database_url, EVENTTIDE_EVENTS_TOPIC=topic, EVENTTIDE_DLQ_TOPIC=dlq,
        EVENTTIDE_CONSUMER_METRICS_PORT=str(ports["consumer"]),
        EVENTTIDE_PROCESSOR_METRICS_PORT=str(ports["processor"]),
        EVENTTIDE_PRODUCER_METRICS_PORT=str(ports["producer"]),
        EVENTTIDE_CONSUMER_BATCH_MAX_MS="200", EVENTTIDE_PROCESSOR_SESSION_TIMEOUT_MS="6000",
        **outputs,
    )  # fmt: skip
    key = {"x-api-key": new_key(fresh_database_url, "ingest"), "content-type": "application/json"}
    api = start_api(env, ports["api"], tmp_path / "api.log")
    start_producer(env, topic, 50, tmp_path / "producer.log")
    start_consumer(env, topic, "g-prom", tmp_path / "consumer.log")
    start_service("process", env, topic, "g-prom-proc", tmp_path / "processor.log")
    rule_file = REPO / rules.RULES_FILE
    url = f"http://127.0.0.1:{ports['api']}"
    good = [as_json(e) for e in simulated_events(20, users=5)]
    try:
        with prometheus_server(ports, [rule_file], tmp_path) as prom:
            deadline = time.monotonic() + 12
            while time.monotonic() < deadline:  # traffic through the door for a few scrapes
                body = orjson.dumps([*good[:5], {"event_type": "click"}])
                answer = httpx.post(f"{url}/v1/events", content=body, headers=key, timeout=10)
                assert answer.status_code == 200, answer.text
                httpx.get(f"{url}/no-such-route", timeout=10)
                time.sleep(0.5)
            ready = prom.wait_for(
                "sum(rate(eventtide_consumer_events_stored_total[5m])) > 0"
                " and on() max(eventtide_processor_watermark_delay_seconds) >= 0",
                timeout_s=60,
            )
            assert ready, "the pipeline did not store and process events within a minute"
            exprs = [e for d in dashboards.DASHBOARDS for e in d.queries()]
            empty = [
                e for e in exprs
                if e not in FAILURE_ONLY and not _not_local(e) and not prom.query(e)
            ]  # fmt: skip
            alert_inputs = {
                name
                for expr in rules.alerts(rules.load(rule_file)).values()
                if not _not_local(expr)
                for name in catalog.referenced(expr)
                if name not in catalog.BUILTIN
            }
            unscraped = sorted(
                n for n in alert_inputs if not prom.query(f'count({{__name__="{n}"}})')
            )
    finally:
        stop_api(api, tmp_path / "api.log")
    assert empty == [], "dashboard queries without data"
    assert unscraped == [], "metrics the alerts read that nothing exposes"
    assert set(FAILURE_ONLY) <= set(exprs), "a failure-only entry no dashboard uses any more"
