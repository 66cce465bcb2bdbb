"""The Pipeline CRD and the kopf operator against the real API server and Kafka broker.

The operator runs in this process through ``kopf.testing.KopfRunner``, watching one
fresh namespace per test. Consumer Pods never really run (kwok plays the kubelet), so a
real confluent-kafka consumer in the Pipeline's group stands in for them to drain the
backlog. Windows and intervals are set through the Pipeline spec so that the whole
story (scale up, Kafka outage, drain, scale down, delete) takes seconds, not minutes.
"""

from __future__ import annotations

import json
import math
import os
import secrets
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from confluent_kafka import Consumer, Producer
from confluent_kafka.admin import AdminClient

from eventtide.devstack.kubernetes import tool_path
from eventtide.operator.crd import crd_path
from tests.cluster.conftest import wait_established
from tests.cluster.conftest import wait_for as poll_until

pytestmark = pytest.mark.cluster

POLL_S = 0.5
SCALE_DOWN_WINDOW_S = 5
PARTITIONS = 4
LAG_THRESHOLD = 100
BACKLOG = 2000
WAIT_S = 60.0


def kubectl(
    *args: str, kubeconfig: Path, stdin: str | None = None, check: bool = True
) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [str(tool_path("kubectl")), *args],
        input=stdin,
        capture_output=True,
        text=True,
        env={**os.environ, "KUBECONFIG": str(kubeconfig)},
        timeout=60,
        check=False,
    )
    if check and result.returncode != 0:
        raise AssertionError(f"kubectl {' '.join(args)} failed:\n{result.stderr}")
    return result


def get_json(kubeconfig: Path, *args: str) -> Any:
    result = kubectl("get", *args, "-o", "json", kubeconfig=kubeconfig, check=False)
    return json.loads(result.stdout) if result.returncode == 0 else None


def wait_for(what: str, probe: Callable[[], Any], timeout: float = WAIT_S) -> Any:
    return poll_until(what, probe, timeout, interval=0.25)


def condition(pipeline: Any, kind: str) -> dict[str, Any]:
    for item in (pipeline or {}).get("status", {}).get("conditions", []):
        if item["type"] == kind:
            return dict(item)
    return {}


@pytest.fixture(scope="module")
def crd(kubeconfig: Path) -> Path:
    kubectl("apply", "-f", str(crd_path()), kubeconfig=kubeconfig)
    # Polled, not `kubectl wait`: that gives up at once while a new CRD has no conditions.
    wait_established("pipelines.eventtide.io", kubeconfig=kubeconfig)
    return kubeconfig


@pytest.fixture
def namespace(crd: Path) -> Iterator[str]:
    name = f"pl-{secrets.token_hex(4)}"
    kubectl("create", "namespace", name, kubeconfig=crd)
    yield name
    kubectl("delete", "namespace", name, "--wait=false", kubeconfig=crd, check=False)


@pytest.fixture
def operator(crd: Path, namespace: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    from kopf.testing import KopfRunner

    monkeypatch.setenv("KUBECONFIG", str(crd))
    args = ["run", "--standalone", "--namespace", namespace, "-m", "eventtide.operator.handlers"]
    with KopfRunner(args, timeout=60) as runner:
        yield runner
    assert runner.exception is None, runner.output
    assert runner.exit_code == 0, runner.output


def pipeline(name: str, namespace: str, bootstrap: str, **consumer: Any) -> str:
    body = {
        "apiVersion": "eventtide.io/v1alpha1",
        "kind": "Pipeline",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {
            "kafka": {"bootstrapServers": bootstrap},
            "topic": {"name": f"{namespace}.events", "partitions": PARTITIONS},
            "consumer": {
                "minReplicas": 1,
                "maxReplicas": PARTITIONS,
                "lagThreshold": LAG_THRESHOLD,
                "pollIntervalSeconds": POLL_S,
                "scaleUpStabilizationSeconds": 2,
                "scaleDownStabilizationSeconds": SCALE_DOWN_WINDOW_S,
                **consumer,
            },
        },
    }
    return yaml.safe_dump(body)


def produce(bootstrap: str, topic: str, count: int) -> None:
    producer = Producer({"bootstrap.servers": bootstrap, "linger.ms": 5})
    for index in range(count):
        producer.produce(topic, key=str(index % 97).encode(), value=b"{}")
        if index % 500 == 0:
            producer.poll(0)
    assert producer.flush(30) == 0


def drain(bootstrap: str, topic: str, group: str, count: int) -> None:
    consumer = Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": group,
            "auto.offset.reset": "earliest",
            "enable.auto.commit": False,
        }
    )
    consumer.subscribe([topic])
    seen = 0
    deadline = time.monotonic() + WAIT_S
    try:
        while seen < count and time.monotonic() < deadline:
            for message in consumer.consume(500, timeout=1.0):
                assert message.error() is None, message.error()
                seen += 1
            if seen:
                consumer.commit(asynchronous=False)
    finally:
        consumer.close()
    assert seen >= count, f"drained only {seen} of {count}"


