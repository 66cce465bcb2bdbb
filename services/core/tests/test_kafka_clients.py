"""Every client the factory builds carries the security keys; none can forget them."""

from __future__ import annotations

import pytest

from eventtide.core.defaults import CONSUMER_GROUP
from eventtide.core.kafka.clients import (
    admin_client_config,
    consumer_client_config,
    producer_client_config,
)
from eventtide.core.kafka.config import ProducerTuning
from eventtide.core.kafka.consumer_config import ConsumerTuning
from eventtide.core.settings import CoreSettings

pytestmark = pytest.mark.unit

SASL = {
    "EVENTTIDE_KAFKA_SECURITY_PROTOCOL": "SASL_PLAINTEXT",
    "EVENTTIDE_KAFKA_SASL_MECHANISM": "SCRAM-SHA-512",
    "EVENTTIDE_KAFKA_SASL_USERNAME": "svc",
    "EVENTTIDE_KAFKA_SASL_PASSWORD": "pw",
    "KAFKA_BOOTSTRAP_SERVERS": "broker:9094",
}
KEYS = {
    "security.protocol": "sasl_plaintext",
    "sasl.mechanism": "SCRAM-SHA-512",
    "sasl.username": "svc",
    "sasl.password": "pw",
}


@pytest.fixture
def settings(monkeypatch: pytest.MonkeyPatch) -> CoreSettings:
    for name, value in SASL.items():
        monkeypatch.setenv(name, value)
    return CoreSettings()


def test_producer_consumer_and_admin_all_log_in(settings: CoreSettings) -> None:
    configs = [
        producer_client_config(ProducerTuning(), settings),
        consumer_client_config(ConsumerTuning(group_id=CONSUMER_GROUP), settings),
        admin_client_config(settings),
    ]
    for config in configs:
        assert config["bootstrap.servers"] == "broker:9094"
        assert KEYS.items() <= config.items()
    assert configs[0]["enable.idempotence"] is True
    assert configs[1]["enable.auto.commit"] is False


def test_another_cluster_keeps_the_security_keys(settings: CoreSettings) -> None:
    config = producer_client_config(ProducerTuning(), settings, bootstrap_servers="other:1")
    assert config["bootstrap.servers"] == "other:1"
    assert KEYS.items() <= config.items()
    assert admin_client_config(settings, bootstrap_servers="other:2")["bootstrap.servers"] == (
        "other:2"
    )


def test_plaintext_adds_no_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("EVENTTIDE_KAFKA_SECURITY_PROTOCOL", raising=False)
    config = admin_client_config(CoreSettings())
    assert not any(key.startswith(("security.", "sasl.", "ssl.")) for key in config)
