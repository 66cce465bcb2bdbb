"""Every dashboard query and every alert's inputs return data from a real scrape.

A real Prometheus server (Debian's package) scrapes the API, the generator, the
consumer, the processor, the ML scorer, the metric anomaly detector and the operator
running a pipeline over real Kafka, PostgreSQL and Kubernetes, with the chart's rules
file loaded. The generator first sends four days of history: the consumer stores it, the
processor closes its sessions into ``features.v1`` and its windows into ``windows.v1``,
a churn model is trained on the stored events with the project's training function and
an hourly anomaly model fitted on them, both put in production, and the scorer scores
those features while the detector judges those windows. The operator reconciles a
Pipeline naming the test's topic and consumer group, so its scaling rounds read the real
lag. Then each dashboard expression must return data, unless it is listed below as
firing only under failure; and every metric an alert reads must be scraped.
"""

from __future__ import annotations

import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import orjson
import pytest
import yaml
from api_helpers import as_json, new_key
from prometheus_helpers import Prometheus, prometheus_server
from service_processes import (
    EVENTTIDE,
    spawn,
    start_api,
    start_operator,
    start_producer,
    start_scorer,
    start_service,
    stop_api,
)
from sqlalchemy import Engine
from storage_helpers import (
    consumer_env,
    create_topic,
    end_offsets,
    simulated_events,
    start_consumer,
)

from eventtide.core.db import load_offsets, make_engine
from eventtide.devstack.observability import catalog, dashboards, rules
from eventtide.devstack.ports import free_port
from eventtide.operator.crd import crd_path
from tests.chart.rendering import REPO
from tests.cluster.conftest import kubectl_run, wait_established

pytestmark = pytest.mark.e2e

FAILURE_ONLY = {
    'sum(rate(eventtide_api_requests_total{status=~"5.."}[5m]))': "no request fails",
    "sum(rate(eventtide_kafka_produce_failures_total[5m]))": "Kafka acknowledges everything",
    "sum by (detector, series) (increase(eventtide_ml_incidents_opened_total[1h]))": (
        "an incident opens only where the history has an anomaly"
    ),
    'sum by (alertname, severity) (ALERTS{alertstate="firing", alertname=~"Eventtide.*"})': (
        "no alert fires in a healthy pipeline"
    ),
}
"""Dashboard expressions that have data only while something is wrong."""

PARTITIONS = 2
HISTORY_DAYS, HISTORY_USERS = 4.1, 100
"""About 8,000 events: enough closed sessions (about 100 a day) for the churn model's
training and held-out splits of one day each, with both outcomes in each."""
HORIZON_DAYS = 1.0