def test_pipeline_scales_on_lag_survives_kafka_outage_and_cleans_up(
    crd: Path,
    namespace: str,
    operator: Any,
    kafka_bootstrap: str,
    kafka_broker: Any,
    record_property: Callable[[str, object], None],
):
    kubeconfig = crd
    name = "orders"
    topic = f"{namespace}.events"
    group = f"eventtide-{name}"
    kubectl(
        "apply", "-f", "-", kubeconfig=kubeconfig, stdin=pipeline(name, namespace, kafka_bootstrap)
    )

    # Children with owner references, topic created, status Ready.
    ready = wait_for(
        "Ready=True",
        lambda: (
            (p := get_json(kubeconfig, "pipeline", name, "-n", namespace))
            and condition(p, "Ready").get("status") == "True"
            and p
        ),
    )
    uid = ready["metadata"]["uid"]
    assert condition(ready, "Ready")["observedGeneration"] == ready["metadata"]["generation"]
    assert ready["status"]["topic"] == "AdminAPI"
    for kind, child in (("deployment", f"{name}-consumer"), ("configmap", f"{name}-pipeline")):
        found = get_json(kubeconfig, kind, child, "-n", namespace)
        assert found is not None, f"{kind}/{child} missing"
        owners = found["metadata"]["ownerReferences"]
        assert [(o["kind"], o["uid"], o.get("controller")) for o in owners] == [
            ("Pipeline", uid, True)
        ]
    metadata = AdminClient({"bootstrap.servers": kafka_bootstrap}).list_topics(timeout=10)
    assert len(metadata.topics[topic].partitions) == PARTITIONS
    table = kubectl("get", "pl", "-n", namespace, kubeconfig=kubeconfig).stdout
    header = ["NAME", "LAG", "REPLICAS", "DESIRED", "PROC-LAG", "PROC", "READY", "AGE"]
    assert table.split()[:8] == header, table

    # A backlog with no consumer running: KEDA's count, capped at the partitions.
    spike_at = time.monotonic()
    produce(kafka_bootstrap, topic, BACKLOG)
    expected = min(math.ceil(BACKLOG / LAG_THRESHOLD), PARTITIONS)
    consumer_path = ("deployment", f"{name}-consumer", "-n", namespace)
    wait_for(
        "the first scale-up",
        lambda: (d := get_json(kubeconfig, *consumer_path)) and d["spec"]["replicas"] > 1,
    )
    first_scale_up_s = time.monotonic() - spike_at
    # KopfRunner swaps sys.stdout while the operator runs: write to the real terminal.
    sys.__stdout__.write(f"\n[operator] lag spike -> first scale-up: {first_scale_up_s:.2f}s\n")
    record_property("spike_to_first_scale_up_s", round(first_scale_up_s, 2))
    scaled = wait_for(
        f"desiredReplicas == {expected}",
        lambda: (
            (p := get_json(kubeconfig, "pipeline", name, "-n", namespace))
            and p["status"].get("desiredReplicas") == expected
            and p["status"].get("replicas") == expected
            and p["status"].get("lag") == BACKLOG
            and p
        ),
    )
    assert scaled["status"]["lastScaleDecision"]["rule"] == "partitionCount"
    assert scaled["status"]["lastScaleDecision"]["inputs"]["totalLag"] == BACKLOG
    assert scaled["status"]["topPartitions"][0]["lag"] > 0
    assert get_json(kubeconfig, *consumer_path)["spec"]["replicas"] == expected
    events = get_json(kubeconfig, "events", "-n", namespace)
    reasons = {item["reason"] for item in events["items"]}
    assert "ScaledUp" in reasons, reasons

    # Kafka down: Degraded, replicas unchanged (never scale on an error).
    kafka_broker.stop()
    try:
        degraded = wait_for(
            "Degraded=True",
            lambda: (
                (p := get_json(kubeconfig, "pipeline", name, "-n", namespace))
                and condition(p, "Degraded").get("status") == "True"
                and p
            ),
        )
        assert condition(degraded, "Degraded")["reason"] == "LagUnavailable"
        assert condition(degraded, "Ready")["status"] == "False"
        time.sleep(3)
        assert get_json(kubeconfig, *consumer_path)["spec"]["replicas"] == expected
        assert (
            get_json(kubeconfig, "pipeline", name, "-n", namespace)["status"]["replicas"]
            == expected
        )
    finally:
        kafka_broker.resume()
    wait_for(
        "Degraded=False after Kafka is back",
        lambda: (
            condition(get_json(kubeconfig, "pipeline", name, "-n", namespace), "Degraded").get(
                "status"
            )
            == "False"
        ),
    )

    # Drain with a real consumer in the group: back to the minimum after the window.
    # Until the drain starts the policy recommends 4 (the backlog is untouched), so no
    # scale-down may come before a whole window after the last sample taken before it;
    # samples come every POLL_S, so that sample is at most one interval before the drain.
    drain_started = time.monotonic()
    drain(kafka_bootstrap, topic, group, BACKLOG)
    wait_for(
        "replicas back to the minimum",
        lambda: get_json(kubeconfig, *consumer_path)["spec"]["replicas"] == 1,
    )
    assert time.monotonic() - drain_started >= SCALE_DOWN_WINDOW_S - POLL_S
    final = get_json(kubeconfig, "pipeline", name, "-n", namespace)
    assert final["status"]["lag"] == 0
    assert final["status"]["desiredReplicas"] == 1

    # Delete: the garbage collector removes every child.
    kubectl("delete", "pipeline", name, "-n", namespace, "--wait=true", kubeconfig=kubeconfig)
    wait_for(
        "children garbage-collected",
        lambda: (
            get_json(kubeconfig, *consumer_path) is None
            and get_json(kubeconfig, "configmap", f"{name}-pipeline", "-n", namespace) is None
        ),
    )


