"""The services over TLS and SCRAM: the same settings a managed cluster needs.

The local broker has a TLS listener and a SCRAM-SHA-512-over-TLS listener next to the
plain one (eventtide.devstack.kafka_listeners); these tests drive `eventtide produce`
through them by its environment alone, as a deployment would.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path
from unittest.mock import ANY

import pytest
from confluent_kafka import Consumer
from confluent_kafka.admin import AdminClient
from confluent_kafka.cimpl import NewTopic
from storage_helpers import consumer_env, start_consumer, stored_ids

from eventtide.core.kafka.group_lag import AdminPool, ensure_topic, read_group
from eventtide.core.kafka.security import kafka_security
from eventtide.core.settings import CoreSettings
from eventtide.devstack.kafka_listeners import SecuredKafka

pytestmark = pytest.mark.integration

CLI = str(Path(sys.executable).parent / "eventtide")


def _topic(kafka_bootstrap: str) -> str:
    name = f"test.secure.{uuid.uuid4().hex[:10]}"
    admin = AdminClient({"bootstrap.servers": kafka_bootstrap})
    admin.create_topics([NewTopic(name, 3, 1)])[name].result(30)
    return name


def _produce(env: dict[str, str], topic: str, events: int) -> subprocess.CompletedProcess[str]:
    """``events`` from a day of simulated history ending now. 100 users hold about 2,000
    events a day: 30 held from 263 to well over 300 depending on the hour the day
    ended, so a run late in the day sent fewer than asked and the test failed."""
    command = [CLI, "produce", "--events", str(events), "--backfill-days", "1", "--users", "100"]
    return subprocess.run(
        [*command, "--topic", topic, "--json"],
        env={**os.environ, "EVENTTIDE_PRODUCER_FLUSH_TIMEOUT_S": "60", **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _count(settings: CoreSettings, topic: str, expected: int) -> int:
    consumer = Consumer(
        {
            "bootstrap.servers": settings.kafka_bootstrap_servers,
            "group.id": f"test-secure-{uuid.uuid4().hex[:8]}",
            "auto.offset.reset": "earliest",
            **kafka_security(settings),
        }
    )
    consumer.subscribe([topic])
    seen = 0
    try:
        for _ in range(60):
            seen += sum(1 for m in consumer.consume(500, 1.0) if m.error() is None)
            if seen >= expected:
                break
    finally:
        consumer.close()
    return seen


def _assert_refused(result: subprocess.CompletedProcess[str], reason: str, setting: str) -> None:
    """The run stopped before producing anything and named the cause and the setting."""
    assert result.returncode == 1, result.stderr[-2000:]
    assert json.loads(result.stdout) == {"error": ANY}
    error = json.loads(result.stdout)["error"]
    assert reason in error
    assert setting in error
    assert "cannot produce to" in result.stderr


def test_produce_with_a_scram_login_and_read_back_over_tls(
    kafka_bootstrap: str, kafka_secured: SecuredKafka, monkeypatch: pytest.MonkeyPatch
) -> None:
    topic = _topic(kafka_bootstrap)
    result = _produce(kafka_secured.scram_env(), topic, 300)
    assert result.returncode == 0, result.stderr[-2000:]
    summary = json.loads(result.stdout)
    assert summary["sent"] == 300
    assert summary["kafka_error"] is None

    for name, value in kafka_secured.tls_env().items():
        monkeypatch.setenv(name, value)
    assert _count(CoreSettings(), topic, 300) == 300


def test_a_refused_login_stops_the_producer_and_says_what_to_check(
    kafka_bootstrap: str, kafka_secured: SecuredKafka
) -> None:
    topic = _topic(kafka_bootstrap)
    env = {**kafka_secured.scram_env(), "EVENTTIDE_KAFKA_SASL_PASSWORD": "not-the-password"}
    _assert_refused(
        _produce(env, topic, 50), "Authentication failed", "EVENTTIDE_KAFKA_SASL_PASSWORD"
    )


def test_an_untrusted_broker_certificate_is_refused(
    kafka_bootstrap: str, kafka_secured: SecuredKafka, tmp_path: Path
) -> None:
    other_ca = tmp_path / "other-ca.crt"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-keyout", str(tmp_path / "other.key"), "-out", str(other_ca), "-days", "1",
         "-subj", "/CN=not-the-broker-ca"],
        check=True, capture_output=True,
    )  # fmt: skip
    topic = _topic(kafka_bootstrap)
    env = {**kafka_secured.tls_env(), "EVENTTIDE_KAFKA_SSL_CA_LOCATION": str(other_ca)}
    result = _produce(env, topic, 50)
    _assert_refused(result, "certificate verify failed", "EVENTTIDE_KAFKA_SSL_CA_LOCATION")


def test_the_operators_admin_pool_reads_lag_with_a_scram_login(
    kafka_secured: SecuredKafka, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in kafka_secured.scram_env().items():
        monkeypatch.setenv(name, value)
    settings = CoreSettings()
    admin = AdminPool(kafka_security(settings)).get(settings.kafka_bootstrap_servers)
    topic = f"test.secure.{uuid.uuid4().hex[:10]}"
    assert ensure_topic(admin, topic, 2, 1) == "created"
    reading = read_group(admin, f"g-{uuid.uuid4().hex[:8]}", topic)
    assert [(p.partition, p.end, p.committed) for p in reading.partitions] == [
        (0, 0, None),
        (1, 0, None),
    ]


def test_the_consumer_stores_what_arrived_over_a_scram_login(
    kafka_bootstrap: str, kafka_secured: SecuredKafka, fresh_database_url: str, tmp_path: Path
) -> None:
    topic = _topic(kafka_bootstrap)
    produced = _produce(kafka_secured.scram_env(), topic, 200)
    assert produced.returncode == 0, produced.stderr[-2000:]
    env = {**consumer_env(kafka_bootstrap, fresh_database_url), **kafka_secured.scram_env()}
    proc = start_consumer(env, topic, f"g-{uuid.uuid4().hex[:8]}", tmp_path / "c.log", idle_exit=3)
    assert proc.wait(120) == 0, (tmp_path / "c.log").read_text()[-2000:]
    assert len(set(stored_ids(fresh_database_url))) == 200