def test_every_dashboard_query_returns_data(
    kafka_bootstrap: str, fresh_database_url: str, kubeconfig: Path, tmp_path: Path
) -> None:
    topic = create_topic(kafka_bootstrap, "test.prom", partitions=PARTITIONS)
    dlq = create_topic(kafka_bootstrap, "test.prom.dlq", partitions=1)
    outputs = {
        f"EVENTTIDE_PROCESSOR_{n.upper()}_TOPIC": create_topic(kafka_bootstrap, f"test.{n}", 1)
        for n in ("windows", "sessions", "alerts", "features", "late")
    }
    jobs = ("api", "producer", "consumer", "processor", "ml", "ml-detect", "operator")
    ports = {job: free_port() for job in jobs}
    env = consumer_env(
        kafka_bootstrap, fresh_database_url, EVENTTIDE_EVENTS_TOPIC=topic, EVENTTIDE_DLQ_TOPIC=dlq,
        EVENTTIDE_CONSUMER_METRICS_PORT=str(ports["consumer"]),
        EVENTTIDE_PROCESSOR_METRICS_PORT=str(ports["processor"]),
        EVENTTIDE_PRODUCER_METRICS_PORT=str(ports["producer"]),
        EVENTTIDE_CONSUMER_BATCH_MAX_MS="200", EVENTTIDE_PROCESSOR_SESSION_TIMEOUT_MS="6000",
        EVENTTIDE_ML_FEATURES_TOPIC=outputs["EVENTTIDE_PROCESSOR_FEATURES_TOPIC"],
        EVENTTIDE_ML_PREDICTIONS_TOPIC=create_topic(kafka_bootstrap, "test.predictions", 1),
        EVENTTIDE_ML_GROUP_ID="g-prom-ml", EVENTTIDE_ML_RELOAD_INTERVAL_S="0.5",
        EVENTTIDE_ML_SESSION_TIMEOUT_MS="6000",
        EVENTTIDE_ML_DETECT_WINDOWS_TOPIC=outputs["EVENTTIDE_PROCESSOR_WINDOWS_TOPIC"],
        EVENTTIDE_ML_DETECT_ALERTS_TOPIC=create_topic(kafka_bootstrap, "test.anomalies", 1),
        EVENTTIDE_ML_DETECT_GROUP_ID="g-prom-detect", EVENTTIDE_ML_DETECT_RELOAD_INTERVAL_S="0.5",
        EVENTTIDE_ML_DETECT_SESSION_TIMEOUT_MS="6000",
        EVENTTIDE_ML_DETECT_METRICS_PORT=str(ports["ml-detect"]),
        **outputs,
    )  # fmt: skip
    key = {"x-api-key": new_key(fresh_database_url, "ingest"), "content-type": "application/json"}
    namespace = f"prom-{topic.rsplit('.', 1)[-1][:8]}"
    rule_file = REPO / rules.RULES_FILE
    url = f"http://127.0.0.1:{ports['api']}"
    good = [as_json(e) for e in simulated_events(20, users=5)]
    # The cluster set-up, and the training once the history is stored, run beside the
    # services' start-up and the traffic below: together they cost about 25 s, not 40.
    with ThreadPoolExecutor(max_workers=2) as background:
        cluster = background.submit(_pipeline, kubeconfig, namespace, kafka_bootstrap, topic)
        start_consumer(env, topic, "g-prom", tmp_path / "consumer.log")
        start_service("process", env, topic, "g-prom-proc", tmp_path / "processor.log")
        start_scorer(env, ports["ml"], tmp_path / "scorer.log")  # waits for a model
        spawn(["ml", "detect"], env, tmp_path / "detector.log")  # waits for a model too
        history_end = _send_history(env, topic, tmp_path / "history.log")  # before live events
        training = background.submit(
            _train_once_stored, fresh_database_url, kafka_bootstrap, topic, history_end
        )
        api = start_api(env, ports["api"], tmp_path / "api.log")
        try:
            start_producer(env, topic, 50, tmp_path / "producer.log")
            cluster.result()
            start_operator(kubeconfig, namespace, ports["operator"], tmp_path / "operator.log")
            with prometheus_server(ports, [rule_file], tmp_path) as prom:
                deadline = time.monotonic() + 12
                while time.monotonic() < deadline:  # traffic through the door for a few scrapes
                    body = orjson.dumps([*good[:5], {"event_type": "click"}])
                    answer = httpx.post(f"{url}/v1/events", content=body, headers=key, timeout=10)
                    assert answer.status_code == 200, answer.text
                    httpx.get(f"{url}/no-such-route", timeout=10)
                    time.sleep(0.5)
                training.result()
                _wait_ready(prom, tmp_path)
                exprs = [e for d in dashboards.DASHBOARDS for e in d.queries()]
                empty = [e for e in exprs if e not in FAILURE_ONLY and not prom.query(e)]
                alert_inputs = {
                    name
                    for expr in rules.alerts(rules.load(rule_file)).values()
                    for name in catalog.referenced(expr)
                    if name not in catalog.BUILTIN
                }
                unscraped = sorted(
                    n for n in alert_inputs if not prom.query(f'count({{__name__="{n}"}})')
                )
                down = [r["metric"]["job"] for r in prom.query("up == 0")]
        finally:
            stop_api(api, tmp_path / "api.log")
            kubectl_run("delete", "namespace", namespace, "--wait=false", kubeconfig=kubeconfig)
    assert down == [], "jobs Prometheus could not scrape"
    assert empty == [], "dashboard queries without data"
    assert unscraped == [], "metrics the alerts read that nothing exposes"
    assert set(FAILURE_ONLY) <= set(exprs), "a failure-only entry no dashboard uses any more"
    operator_lines = (tmp_path / "operator.log").read_text().splitlines()
    plain = [line for line in operator_lines if not line.startswith("{")]
    assert operator_lines, "the operator logged nothing"
    assert plain == [], "the operator's log lines are JSON only, each written once"


def _send_history(env: dict[str, str], topic: str, log: Path) -> datetime:
    """Send the generator's history of the last few days; returns where it ends."""
    end = datetime.now(UTC)
    command = [EVENTTIDE, "produce", "--topic", topic, "--backfill-days", str(HISTORY_DAYS),
               "--users", str(HISTORY_USERS), "--seed", "7"]  # fmt: skip
    with log.open("ab") as out:
        sent = subprocess.run(command, env=env, stdout=out, stderr=subprocess.STDOUT, timeout=120)
    assert sent.returncode == 0, log.read_text()[-2000:]
    return end


def _pipeline(kubeconfig: Path, namespace: str, bootstrap: str, topic: str) -> None:
    """A fresh namespace with a Pipeline over the test's topic and consumer groups."""
    for args in (("apply", "-f", str(crd_path())), ("create", "namespace", namespace)):
        done = kubectl_run(*args, kubeconfig=kubeconfig)
        assert done.returncode == 0, done.stderr
    wait_established("pipelines.eventtide.io", kubeconfig=kubeconfig)
    body = {
        "apiVersion": "eventtide.io/v1alpha1",
        "kind": "Pipeline",
        "metadata": {"name": "prom", "namespace": namespace},
        "spec": {
            "kafka": {"bootstrapServers": bootstrap},
            "topic": {"name": topic, "partitions": PARTITIONS},
            "consumer": {"groupId": "g-prom", "minReplicas": 1, "maxReplicas": PARTITIONS,
                         "pollIntervalSeconds": 0.5},
            "processor": {"groupId": "g-prom-proc"},
        },
    }  # fmt: skip
    applied = kubectl_run("apply", "-f", "-", kubeconfig=kubeconfig, stdin=yaml.safe_dump(body))
    assert applied.returncode == 0, applied.stderr