def test_min_above_max_is_rejected_with_the_cel_message(crd: Path, namespace: str):
    body = pipeline("bad", namespace, "127.0.0.1:9092", minReplicas=4, maxReplicas=2)
    result = kubectl("apply", "-f", "-", kubeconfig=crd, stdin=body, check=False)
    assert result.returncode != 0
    assert "consumer.minReplicas must not exceed consumer.maxReplicas" in result.stderr


def test_max_above_partitions_needs_idle_consumers(crd: Path, namespace: str):
    too_many = pipeline("wide", namespace, "127.0.0.1:9092", maxReplicas=PARTITIONS + 2)
    result = kubectl("apply", "-f", "-", kubeconfig=crd, stdin=too_many, check=False)
    assert result.returncode != 0
    assert "must not exceed topic.partitions" in result.stderr
    allowed = pipeline(
        "wide", namespace, "127.0.0.1:9092", maxReplicas=PARTITIONS + 2, allowIdleConsumers=True
    )
    kubectl("apply", "-f", "-", kubeconfig=crd, stdin=allowed)


SECURITY_CASES: dict[str, tuple[dict[str, Any], str]] = {
    "sasl without a SASL protocol": (
        {"sasl": {"mechanism": "PLAIN", "credentialsSecretName": "login"}},
        "kafka.sasl.mechanism needs kafka.securityProtocol",
    ),
    "SASL protocol without a mechanism": (
        {"securityProtocol": "SASL_SSL"},
        "needs kafka.sasl.mechanism",
    ),
    "IAM without a region": (
        {"securityProtocol": "SASL_SSL", "sasl": {"mechanism": "AWS_MSK_IAM"}},
        "AWS_MSK_IAM needs",
    ),
    "SCRAM without its Secret": (
        {"securityProtocol": "SASL_SSL", "sasl": {"mechanism": "SCRAM-SHA-512"}},
        "needs kafka.sasl.credentialsSecretName",
    ),
}


def test_kafka_security_and_stream_sections_are_checked_by_the_api_server(
    crd: Path, namespace: str
) -> None:
    def dry_run(spec: dict[str, Any]) -> subprocess.CompletedProcess[str]:
        body = {
            "apiVersion": "eventtide.io/v1alpha1",
            "kind": "Pipeline",
            "metadata": {"name": "sec", "namespace": namespace},
            "spec": spec,
        }
        return kubectl(
            "apply", "--dry-run=server", "-f", "-",
            kubeconfig=crd, stdin=json.dumps(body), check=False,
        )  # fmt: skip

    for case, (security, message) in SECURITY_CASES.items():
        result = dry_run({"kafka": {"bootstrapServers": "k:9096", **security}})
        assert result.returncode != 0, case
        assert message in result.stderr, f"{case}: {result.stderr}"
    lonely_ml = dry_run({"kafka": {"bootstrapServers": "k:9092"}, "ml": {"enabled": True}})
    assert "ml.enabled needs processor.enabled" in lonely_ml.stderr
    whole = dry_run(
        {
            "kafka": {
                "bootstrapServers": "b-1.msk:9098",
                "securityProtocol": "SASL_SSL",
                "sasl": {"mechanism": "AWS_MSK_IAM", "awsRegion": "eu-west-1"},
            },
            "processor": {"enabled": True, "minReplicas": 1, "maxReplicas": 4},
            "ml": {"enabled": True, "models": {"churn": "churn-v2"}},
        }
    )
    assert whole.returncode == 0, whole.stderr