def _train_once_stored(url: str, bootstrap: str, topic: str, history_end: datetime) -> None:
    """Train the scorer's and the detector's models on the stored history as soon as the
    consumer has stored it all and the processor has read it all.

    The churn model's held-out split is the day before the cut-off and training ends a
    horizon before that, so the four days sent leave a day of sessions for each. Its
    first candidate is promoted when it beats its baselines; on a history this small it
    may not, and the scorer must still have a model, so the test promotes it then.
    """
    from eventtide.ml.online_training import ONLINE_MODEL, train_online_churn
    from eventtide.ml.registry import promote

    sent = sum(end_offsets(bootstrap, topic, PARTITIONS).values())
    engine = make_engine(url)
    try:
        deadline = time.monotonic() + 60
        # the consumer's events for the churn model; the processor's final windows for
        # the anomaly model, which prefers them to the events once any are stored
        for group in ("g-prom", "g-prom-proc"):
            while True:
                with engine.connect() as conn:
                    stored = sum(load_offsets(conn, group, topic).values())
                if stored >= sent:
                    break
                assert time.monotonic() < deadline, f"{group}: {stored} of {sent} in a minute"
                time.sleep(0.3)
        cutoff = history_end - timedelta(days=HORIZON_DAYS)
        result = train_online_churn(engine, cutoff, HORIZON_DAYS)
        if not result.decision.promote:
            with engine.begin() as conn:
                promote(conn, ONLINE_MODEL, result.version)
        _register_anomaly_model(engine, history_end)
    finally:
        engine.dispose()


def _register_anomaly_model(engine: Engine, history_end: datetime) -> None:
    """Fit the detector's hourly model on the stored history and make it production.

    Fitted as ``ml train anomaly`` fits it, but registered without its held-out judging:
    that places incidents where three hours in a row each hold at least five events,
    and a hundred users' hours are too bursty to promise such a place (checked over a
    day of end times: none in about one history of twelve). This test needs a model in
    service, not its score.
    """
    from eventtide.ml.anomaly import DetectorConfig
    from eventtide.ml.anomaly_model import fit_model
    from eventtide.ml.anomaly_training import ANOMALY_MODEL, read_table, watched_series
    from eventtide.ml.candidate import register_decided
    from eventtide.ml.promotion import Decision

    config = DetectorConfig()
    with engine.connect() as conn:
        table, source = read_table(conn, "tumbling_1h", history_end, 0.0)
    model = fit_model("tumbling_1h", table, watched_series(table, source, config), config)
    with engine.begin() as conn:
        register_decided(
            conn, name=ANOMALY_MODEL, artefact=model.to_json(),
            decision=Decision(True, "the e2e test's model", 0.0, None),
            parameters={"source": source}, metrics={},
            data_start=datetime.fromtimestamp(float(table.times[0]), UTC),
            data_end=datetime.fromtimestamp(float(table.times[-1]) + table.window_s, UTC),
        )  # fmt: skip


READY = {
    "events stored": "sum(rate(eventtide_consumer_events_stored_total[5m])) > 0",
    "events processed": "max(eventtide_processor_watermark_delay_seconds) >= 0",
    "features scored": "sum(eventtide_ml_scored_total) > 0",
    "windows judged": "sum(eventtide_ml_windows_judged_total) > 0"
    " and on() min(count_over_time(eventtide_ml_windows_judged_total[5m])) > 1",
    "two scaling decisions": "sum(eventtide_operator_scaling_decisions_total) > 1",
}
"""What the dashboards need before every query has data (two decisions, so ``rate`` and
``increase`` have two samples). Windows judged is a count, not a rate: the detector judges
the history's hourly windows in a burst as soon as its model is in, and when that burst
comes before Prometheus's first scrape the counter stays flat until the next hour closes
(a rate of 0 is still data for the dashboard's query; ``rate > 0`` waited for that hour
and failed the test twice in twenty runs)."""


def _wait_ready(prom: Prometheus, workdir: Path) -> None:
    """Wait for every readiness condition; on a timeout, say which were unmet and show
    the log of each service, so a failure on a shared machine can be read afterwards."""
    ready = prom.wait_for(
        " and on() ".join(f"({expr})" for expr in READY.values()),
        timeout_s=180,  # a readiness wait: one minute ran out once on a loaded machine
    )
    if ready:
        return
    unmet = [name for name, expr in READY.items() if not prom.query(expr)]
    names = ("consumer", "processor", "scorer", "detector", "operator")
    logs = "\n".join(f"--- {n}.log\n{(workdir / f'{n}.log').read_text()[-2000:]}" for n in names)
    raise AssertionError(f"not at work in 3 minutes: {unmet}\n{logs}")
